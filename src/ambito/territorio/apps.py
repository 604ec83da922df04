from django.apps import AppConfig


class TerritorioConfig(AppConfig):
    name = "ambito.territorio"
    label = "territorio"
    verbose_name = "Territorio"

    def ready(self):
        from ambito.core import menu

        menu.registra("Territorio", "territorio:comuni", ordine=10)
