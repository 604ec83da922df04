from django.apps import AppConfig


class UtentiConfig(AppConfig):
    name = "ambito.utenti"
    label = "utenti"
    verbose_name = "Utenti, ruoli e ambiti di visibilità"

    def ready(self):
        from ambito.core import menu

        menu.registra("Registro accessi", "utenti:registro_accessi", permesso="core.view_accessodati", ordine=90)
