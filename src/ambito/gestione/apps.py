from django.apps import AppConfig


class GestioneConfig(AppConfig):
    name = "ambito.gestione"
    label = "gestione"
    verbose_name = "Controllo di gestione e riparto"

    def ready(self):
        from ambito.core import menu
        from ambito.utenti import ruoli as R

        menu.registra("Riparto", "gestione:riparto", permesso="gestione.view_versionebilancio", ordine=35)
        R.registra_permessi(R.AMMINISTRAZIONE, "gestione.*")
        R.registra_permessi(R.UFFICIO_DI_PIANO, "gestione.view_*")
        R.registra_permessi(R.OPERATORE_COMUNALE, "gestione.view_versionebilancio")
        # advances and balance: a Comune operator sees its own row and documents
        menu.registra(
            "Acconti e conguagli", "gestione:acconti_indice", permesso="gestione.view_addebito", ordine=36
        )
        R.registra_permessi(R.OPERATORE_COMUNALE, "gestione.view_addebito", "gestione.view_pianoacconti")
