from django.apps import AppConfig


class CartellaConfig(AppConfig):
    name = "ambito.cartella"
    label = "cartella"
    verbose_name = "Cartella Sociale Informatizzata"

    def ready(self):
        from ambito.core import menu
        from ambito.utenti import ruoli as R

        menu.registra("Cartella sociale", "cartella:ricerca", permesso="cartella.view_persona", ordine=5)
        menu.registra("Scadenze", "cartella:scadenze", permesso="cartella.view_caso", ordine=6)
        # Who records hours and visits (operators, and providers, who have no other way in).
        menu.registra("Interventi", "cartella:miei_interventi", permesso="cartella.add_attivita", ordine=7)

        # Which roles may touch the case record at all; *which* records is decided by
        # cartella.selectors.visibilita, per user.
        lavoro = ("cartella.view_*", "cartella.add_*", "cartella.change_*", "fondi.view_fondo")
        R.registra_permessi(R.COORDINATORE, *lavoro)
        R.registra_permessi(R.OPERATORE, *lavoro)
        R.registra_permessi(
            R.OPERATORE_COMUNALE,
            "cartella.view_*",
            "cartella.add_accesso",
            "cartella.add_persona",
            "cartella.change_persona",
            "cartella.add_residenza",
            "cartella.add_vocediario",
        )
        R.registra_permessi(
            R.ENTE_EROGATORE, "cartella.view_intervento", "cartella.view_attivita", "cartella.add_attivita"
        )
        R.registra_permessi(
            R.AMMINISTRAZIONE, "cartella.view_intervento", "cartella.view_erogazione", "fondi.view_fondo"
        )
