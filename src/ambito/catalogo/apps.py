from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _tabelle_codici(sender, **kwargs):
    from .services import assicura_tabelle_codici

    assicura_tabelle_codici()


class CatalogoConfig(AppConfig):
    name = "ambito.catalogo"
    label = "catalogo"
    verbose_name = "Catalogo dei servizi"

    def ready(self):
        from ambito.core import menu

        menu.registra("Catalogo", "catalogo:servizi", permesso="catalogo.view_servizio", ordine=20)
        menu.registra("Contratti", "catalogo:matrice", permesso="catalogo.view_contrattoservizio", ordine=30)
        post_migrate.connect(_tabelle_codici, sender=self, dispatch_uid="catalogo_tabelle_codici")
