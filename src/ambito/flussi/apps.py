from django.apps import AppConfig


class FlussiConfig(AppConfig):
    name = "ambito.flussi"
    label = "flussi"
    verbose_name = "Flussi informativi (SIUSS, ISTAT, relazioni)"

    def ready(self):
        from ambito.core import menu
        from ambito.utenti import ruoli as R

        R.registra_permessi(R.UFFICIO_DI_PIANO, "flussi.*")
        menu.registra("Flussi SIUSS", "flussi:elenco", permesso="flussi.view_flussosiuss", ordine=45)
        # Readers of contracts: direzione, amministrazione, ufficio di piano, Comune operators.
        menu.registra("Indagine ISTAT", "flussi:istat", permesso="catalogo.view_contrattoservizio", ordine=46)
