from django.apps import AppConfig


class RelazioniConfig(AppConfig):
    name = "ambito.relazioni"
    label = "relazioni"
    verbose_name = "Relazioni annuali"

    def ready(self):
        from ambito.core import menu
        from ambito.utenti import ruoli as R

        menu.registra("Relazioni", "relazioni:indice", permesso="relazioni.view_eventorilevante", ordine=45)
        # Direzione reads everything (*.view_*) and also records the "fatti di rilievo".
        R.registra_permessi(R.DIREZIONE, "relazioni.registra_eventorilevante")
        R.registra_permessi(R.AMMINISTRAZIONE, "relazioni.view_*")
        R.registra_permessi(R.UFFICIO_DI_PIANO, "relazioni.view_*")
        # A Comune operator reaches the index, which lists only its own Comune's pack.
        R.registra_permessi(R.OPERATORE_COMUNALE, "relazioni.view_*")
