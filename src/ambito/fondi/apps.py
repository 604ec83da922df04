from django.apps import AppConfig


class FondiConfig(AppConfig):
    name = "ambito.fondi"
    label = "fondi"
    verbose_name = "Fondi"
