from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _schemi(sender, **kwargs):
    from .services import assicura_schemi

    assicura_schemi()


class ContabilitaConfig(AppConfig):
    name = "ambito.contabilita"
    label = "contabilita"
    verbose_name = "Contabilità analitica: centri di costo e categorie"

    def ready(self):
        from ambito.core import menu
        from ambito.utenti import ruoli as R

        menu.registra(
            "Contabilità analitica",
            "contabilita:indice",
            permesso="contabilita.view_importazionecontabile",
            ordine=36,
        )
        R.registra_permessi(R.AMMINISTRAZIONE, "contabilita.*")
        R.registra_permessi(R.UFFICIO_DI_PIANO, "contabilita.view_*")
        # also after a flush (transactional tests), which empties what migration 0002 seeded
        post_migrate.connect(_schemi, sender=self, dispatch_uid="contabilita_schemi")
