from django.apps import AppConfig


class FondiConfig(AppConfig):
    name = "ambito.fondi"
    label = "fondi"
    verbose_name = "Fondi"

    def ready(self):
        from ambito.core import menu
        from ambito.utenti import ruoli as R

        menu.registra("Fondi", "fondi:elenco", permesso="fondi.view_fondo", ordine=40)
        R.registra_permessi(R.AMMINISTRAZIONE, "fondi.*")
        R.registra_permessi(R.UFFICIO_DI_PIANO, "fondi.view_*")
