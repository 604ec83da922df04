from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ambito.core"
    label = "core"
    verbose_name = "Nucleo"
