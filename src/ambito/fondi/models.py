"""Funding sources. The funds issue extends this with assignments, commitments and payments;
the case record already needs to say which fund pays for each delivery."""

from django.db import models

from ambito.core.models import TenantModel


class TipoFondo(models.TextChoices):
    STATALE = "statale", "Statale"
    REGIONALE = "regionale", "Regionale"
    COMUNALE = "comunale", "Bilancio dei Comuni"
    EUROPEO = "europeo", "Europeo / PNRR"
    UTENZA = "utenza", "Compartecipazione dell'utenza"
    ALTRO = "altro", "Altro"


class Fondo(TenantModel):
    codice = models.CharField("codice", max_length=30)
    nome = models.CharField("denominazione", max_length=200)
    tipo = models.CharField("tipo", max_length=20, choices=TipoFondo.choices)
    attivo = models.BooleanField("attivo", default=True)

    class Meta:
        verbose_name = "fondo"
        verbose_name_plural = "fondi"
        ordering = ["codice"]
        constraints = [
            models.UniqueConstraint(fields=["ambito", "codice"], name="fondo_codice_unico_per_ambito")
        ]

    def __str__(self) -> str:
        return f"{self.codice} – {self.nome}"


# ---------------------------------------------------------------------------------------------
# Assignments, year quotas, provisions, destinations and the ledger of commitments and payments.
# Rules live in services.py (the single authority) and the arithmetic in engine.py.

IMPORTO = {"max_digits": 14, "decimal_places": 2}


class TipoAtto(models.TextChoices):
    DGR = "dgr", "DGR (delibera di Giunta regionale)"
    DM = "dm", "Decreto ministeriale"
    DECRETO = "decreto", "Decreto"
    DELIBERA = "delibera", "Delibera"
    DETERMINA = "determina", "Determina"
    ALTRO = "altro", "Altro"


class AttoAssegnazione(TenantModel):
    """An act that assigns an amount of a fund for an annuality (the fund's year, which is not
    necessarily the financial year in which it is spent: see QuotaEsercizio)."""

    fondo = models.ForeignKey(Fondo, on_delete=models.PROTECT, related_name="assegnazioni")
    tipo_atto = models.CharField("tipo di atto", max_length=20, choices=TipoAtto.choices)
    numero = models.CharField("numero dell'atto", max_length=80)
    data = models.DateField("data dell'atto")
    annualita = models.PositiveSmallIntegerField("annualità del fondo")
    importo = models.DecimalField("importo assegnato (€)", **IMPORTO)
    note = models.TextField("note", blank=True)
    creato_il = models.DateTimeField("registrato il", auto_now_add=True)

    class Meta:
        verbose_name = "atto di assegnazione"
        verbose_name_plural = "atti di assegnazione"
        ordering = ["fondo", "-annualita", "data", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(importo__gt=0), name="assegnazione_importo_positivo"),
        ]

    def __str__(self) -> str:
        return f"{self.get_tipo_atto_display()} {self.numero} del {self.data:%d/%m/%Y}"


class QuotaEsercizio(TenantModel):
    """The part of an assignment recognised in one financial year (e.g. FNPS 2021: 202.025,92
    in 2021 and 415.000,00 in 2022). The quotas of an assignment add up to its amount."""

    assegnazione = models.ForeignKey(AttoAssegnazione, on_delete=models.PROTECT, related_name="quote")
    esercizio = models.PositiveSmallIntegerField("esercizio")
    importo = models.DecimalField("importo (€)", **IMPORTO)

    class Meta:
        verbose_name = "quota per esercizio"
        verbose_name_plural = "quote per esercizio"
        ordering = ["assegnazione", "esercizio"]
        constraints = [
            models.UniqueConstraint(fields=["assegnazione", "esercizio"], name="quota_esercizio_unica"),
            models.CheckConstraint(condition=models.Q(importo__gt=0), name="quota_importo_positivo"),
        ]

    def __str__(self) -> str:
        return f"{self.esercizio}: {self.importo}"


class Accantonamento(TenantModel):
    """A provision (fondo oneri futuri): part of a year's available amount set aside for later."""

    fondo = models.ForeignKey(Fondo, on_delete=models.PROTECT, related_name="accantonamenti")
    esercizio = models.PositiveSmallIntegerField("esercizio dell'accantonamento")
    importo = models.DecimalField("importo accantonato (€)", **IMPORTO)
    motivo = models.TextField("motivo / destinazione prevista")
    creato_il = models.DateTimeField("registrato il", auto_now_add=True)

    class Meta:
        verbose_name = "accantonamento (fondo oneri futuri)"
        verbose_name_plural = "accantonamenti (fondo oneri futuri)"
        ordering = ["fondo", "esercizio", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(importo__gt=0), name="accantonamento_importo_positivo"),
        ]

    def __str__(self) -> str:
        return f"Accantonamento {self.esercizio} di {self.importo} €"


class UtilizzoAccantonamento(TenantModel):
    """A use of a provision in a (same or later) financial year: it adds to that year's available."""

    accantonamento = models.ForeignKey(Accantonamento, on_delete=models.PROTECT, related_name="utilizzi")
    esercizio = models.PositiveSmallIntegerField("esercizio dell'utilizzo")
    importo = models.DecimalField("importo utilizzato (€)", **IMPORTO)
    motivo = models.TextField("motivo", blank=True)
    creato_il = models.DateTimeField("registrato il", auto_now_add=True)

    class Meta:
        verbose_name = "utilizzo di accantonamento"
        verbose_name_plural = "utilizzi di accantonamenti"
        ordering = ["accantonamento", "esercizio", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(importo__gt=0), name="utilizzo_importo_positivo"),
        ]

    def __str__(self) -> str:
        return f"Utilizzo {self.esercizio} di {self.importo} €"


class Destinazione(TenantModel):
    """Part of a year's available amount destined to a service; `comuni` empty = all Comuni."""

    fondo = models.ForeignKey(Fondo, on_delete=models.PROTECT, related_name="destinazioni")
    esercizio = models.PositiveSmallIntegerField("esercizio")
    servizio = models.ForeignKey("catalogo.Servizio", on_delete=models.PROTECT, related_name="+")
    importo = models.DecimalField("importo destinato (€)", **IMPORTO)
    comuni = models.ManyToManyField(
        "territorio.Ente",
        blank=True,
        related_name="+",
        verbose_name="Comuni beneficiari",
        help_text="Vuoto = tutti i Comuni.",
    )
    note = models.CharField("note", max_length=300, blank=True)
    creato_il = models.DateTimeField("registrato il", auto_now_add=True)

    class Meta:
        verbose_name = "destinazione a servizio"
        verbose_name_plural = "destinazioni a servizi"
        ordering = ["fondo", "esercizio", "servizio", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(importo__gt=0), name="destinazione_importo_positivo"),
        ]

    def __str__(self) -> str:
        return f"{self.esercizio} → {self.servizio_id}: {self.importo} €"


class TipoMovimento(models.TextChoices):
    IMPEGNO = "impegno", "Impegno"
    DISIMPEGNO = "disimpegno", "Disimpegno"
    PAGAMENTO = "pagamento", "Pagamento"
    STORNO = "storno", "Storno di pagamento"


# The fields that never change once written: a reduction is a new row, a mistake an annulment.
CAMPI_IMMUTABILI = ("ambito_id", "fondo_id", "esercizio", "tipo", "data", "importo", "riferimento", "motivo")


class MovimentoQuerySet(models.QuerySet):
    def per_ambito(self, ambito):
        return self.filter(ambito=ambito)

    def validi(self):
        return self.filter(annullato_il__isnull=True)

    def update(self, **kwargs):
        nomi = set(CAMPI_IMMUTABILI) | {c.removesuffix("_id") for c in CAMPI_IMMUTABILI}
        if set(kwargs) & nomi:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("I movimenti non si modificano: registrare un disimpegno o uno storno.")
        return super().update(**kwargs)

    def delete(self):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("I movimenti non si cancellano: annullare la riga errata indicando il motivo.")


class MovimentoFondo(TenantModel):
    """One row of a fund's ledger: commitment, de-commitment, payment or payment reversal.

    Amounts are always positive; commitments and payments never decrease: a reduction is a new
    `disimpegno` / `storno` row with its reason. A row is never edited or deleted: an erroneous
    row is annulled (`annullato_il` + reason), stays visible in the ledger and no longer counts.
    """

    fondo = models.ForeignKey(Fondo, on_delete=models.PROTECT, related_name="movimenti")
    esercizio = models.PositiveSmallIntegerField("esercizio")
    tipo = models.CharField("tipo", max_length=20, choices=TipoMovimento.choices)
    data = models.DateField("data")
    importo = models.DecimalField("importo (€)", **IMPORTO)
    riferimento = models.CharField("atto / riferimento", max_length=200)
    motivo = models.TextField("motivo / note", blank=True)
    creato_il = models.DateTimeField("registrato il", auto_now_add=True)
    creato_da = models.ForeignKey(
        "core.Utente",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="registrato da",
    )
    annullato_il = models.DateTimeField("annullato il", null=True, blank=True)
    annullato_da = models.ForeignKey(
        "core.Utente",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="annullato da",
    )
    motivo_annullamento = models.TextField("motivo dell'annullamento", blank=True)

    objects = MovimentoQuerySet.as_manager()

    class Meta:
        verbose_name = "movimento del fondo"
        verbose_name_plural = "movimenti dei fondi"
        ordering = ["fondo", "esercizio", "data", "id"]
        indexes = [models.Index(fields=["ambito", "fondo", "esercizio"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(importo__gt=0), name="movimento_importo_positivo"),
        ]

    def __str__(self) -> str:
        return f"{self.get_tipo_display()} {self.importo} € del {self.data:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            from django.core.exceptions import PermissionDenied

            prima = (
                MovimentoFondo.objects.filter(pk=self.pk).values(*CAMPI_IMMUTABILI, "annullato_il").first()
            )
            if prima is not None:
                cambiati = [c for c in CAMPI_IMMUTABILI if prima[c] != getattr(self, c)]
                if cambiati:
                    raise PermissionDenied(
                        "I movimenti non si modificano: registrare un disimpegno o uno storno, "
                        "oppure annullare la riga errata indicando il motivo."
                    )
                if prima["annullato_il"] is not None:
                    raise PermissionDenied("Il movimento è già annullato.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("I movimenti non si cancellano: annullare la riga errata indicando il motivo.")
