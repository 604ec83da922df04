from django.apps import AppConfig


class GestioneConfig(AppConfig):
    name = "ambito.gestione"
    label = "gestione"
    verbose_name = "Controllo di gestione e riparto"
