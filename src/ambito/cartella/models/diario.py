"""Diary, documents, court mandates and guardianships of a case."""

from django.conf import settings
from django.db import models

from .base import RecordCartella, Riservatezza
from .casi import Caso


class VoceDiario(RecordCartella):
    """A diary entry. Never edited in place: a correction is a new entry that `corregge` the old one."""

    caso = models.ForeignKey(Caso, on_delete=models.PROTECT, related_name="diario")
    data = models.DateField("data")
    testo = models.TextField("testo")
    riservatezza = models.CharField(
        "riservatezza", max_length=20, choices=Riservatezza.choices, default=Riservatezza.ORDINARIA
    )
    corregge = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="correzioni"
    )
    motivo_correzione = models.CharField("motivo della correzione", max_length=300, blank=True)

    class Meta:
        verbose_name = "voce di diario"
        verbose_name_plural = "diario"
        ordering = ["caso", "-data", "-id"]


class TipoDocumento(models.TextChoices):
    RELAZIONE = "relazione", "Relazione sociale"
    DECRETO = "decreto", "Provvedimento dell'autorità giudiziaria"
    CERTIFICATO = "certificato", "Certificazione sanitaria / invalidità"
    ISEE = "isee", "Attestazione ISEE"
    CONSENSO = "consenso", "Consenso / informativa privacy"
    PROGETTO = "progetto", "Progetto firmato"
    CORRISPONDENZA = "corrispondenza", "Corrispondenza"
    ALTRO = "altro", "Altro"


class Documento(RecordCartella):
    """An uploaded file, stored outside the web root; every download is logged."""

    caso = models.ForeignKey(Caso, on_delete=models.PROTECT, related_name="documenti")
    tipo = models.CharField("tipo", max_length=20, choices=TipoDocumento.choices)
    titolo = models.CharField("titolo", max_length=200)
    file = models.FileField("file", upload_to="cartella/%Y/%m/")
    nome_originale = models.CharField("nome del file", max_length=255)
    dimensione = models.PositiveIntegerField("dimensione (byte)")
    tipo_mime = models.CharField("tipo MIME", max_length=100)
    sha256 = models.CharField("impronta SHA-256", max_length=64)
    riservatezza = models.CharField(
        "riservatezza", max_length=20, choices=Riservatezza.choices, default=Riservatezza.ORDINARIA
    )

    class Meta:
        verbose_name = "documento"
        verbose_name_plural = "documenti"
        ordering = ["caso", "-creato_il"]


class AutoritaGiudiziaria(models.TextChoices):
    TRIBUNALE_MINORENNI = "tm", "Tribunale per i Minorenni"
    GIUDICE_TUTELARE = "gt", "Giudice Tutelare"
    TRIBUNALE_ORDINARIO = "to", "Tribunale Ordinario"
    PROCURA_MINORI = "procura", "Procura presso il Tribunale per i Minorenni"


class MandatoGiudiziario(RecordCartella):
    """A court order on the case, with the deadline of the report the service owes."""

    caso = models.ForeignKey(Caso, on_delete=models.PROTECT, related_name="mandati")
    autorita = models.CharField("autorità", max_length=20, choices=AutoritaGiudiziaria.choices)
    numero_procedimento = models.CharField("numero del procedimento", max_length=60)
    data_provvedimento = models.DateField("data del provvedimento")
    oggetto = models.TextField("oggetto del mandato")
    scadenza = models.DateField("scadenza (relazione o adempimento)", null=True, blank=True)
    adempiuto_il = models.DateField("adempiuto il", null=True, blank=True)

    class Meta:
        verbose_name = "mandato dell'autorità giudiziaria"
        verbose_name_plural = "mandati dell'autorità giudiziaria"
        ordering = ["caso", "scadenza"]


class TipoTutela(models.TextChoices):
    TUTELA = "tutela", "Tutela"
    CURATELA = "curatela", "Curatela"
    AMMINISTRAZIONE_SOSTEGNO = "ads", "Amministrazione di sostegno"


class Tutela(RecordCartella):
    """A guardianship file: who is appointed, and the annual account due to the Giudice Tutelare."""

    caso = models.ForeignKey(Caso, on_delete=models.PROTECT, related_name="tutele")
    tipo = models.CharField("tipo", max_length=20, choices=TipoTutela.choices)
    decreto_del = models.DateField("decreto di nomina del")
    tutore = models.CharField("tutore / amministratore nominato", max_length=200)
    operatore = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="operatore che segue la pratica",
    )
    rendiconto_entro = models.DateField("prossimo rendiconto annuale entro")
    ultimo_rendiconto_il = models.DateField("ultimo rendiconto depositato il", null=True, blank=True)
    chiusa_il = models.DateField("chiusa il", null=True, blank=True)

    class Meta:
        verbose_name = "tutela / amministrazione di sostegno"
        verbose_name_plural = "tutele e amministrazioni di sostegno"
        ordering = ["caso", "rendiconto_entro"]
