"""Bodies (enti), Comuni, membership per year, population and natural movements."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from ambito.core.models import TenantModel, TenantQuerySet

ETA_MASSIMA = 100  # the last age class is "100 and over", as in ISTAT's tables


class TipoEnte(models.TextChoices):
    AZIENDA = "azienda", "Azienda speciale consortile"
    COMUNE = "comune", "Comune"
    UNIONE = "unione", "Unione di Comuni"
    ASST = "asst", "ASST"
    ATS = "ats", "ATS"
    REGIONE = "regione", "Regione"
    TRIBUNALE = "tribunale", "Tribunale / Autorità giudiziaria"
    EROGATORE = "erogatore", "Ente erogatore (cooperativa, ente accreditato)"
    ALTRO = "altro", "Altro ente"


codice_istat_validator = RegexValidator(r"^\d{6}$", "Il codice ISTAT del Comune ha 6 cifre.")
codice_catastale_validator = RegexValidator(
    r"^[A-Z]\d{3}$", "Il codice catastale è una lettera e 3 cifre (es. H930)."
)


class EnteQuerySet(TenantQuerySet):
    def comuni(self):
        return self.filter(tipo=TipoEnte.COMUNE)

    def validi_il(self, data: dt.date):
        """Bodies in force on `data` (open bounds mean "always")."""
        return self.filter(
            models.Q(valido_dal__isnull=True) | models.Q(valido_dal__lte=data),
            models.Q(valido_al__isnull=True) | models.Q(valido_al__gte=data),
        )


class Ente(TenantModel):
    """Any body the Ambito deals with. A Comune carries its ISTAT and cadastral codes.

    Bodies get renamed (ASL -> ATS/ASST): a renamed body is a new row with `predecessore`
    pointing to the old one, and validity dates on both.
    """

    tipo = models.CharField("tipo", max_length=20, choices=TipoEnte.choices)
    nome = models.CharField("denominazione", max_length=200)
    codice_fiscale = models.CharField("codice fiscale / partita IVA", max_length=16, blank=True)
    codice_istat = models.CharField(
        "codice ISTAT", max_length=6, blank=True, validators=[codice_istat_validator]
    )
    codice_catastale = models.CharField(
        "codice catastale (Belfiore)", max_length=4, blank=True, validators=[codice_catastale_validator]
    )
    provincia = models.CharField("provincia (sigla)", max_length=2, blank=True)
    regione = models.CharField("regione", max_length=60, blank=True)
    valido_dal = models.DateField("valido dal", null=True, blank=True)
    valido_al = models.DateField("valido al", null=True, blank=True)
    predecessore = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="successori",
        verbose_name="ente precedente",
    )
    comuni_membri = models.ManyToManyField(
        "self", blank=True, symmetrical=False, related_name="unioni", verbose_name="Comuni dell'Unione"
    )

    objects = EnteQuerySet.as_manager()

    class Meta:
        verbose_name = "ente"
        verbose_name_plural = "enti"
        ordering = ["tipo", "nome"]
        constraints = [
            models.UniqueConstraint(
                fields=["ambito", "codice_istat"],
                condition=~models.Q(codice_istat=""),
                name="ente_codice_istat_unico_per_ambito",
            ),
        ]

    def __str__(self) -> str:
        return self.nome

    @property
    def is_comune(self) -> bool:
        return self.tipo == TipoEnte.COMUNE

    def valido_il(self, data: dt.date) -> bool:
        return (self.valido_dal is None or self.valido_dal <= data) and (
            self.valido_al is None or data <= self.valido_al
        )


class Adesione(TenantModel):
    """How a Comune stands towards the Azienda and the Ambito in one year.

    The four flags are independent: Paullo is a member of the Azienda from another Ambito,
    Carpiano stayed in the Ambito after leaving the Azienda, Mediglia only buys CDD places.
    """

    comune = models.ForeignKey(
        Ente,
        on_delete=models.PROTECT,
        related_name="adesioni",
        verbose_name="Comune",
        limit_choices_to={"tipo": TipoEnte.COMUNE},
    )
    anno = models.PositiveSmallIntegerField(
        "anno", validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    socio_azienda = models.BooleanField("socio dell'Azienda", default=False)
    membro_ambito = models.BooleanField("membro dell'Ambito", default=False)
    ambito_di_appartenenza = models.CharField(
        "Ambito di appartenenza",
        max_length=200,
        blank=True,
        help_text="Solo per i Comuni di un altro Ambito (es. «Ambito Paullese»).",
    )
    solo_cliente = models.BooleanField(
        "solo cliente", default=False, help_text="Comune che acquista soltanto posti (es. CDD)."
    )
    note = models.TextField("note", blank=True)

    class Meta:
        verbose_name = "adesione annuale"
        verbose_name_plural = "adesioni annuali"
        ordering = ["comune__nome", "-anno"]
        constraints = [
            models.UniqueConstraint(fields=["comune", "anno"], name="adesione_comune_anno_unica"),
        ]

    def __str__(self) -> str:
        return f"{self.comune} {self.anno}"

    def clean(self):
        errori = []
        if self.solo_cliente and (self.socio_azienda or self.membro_ambito):
            errori.append("Un Comune solo cliente non è socio dell'Azienda né membro dell'Ambito.")
        if self.ambito_di_appartenenza and self.membro_ambito:
            errori.append(
                "Un Comune che appartiene a un altro Ambito non può essere membro di questo Ambito."
            )
        if self.comune_id and self.ambito_id and self.comune.ambito_id != self.ambito_id:
            errori.append("Il Comune appartiene a un altro Ambito.")
        if self.comune_id and self.comune.tipo != TipoEnte.COMUNE:
            errori.append("L'adesione si registra solo per un Comune.")
        if errori:
            raise ValidationError(errori)


class RilevazionePopolazione(TenantModel):
    """One load of resident population by age and sex at a reference date, with its provenance."""

    data_riferimento = models.DateField("data di riferimento")
    fonte = models.CharField("fonte", max_length=300)
    data_consultazione = models.DateField("data di consultazione", null=True, blank=True)
    provvisoria = models.BooleanField("dati provvisori", default=False)
    caricata_il = models.DateTimeField("caricata il")
    caricata_da = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="caricata da",
    )

    class Meta:
        verbose_name = "rilevazione della popolazione"
        verbose_name_plural = "rilevazioni della popolazione"
        ordering = ["-data_riferimento"]
        constraints = [
            models.UniqueConstraint(
                fields=["ambito", "data_riferimento"], name="rilevazione_data_unica_per_ambito"
            ),
        ]

    def __str__(self) -> str:
        return f"Popolazione al {self.data_riferimento:%d/%m/%Y}"


class PopolazioneEta(TenantModel):
    """Residents of one Comune of one age (100 = 100 and over), by sex."""

    rilevazione = models.ForeignKey(
        RilevazionePopolazione, on_delete=models.CASCADE, related_name="righe", verbose_name="rilevazione"
    )
    comune = models.ForeignKey(Ente, on_delete=models.PROTECT, related_name="+", verbose_name="Comune")
    eta = models.PositiveSmallIntegerField("età")
    maschi = models.PositiveIntegerField("maschi")
    femmine = models.PositiveIntegerField("femmine")

    class Meta:
        verbose_name = "popolazione per età"
        verbose_name_plural = "popolazione per età"
        constraints = [
            models.UniqueConstraint(
                fields=["rilevazione", "comune", "eta"], name="popolazione_rilevazione_comune_eta_unica"
            ),
            models.CheckConstraint(
                condition=models.Q(eta__gte=0, eta__lte=ETA_MASSIMA, maschi__gte=0, femmine__gte=0),
                name="popolazione_eta_e_conteggi_validi",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.comune_id} età {self.eta}: M {self.maschi} F {self.femmine}"


class MovimentoNaturale(TenantModel):
    """Live births and deaths of residents of a Comune in a calendar year."""

    comune = models.ForeignKey(Ente, on_delete=models.PROTECT, related_name="+", verbose_name="Comune")
    anno = models.PositiveSmallIntegerField("anno")
    nati = models.PositiveIntegerField("nati vivi")
    morti = models.PositiveIntegerField("morti")
    fonte = models.CharField("fonte", max_length=300)
    caricato_il = models.DateTimeField("caricato il")

    class Meta:
        verbose_name = "movimento naturale"
        verbose_name_plural = "movimenti naturali"
        ordering = ["comune__nome", "-anno"]
        constraints = [
            models.UniqueConstraint(fields=["comune", "anno"], name="movimento_comune_anno_unico"),
            models.CheckConstraint(
                condition=models.Q(nati__gte=0, morti__gte=0), name="movimento_conteggi_non_negativi"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.comune_id} {self.anno}: nati {self.nati}, morti {self.morti}"
