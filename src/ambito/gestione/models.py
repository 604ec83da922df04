"""Financial years, budget versions and the riparto stored for a version.

A version's riparto is stored as the uploaded workbook (bytes, sha256) with its parsed input
(JSON), one `VoceRiparto` per service (the row of the service × funding-source table) and one
`QuotaRiparto` per (Comune, service) with its explanation. Once a version is approved it is
frozen: the services refuse any change.
"""

from django.conf import settings
from django.db import models

from ambito.core.models import TenantModel


class Esercizio(TenantModel):
    anno = models.PositiveSmallIntegerField("anno")

    class Meta:
        verbose_name = "esercizio"
        verbose_name_plural = "esercizi"
        ordering = ["-anno"]
        constraints = [models.UniqueConstraint(fields=["ambito", "anno"], name="gestione_esercizio_unico")]

    def __str__(self) -> str:
        return str(self.anno)


class TipoVersione(models.TextChoices):
    PREVENTIVO = "preventivo", "Preventivo"
    ASSESTAMENTO = "assestamento", "Assestamento al 30/06"
    PRECONSUNTIVO = "preconsuntivo", "Preconsuntivo al 30/09"
    CONSUNTIVO = "consuntivo", "Consuntivo"


class StatoVersione(models.TextChoices):
    BOZZA = "bozza", "Bozza"
    APPROVATA = "approvata", "Approvata"


class VersioneBilancio(TenantModel):
    esercizio = models.ForeignKey(
        Esercizio, on_delete=models.PROTECT, related_name="versioni", verbose_name="esercizio"
    )
    tipo = models.CharField("tipo", max_length=20, choices=TipoVersione.choices)
    nome = models.CharField("nome", max_length=120)
    stato = models.CharField(
        "stato", max_length=20, choices=StatoVersione.choices, default=StatoVersione.BOZZA
    )
    approvata_da = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="approvata da",
    )
    approvata_il = models.DateTimeField("approvata il", null=True, blank=True)
    creata_il = models.DateTimeField("creata il", auto_now_add=True)

    class Meta:
        verbose_name = "versione di bilancio"
        verbose_name_plural = "versioni di bilancio"
        ordering = ["-esercizio__anno", "creata_il", "id"]
        constraints = [
            models.UniqueConstraint(fields=["esercizio", "nome"], name="gestione_versione_nome_unico")
        ]

    def __str__(self) -> str:
        return f"{self.esercizio.anno} – {self.nome}"

    @property
    def approvata(self) -> bool:
        return self.stato == StatoVersione.APPROVATA


class CartellaRiparto(TenantModel):
    """The workbook a version's riparto was computed from, as uploaded, and its parsed input."""

    versione = models.OneToOneField(
        VersioneBilancio, on_delete=models.CASCADE, related_name="cartella", verbose_name="versione"
    )
    nome_file = models.CharField("nome del file", max_length=255)
    contenuto = models.BinaryField("contenuto (.xlsx)")
    sha256 = models.CharField("SHA-256", max_length=64)
    dati = models.JSONField("input letto dalla cartella")
    parametri = models.JSONField("parametri", default=dict)
    caricata_da = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="caricata da",
    )
    caricata_il = models.DateTimeField("caricata il", auto_now_add=True)

    class Meta:
        verbose_name = "cartella del riparto"
        verbose_name_plural = "cartelle del riparto"

    def __str__(self) -> str:
        return f"{self.nome_file} ({self.sha256[:12]})"


class VoceRiparto(TenantModel):
    """One service of a version's riparto: its row of the service × funding-source table."""

    versione = models.ForeignKey(
        VersioneBilancio, on_delete=models.CASCADE, related_name="voci", verbose_name="versione"
    )
    ordine = models.PositiveIntegerField("ordine")
    codice = models.CharField("codice del servizio", max_length=30)
    nome = models.CharField("denominazione", max_length=200)
    servizio = models.ForeignKey(
        "catalogo.Servizio",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="servizio del catalogo",
    )
    metodo = models.CharField("metodo di riparto", max_length=40)
    costi_diretti = models.DecimalField("costi diretti", max_digits=16, decimal_places=2)
    costi_indiretti = models.DecimalField("costi indiretti", max_digits=22, decimal_places=8)
    costo_totale = models.DecimalField("costo totale", max_digits=22, decimal_places=8)
    fondi = models.JSONField("fondi", default=list)  # [[codice, "importo"], ...]
    comuni = models.DecimalField("a carico dei Comuni (non arrotondato)", max_digits=22, decimal_places=8)
    comuni_arrotondato = models.DecimalField(
        "a carico dei Comuni (arrotondato)", max_digits=16, decimal_places=2
    )

    class Meta:
        verbose_name = "servizio del riparto"
        verbose_name_plural = "servizi del riparto"
        ordering = ["versione", "ordine"]
        constraints = [models.UniqueConstraint(fields=["versione", "codice"], name="gestione_voce_unica")]

    def __str__(self) -> str:
        return f"{self.codice} – {self.nome}"


class QuotaRiparto(TenantModel):
    """What one Comune pays for one service in a version, with its explanation."""

    versione = models.ForeignKey(
        VersioneBilancio, on_delete=models.CASCADE, related_name="quote", verbose_name="versione"
    )
    voce = models.ForeignKey(
        VoceRiparto, on_delete=models.CASCADE, related_name="quote", verbose_name="servizio"
    )
    comune = models.ForeignKey(
        "territorio.Ente", on_delete=models.PROTECT, related_name="+", verbose_name="Comune"
    )
    importo = models.DecimalField("importo", max_digits=16, decimal_places=2)
    non_arrotondato = models.DecimalField("importo non arrotondato", max_digits=22, decimal_places=8)
    spiegazione = models.JSONField("spiegazione")

    class Meta:
        verbose_name = "quota di riparto"
        verbose_name_plural = "quote di riparto"
        ordering = ["versione", "comune__nome", "voce__ordine"]
        constraints = [
            models.UniqueConstraint(fields=["versione", "voce", "comune"], name="gestione_quota_unica")
        ]

    def __str__(self) -> str:
        return f"{self.comune_id} {self.voce_id}: {self.importo}"


# --- advances (acconti) and balance (saldo) per Comune ------------------------------------------


class BaseAcconto(models.TextChoices):
    AGGIORNATO = "aggiornato", "Preventivo approvato (o l'assestamento approvato, se presente)"
    PREVENTIVO = "preventivo", "Preventivo approvato"
    ASSESTAMENTO = "assestamento", "Assestamento approvato"
    PRECONSUNTIVO = "preconsuntivo", "Preconsuntivo approvato"


class PianoAcconti(TenantModel):
    """One tranche of an esercizio's plan of advances: name, due date, % of which budget version.

    Editable while no advance of the esercizio was issued; the percentages add up to at most 100.
    """

    esercizio = models.ForeignKey(
        Esercizio, on_delete=models.PROTECT, related_name="rate_acconto", verbose_name="esercizio"
    )
    numero = models.PositiveSmallIntegerField("numero")
    nome = models.CharField("nome", max_length=60)
    scadenza = models.DateField("scadenza")
    percentuale = models.DecimalField("percentuale", max_digits=5, decimal_places=2)
    base = models.CharField(
        "calcolata su", max_length=20, choices=BaseAcconto.choices, default=BaseAcconto.AGGIORNATO
    )

    class Meta:
        verbose_name = "rata del piano degli acconti"
        verbose_name_plural = "piano degli acconti"
        ordering = ["esercizio", "numero"]
        constraints = [
            models.UniqueConstraint(fields=["esercizio", "numero"], name="gestione_rata_unica"),
            models.UniqueConstraint(fields=["esercizio", "nome"], name="gestione_rata_nome_unico"),
        ]

    def __str__(self) -> str:
        return f"{self.esercizio.anno} – {self.nome} {self.percentuale}%"


class TipoAddebito(models.TextChoices):
    ACCONTO = "acconto", "Acconto"
    SALDO = "saldo", "Saldo"
    NOTA_CREDITO = "nota_credito", "Nota di credito"


class Addebito(TenantModel):
    """A document charged to a Comune: an advance, the balance, or a credit note cancelling one.

    Never deleted nor changed: a wrong document is cancelled by a credit note (`storna` points to
    it; its amount is the opposite). The balance is positive (to pay) or negative (to refund).
    """

    esercizio = models.ForeignKey(
        Esercizio, on_delete=models.PROTECT, related_name="addebiti", verbose_name="esercizio"
    )
    numero = models.PositiveIntegerField("numero")
    data = models.DateField("data")
    comune = models.ForeignKey(
        "territorio.Ente", on_delete=models.PROTECT, related_name="+", verbose_name="Comune"
    )
    tipo = models.CharField("tipo", max_length=20, choices=TipoAddebito.choices)
    rata = models.ForeignKey(
        PianoAcconti,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="addebiti",
        verbose_name="rata",
    )
    importo = models.DecimalField("importo", max_digits=16, decimal_places=2)
    base = models.DecimalField("totale del Comune nella versione", max_digits=16, decimal_places=2)
    esatto = models.DecimalField("importo non arrotondato", max_digits=22, decimal_places=8)
    versione = models.ForeignKey(
        VersioneBilancio,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="addebiti",
        verbose_name="calcolato sulla versione",
    )
    storna = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="annullato_da",
        verbose_name="storna il documento",
    )
    motivo = models.CharField("motivo", max_length=300, blank=True)
    emesso_da = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="emesso da",
    )
    emesso_il = models.DateTimeField("emesso il", auto_now_add=True)

    class Meta:
        verbose_name = "addebito al Comune"
        verbose_name_plural = "addebiti ai Comuni"
        ordering = ["esercizio", "numero"]
        constraints = [
            models.UniqueConstraint(fields=["esercizio", "numero"], name="gestione_addebito_numero_unico")
        ]

    def __str__(self) -> str:
        return f"{self.get_tipo_display()} {self.documento}"

    @property
    def documento(self) -> str:
        return f"{self.esercizio.anno}/{self.numero:04d}"

    @property
    def arrotondamento(self):
        return self.importo - self.esatto

    @property
    def fatturato_prima(self):
        """For a balance: what the Comune had been invoiced before it (consuntivo − balance)."""
        return self.base - self.importo
