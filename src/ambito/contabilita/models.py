"""Cost centres, cost categories, the chart-of-accounts mapping and the imports from accounting.

Category schemes (So.Le.'s 11 categories, the civil-code income statement) are reference data
shared by every Ambito, seeded by migration 0002; everything else belongs to an Ambito. An
import is never deleted: re-importing the same esercizio and version type marks the previous
import as superseded (`sostituita_da`) and keeps its rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from ambito.core.models import TenantModel
from ambito.gestione.models import TipoVersione


class SchemaCategorie(models.Model):
    codice = models.CharField("codice", max_length=20, unique=True)
    nome = models.CharField("nome", max_length=200)
    fonte = models.CharField("fonte", max_length=300, blank=True)

    class Meta:
        verbose_name = "schema di categorie"
        verbose_name_plural = "schemi di categorie"
        ordering = ["codice"]

    def __str__(self) -> str:
        return self.nome


class TipoCategoria(models.TextChoices):
    COSTO = "costo", "Costo"
    RICAVO = "ricavo", "Ricavo"


class CategoriaCosto(models.Model):
    schema = models.ForeignKey(
        SchemaCategorie, on_delete=models.PROTECT, related_name="categorie", verbose_name="schema"
    )
    codice = models.CharField("codice", max_length=20)
    nome = models.CharField("nome", max_length=200)
    tipo = models.CharField("tipo", max_length=10, choices=TipoCategoria.choices)
    ordine = models.PositiveSmallIntegerField("ordine", default=0)

    class Meta:
        verbose_name = "categoria di costo o ricavo"
        verbose_name_plural = "categorie di costo o ricavo"
        ordering = ["schema", "ordine", "codice"]
        constraints = [
            models.UniqueConstraint(fields=["schema", "codice"], name="contabilita_categoria_unica")
        ]

    def __str__(self) -> str:
        return f"{self.codice} – {self.nome}"


class TipoCentro(models.TextChoices):
    SERVIZIO = "servizio", "Servizio"
    STRUTTURA = "struttura", "Struttura (costi indiretti)"


class CentroCosto(TenantModel):
    codice = models.CharField("codice", max_length=30)
    nome = models.CharField("nome", max_length=200)
    tipo = models.CharField("tipo", max_length=10, choices=TipoCentro.choices)
    servizio = models.ForeignKey(
        "catalogo.Servizio",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="servizio del catalogo",
    )
    codice_riparto = models.CharField(
        "servizio del riparto alimentato",
        max_length=30,
        blank=True,
        help_text="Codice del servizio nella cartella del riparto (solo centri di servizio).",
    )
    valido_dal = models.DateField("valido dal", null=True, blank=True)
    valido_al = models.DateField("valido al", null=True, blank=True)

    class Meta:
        verbose_name = "centro di costo"
        verbose_name_plural = "centri di costo"
        ordering = ["tipo", "codice"]
        constraints = [models.UniqueConstraint(fields=["ambito", "codice"], name="contabilita_centro_unico")]

    def __str__(self) -> str:
        return f"{self.codice} – {self.nome}"


class ContoContabile(TenantModel):
    """An account of the chart of accounts, mapped to a category and (optionally) a default centre."""

    codice = models.CharField("conto", max_length=30)
    descrizione = models.CharField("descrizione", max_length=200, blank=True)
    categoria = models.ForeignKey(
        CategoriaCosto, on_delete=models.PROTECT, related_name="+", verbose_name="categoria"
    )
    centro = models.ForeignKey(
        CentroCosto,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="centro predefinito",
    )

    class Meta:
        verbose_name = "conto contabile"
        verbose_name_plural = "piano dei conti"
        ordering = ["codice"]
        constraints = [models.UniqueConstraint(fields=["ambito", "codice"], name="contabilita_conto_unico")]

    def __str__(self) -> str:
        return f"{self.codice} – {self.descrizione}"


class ImportazioneContabile(TenantModel):
    esercizio = models.ForeignKey(
        "gestione.Esercizio", on_delete=models.PROTECT, related_name="+", verbose_name="esercizio"
    )
    tipo_versione = models.CharField("versione", max_length=20, choices=TipoVersione.choices)
    nome_file = models.CharField("nome del file", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    numero_righe = models.PositiveIntegerField("righe")
    totale_costi = models.DecimalField("totale costi", max_digits=16, decimal_places=2)
    totale_ricavi = models.DecimalField("totale ricavi", max_digits=16, decimal_places=2)
    caricata_da = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="caricata da",
    )
    caricata_il = models.DateTimeField("caricata il", auto_now_add=True)
    sostituita_da = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sostituite",
        verbose_name="sostituita da",
    )

    class Meta:
        verbose_name = "importazione contabile"
        verbose_name_plural = "importazioni contabili"
        ordering = ["-caricata_il", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ambito", "esercizio", "tipo_versione"],
                condition=Q(sostituita_da__isnull=True),
                name="contabilita_importazione_attiva_unica",
            )
        ]

    def __str__(self) -> str:
        return f"{self.esercizio} {self.get_tipo_versione_display()} – {self.nome_file}"

    @property
    def attiva(self) -> bool:
        return self.sostituita_da_id is None


class RigaContabile(TenantModel):
    importazione = models.ForeignKey(
        ImportazioneContabile, on_delete=models.PROTECT, related_name="righe", verbose_name="importazione"
    )
    riga_file = models.PositiveIntegerField("riga del file")
    centro = models.ForeignKey(CentroCosto, on_delete=models.PROTECT, related_name="+", verbose_name="centro")
    categoria = models.ForeignKey(
        CategoriaCosto, on_delete=models.PROTECT, related_name="+", verbose_name="categoria"
    )
    conto = models.ForeignKey(
        ContoContabile, on_delete=models.PROTECT, related_name="+", verbose_name="conto"
    )
    importo = models.DecimalField("importo", max_digits=16, decimal_places=2)
    descrizione = models.CharField("descrizione", max_length=300, blank=True)

    class Meta:
        verbose_name = "riga contabile"
        verbose_name_plural = "righe contabili"
        ordering = ["importazione", "riga_file"]

    def __str__(self) -> str:
        return f"{self.conto_id} {self.centro_id}: {self.importo}"
