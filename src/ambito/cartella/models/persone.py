"""The person, their residence history, household and ISEE certificates."""

from django.db import models

from .base import RecordCartella


class Sesso(models.TextChoices):
    MASCHIO = "M", "Maschio"
    FEMMINA = "F", "Femmina"


class Persona(RecordCartella):
    """Anyone the social service deals with. The codice fiscale is validated and cross-checked;
    a person without one gets a temporary code (`cf_temporaneo`) to be replaced later."""

    codice_fiscale = models.CharField("codice fiscale", max_length=16)
    cf_temporaneo = models.BooleanField("codice temporaneo (senza codice fiscale)", default=False)
    cognome = models.CharField("cognome", max_length=100)
    nome = models.CharField("nome", max_length=100)
    sesso = models.CharField("sesso", max_length=1, choices=Sesso.choices)
    data_nascita = models.DateField("data di nascita")
    codice_belfiore_nascita = models.CharField(
        "codice catastale del luogo di nascita",
        max_length=4,
        blank=True,
        help_text="Comune italiano (es. F205) o Stato estero (Z...).",
    )
    luogo_nascita = models.CharField("luogo di nascita", max_length=120, blank=True)
    nato_estero = models.BooleanField("nato all'estero", default=False)
    cittadinanza = models.CharField(
        "cittadinanza (codice ISTAT)", max_length=3, blank=True, help_text="Es. 100 = Italia."
    )
    seconda_cittadinanza = models.CharField("seconda cittadinanza (codice ISTAT)", max_length=3, blank=True)
    telefono = models.CharField("telefono", max_length=40, blank=True)
    email = models.EmailField("email", blank=True)
    note = models.TextField("note anagrafiche", blank=True)
    deceduto_il = models.DateField("data di decesso", null=True, blank=True)
    # Accent- and case-free "cognome nome" for tolerant search.
    chiave_ricerca = models.CharField(max_length=210, db_index=True, editable=False)
    unita_in = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="unite",
        verbose_name="unita nella persona",
        help_text="Quando due schede sono la stessa persona: questa resta, leggibile, e rimanda all'altra.",
    )

    class Meta:
        verbose_name = "persona"
        verbose_name_plural = "persone"
        ordering = ["cognome", "nome"]
        constraints = [
            models.UniqueConstraint(fields=["ambito", "codice_fiscale"], name="persona_cf_unico_per_ambito"),
        ]
        indexes = [
            models.Index(fields=["ambito", "data_nascita"]),
            # Name search: prefix ranges on the key within one Ambito.
            models.Index(fields=["ambito", "chiave_ricerca"]),
        ]

    def __str__(self) -> str:
        return f"{self.cognome} {self.nome}"


class Residenza(RecordCartella):
    """Where a person lives from/to: it decides the Comune responsible for a case and paying for it."""

    persona = models.ForeignKey(Persona, on_delete=models.PROTECT, related_name="residenze")
    comune = models.ForeignKey(
        "territorio.Ente",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Comune dell'Ambito",
    )
    codice_istat_comune = models.CharField("codice ISTAT del Comune", max_length=6)
    indirizzo = models.CharField("indirizzo", max_length=200, blank=True)
    dal = models.DateField("dal")
    al = models.DateField("al", null=True, blank=True)
    domicilio = models.BooleanField(
        "domicilio (non residenza anagrafica)",
        default=False,
        help_text="Dimora di fatto, ammessa da alcune misure (es. B2).",
    )

    class Meta:
        verbose_name = "residenza"
        verbose_name_plural = "residenze"
        ordering = ["persona", "-dal"]


class Nucleo(RecordCartella):
    denominazione = models.CharField("denominazione", max_length=200)
    note = models.TextField("note", blank=True)

    class Meta:
        verbose_name = "nucleo familiare"
        verbose_name_plural = "nuclei familiari"

    def __str__(self) -> str:
        return self.denominazione


class RuoloNucleo(models.TextChoices):
    INTESTATARIO = "intestatario", "Intestatario"
    CONIUGE = "coniuge", "Coniuge / convivente"
    FIGLIO = "figlio", "Figlio/a"
    GENITORE = "genitore", "Genitore"
    FRATELLO = "fratello", "Fratello / sorella"
    NONNO = "nonno", "Nonno/a"
    ALTRO_PARENTE = "altro_parente", "Altro parente"
    ALTRO = "altro", "Altro convivente"


class MembroNucleo(RecordCartella):
    nucleo = models.ForeignKey(Nucleo, on_delete=models.PROTECT, related_name="membri")
    persona = models.ForeignKey(Persona, on_delete=models.PROTECT, related_name="appartenenze")
    ruolo = models.CharField("ruolo", max_length=20, choices=RuoloNucleo.choices)
    dal = models.DateField("dal")
    al = models.DateField("al", null=True, blank=True)

    class Meta:
        verbose_name = "componente del nucleo"
        verbose_name_plural = "componenti del nucleo"
        ordering = ["nucleo", "dal"]


class TipoIsee(models.TextChoices):
    ORDINARIO = "ordinario", "Ordinario"
    MINORENNI = "minorenni", "Minorenni"
    SOCIOSANITARIO = "sociosanitario", "Socio-sanitario"
    SOCIOSANITARIO_RES = "sociosanitario_residenziale", "Socio-sanitario residenziale"
    UNIVERSITARIO = "universitario", "Universitario"
    CORRENTE = "corrente", "Corrente"


class Isee(RecordCartella):
    """An ISEE certificate (attestazione) and the DSU it comes from."""

    persona = models.ForeignKey(Persona, on_delete=models.PROTECT, related_name="isee")
    nucleo = models.ForeignKey(Nucleo, on_delete=models.PROTECT, null=True, blank=True, related_name="isee")
    tipo = models.CharField("tipo", max_length=30, choices=TipoIsee.choices, default=TipoIsee.ORDINARIO)
    valore = models.DecimalField("valore ISEE (€)", max_digits=12, decimal_places=2)
    protocollo_dsu = models.CharField("protocollo DSU", max_length=40)
    data_dsu = models.DateField("data di presentazione della DSU")
    data_attestazione = models.DateField("data dell'attestazione", null=True, blank=True)
    scadenza = models.DateField("valida fino al")
    componenti_nucleo = models.PositiveSmallIntegerField("componenti del nucleo ISEE", null=True, blank=True)

    class Meta:
        verbose_name = "attestazione ISEE"
        verbose_name_plural = "attestazioni ISEE"
        ordering = ["persona", "-data_dsu"]
