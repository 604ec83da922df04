from django.apps import AppConfig


class FlussiConfig(AppConfig):
    name = "ambito.flussi"
    label = "flussi"
    verbose_name = "Flussi informativi (SIUSS, ISTAT, relazioni)"
