from django.apps import AppConfig


class CatalogoConfig(AppConfig):
    name = "ambito.catalogo"
    label = "catalogo"
    verbose_name = "Catalogo dei servizi"

    def ready(self):
        from ambito.core import menu

        menu.registra("Catalogo", "catalogo:servizi", permesso="catalogo.view_servizio", ordine=20)
        menu.registra("Contratti", "catalogo:matrice", permesso="catalogo.view_contrattoservizio", ordine=30)
