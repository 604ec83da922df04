"""The service catalogue: areas, sectors, services, national crosswalks, service contracts."""

from django.db import models
from django.db.models import Q

from ambito.core.models import TenantModel


class Area(TenantModel):
    """Top-level grouping of the Azienda's lines (e.g. Area Gestione Servizi)."""

    codice = models.CharField("codice", max_length=30)
    nome = models.CharField("denominazione", max_length=200)
    ordine = models.PositiveSmallIntegerField("ordine", default=0)

    class Meta:
        verbose_name = "area"
        verbose_name_plural = "aree"
        ordering = ["ordine", "codice"]
        constraints = [
            models.UniqueConstraint(fields=["ambito", "codice"], name="area_codice_unico_per_ambito")
        ]

    def __str__(self) -> str:
        return self.nome


class Settore(TenantModel):
    """A sector inside an area (e.g. Settore Minori e Famiglia)."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="settori", verbose_name="area")
    codice = models.CharField("codice", max_length=30)
    nome = models.CharField("denominazione", max_length=200)
    ordine = models.PositiveSmallIntegerField("ordine", default=0)

    class Meta:
        verbose_name = "settore"
        verbose_name_plural = "settori"
        ordering = ["ordine", "codice"]
        constraints = [
            models.UniqueConstraint(fields=["ambito", "codice"], name="settore_codice_unico_per_ambito")
        ]

    def __str__(self) -> str:
        return self.nome


class UnitaMisura(models.TextChoices):
    ORE = "ore", "ore"
    GIORNI = "giorni", "giorni"
    CASI = "casi", "casi / prese in carico"
    POSTI = "posti", "posti"
    ACCESSI = "accessi", "accessi"
    EURO = "euro", "euro"
    MESI = "mesi", "mesi"
    VOUCHER = "voucher", "voucher"


class Target(models.TextChoices):
    MINORI_FAMIGLIA = "minori_famiglia", "Minori e famiglia"
    DISABILI = "disabili", "Disabili"
    ANZIANI = "anziani", "Anziani"
    ADULTI_DIFFICOLTA = "adulti_difficolta", "Adulti in difficoltà"
    IMMIGRATI = "immigrati", "Immigrati"
    DIPENDENZE = "dipendenze", "Dipendenze"
    MULTIUTENZA = "multiutenza", "Multiutenza"


class ModalitaErogazione(models.TextChoices):
    DIRETTA = "diretta", "Gestione diretta"
    APPALTO = "appalto", "Appalto"
    ACCREDITAMENTO = "accreditamento", "Accreditamento"
    COPROGETTAZIONE = "coprogettazione", "Coprogettazione"
    CONCESSIONE = "concessione", "Concessione"


class RegimeCompartecipazione(models.TextChoices):
    GRATUITO = "gratuito", "Gratuito"
    TARIFFA_DISTRETTUALE = "tariffa_distrettuale", "Tariffa distrettuale"
    COMPARTECIPAZIONE_ISEE = "compartecipazione_isee", "Compartecipazione ISEE"


class MetodoRiparto(models.TextChoices):
    """Allocation methods of Art. 13, normalised as in domain note 001 §2.3."""

    CAPITARIA = "capitaria", "Quota capitaria"
    CAPITARIA_E_CONSUMO = "capitaria_e_consumo", "Quota capitaria e consumo"
    CAPITARIA_NETTO_TARIFFE = "capitaria_netto_tariffe", "Quota capitaria al netto delle tariffe"
    CAPITARIA_EELL_PIU_SCUOLE = (
        "capitaria_eell_piu_scuole",
        "Quota capitaria (parte EE.LL.) e programmazione con le scuole",
    )
    CAPITARIA_PIU_INDIRETTA_SU_CONSUMO = (
        "capitaria_piu_indiretta_su_consumo",
        "Quota capitaria e ripartizione indiretta sui costi al consumo",
    )
    CONSUMO = "consumo", "Sul bisogno, al consumo"
    CONSUMO_VALIDATO_UDV = "consumo_validato_udv", "Al consumo validato dall'Unità di Valutazione"
    CONSUMO_FINO_CAPIENZA = "consumo_fino_capienza", "Al consumo sino a capienza"
    CONSUMO_VALIDATO_UDV_FINO_CAPIENZA = (
        "consumo_validato_udv_fino_capienza",
        "Validato dall'Unità di Valutazione, al consumo sino a capienza",
    )
    CENTO_PER_CENTO_COMUNE = "cento_per_cento_comune", "100% a un Comune"
    PACCHETTO_FISSO = "pacchetto_fisso", "Pacchetto fisso"
    TARIFFA_PER_UNITA = "tariffa_per_unita", "Tariffa × unità"
    ATTESE_PROGETTUALI = "attese_progettuali", "Secondo le attese progettuali"
    ATTESE_REGIONALI = "attese_regionali", "Secondo le attese regionali"
    ATTESE_DISTRETTUALI = "attese_distrettuali", "Secondo le attese distrettuali"


class Servizio(TenantModel):
    """A service, intervention or activity the Azienda delivers or manages.

    The riparto reads `metodo_riparto`, `data_riferimento_popolazione` and
    `porta_costi_indiretti` as the service's defaults.
    """

    codice = models.CharField("codice", max_length=30)
    nome = models.CharField("denominazione", max_length=200)
    settore = models.ForeignKey(
        Settore,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="servizi",
        verbose_name="settore",
    )
    descrizione = models.TextField("descrizione", blank=True)
    unita_misura = models.CharField(
        "unità di misura", max_length=20, choices=UnitaMisura.choices, default=UnitaMisura.CASI
    )
    destinatari = models.CharField("destinatari", max_length=300, blank=True)
    target = models.CharField("target", max_length=30, choices=Target.choices, blank=True)
    modalita_erogazione = models.CharField(
        "modalità di erogazione",
        max_length=20,
        choices=ModalitaErogazione.choices,
        default=ModalitaErogazione.DIRETTA,
    )
    regime_compartecipazione = models.CharField(
        "compartecipazione dell'utente",
        max_length=30,
        choices=RegimeCompartecipazione.choices,
        default=RegimeCompartecipazione.GRATUITO,
    )
    metodo_riparto = models.CharField(
        "metodo di riparto", max_length=40, choices=MetodoRiparto.choices, default=MetodoRiparto.CAPITARIA
    )
    data_riferimento_popolazione = models.DateField(
        "data di riferimento della popolazione",
        null=True,
        blank=True,
        help_text="Per i metodi a quota capitaria (es. 01/01/2021).",
    )
    porta_costi_indiretti = models.BooleanField("porta costi indiretti", default=True)
    fonti_finanziamento = models.TextField("fonti di finanziamento", blank=True)
    riga_art13 = models.PositiveSmallIntegerField("riga art. 13", null=True, blank=True)
    attivo = models.BooleanField("attivo", default=True)

    class Meta:
        verbose_name = "servizio"
        verbose_name_plural = "servizi"
        ordering = ["codice"]
        constraints = [
            models.UniqueConstraint(fields=["ambito", "codice"], name="servizio_codice_unico_per_ambito"),
        ]

    def __str__(self) -> str:
        return f"{self.codice} – {self.nome}"


class TabellaCodici(models.Model):
    """A national code table (SIUSS, ISTAT, LEPS). National reference data: no Ambito."""

    codice = models.CharField("codice", max_length=50, unique=True)
    nome = models.CharField("denominazione", max_length=200)
    fonte = models.TextField("fonte", blank=True)

    class Meta:
        verbose_name = "tabella di codici"
        verbose_name_plural = "tabelle di codici"
        ordering = ["codice"]

    def __str__(self) -> str:
        return self.nome


class VoceCodiceQuerySet(models.QuerySet):
    def valide_al(self, data):
        return self.filter(Q(valido_al__isnull=True) | Q(valido_al__gte=data), valido_dal__lte=data)


class VoceCodice(models.Model):
    """One entry of one version of a code table; a version is the set sharing `valido_dal`."""

    tabella = models.ForeignKey(
        TabellaCodici, on_delete=models.PROTECT, related_name="voci", verbose_name="tabella"
    )
    codice = models.CharField("codice", max_length=30)
    denominazione = models.CharField("denominazione", max_length=300)
    valido_dal = models.DateField("valido dal")
    valido_al = models.DateField("valido al", null=True, blank=True)

    objects = VoceCodiceQuerySet.as_manager()

    class Meta:
        verbose_name = "voce di codice"
        verbose_name_plural = "voci di codice"
        ordering = ["tabella__codice", "codice", "valido_dal"]
        constraints = [
            models.UniqueConstraint(
                fields=["tabella", "codice", "valido_dal"], name="voce_codice_unica_per_versione"
            ),
            models.CheckConstraint(
                condition=Q(valido_al__isnull=True) | Q(valido_al__gte=models.F("valido_dal")),
                name="voce_codice_periodo_valido",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.codice} – {self.denominazione}"

    def valida_al(self, data) -> bool:
        return self.valido_dal <= data and (self.valido_al is None or self.valido_al >= data)


class CorrispondenzaQuerySet(models.QuerySet):
    def per_ambito(self, ambito):
        return self.filter(ambito=ambito)

    def valide_al(self, data):
        return self.filter(Q(valido_al__isnull=True) | Q(valido_al__gte=data), valido_dal__lte=data)


class Corrispondenza(TenantModel):
    """Crosswalk: a service maps to a national code entry over a period.

    At most one active entry per (service, table) at any date: checked in services.py.
    """

    servizio = models.ForeignKey(
        Servizio, on_delete=models.PROTECT, related_name="corrispondenze", verbose_name="servizio"
    )
    voce = models.ForeignKey(
        VoceCodice, on_delete=models.PROTECT, related_name="corrispondenze", verbose_name="codice"
    )
    valido_dal = models.DateField("valido dal")
    valido_al = models.DateField("valido al", null=True, blank=True)

    objects = CorrispondenzaQuerySet.as_manager()

    class Meta:
        verbose_name = "corrispondenza"
        verbose_name_plural = "corrispondenze"
        ordering = ["servizio__codice", "voce__tabella__codice", "valido_dal"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valido_al__isnull=True) | Q(valido_al__gte=models.F("valido_dal")),
                name="corrispondenza_periodo_valido",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.servizio.codice} → {self.voce.tabella.codice} {self.voce.codice}"


class ContrattoServizio(TenantModel):
    """The contratto di servizio between the Azienda and one Comune or Unione."""

    comune = models.ForeignKey(
        "territorio.Ente",
        on_delete=models.PROTECT,
        related_name="contratti_servizio",
        limit_choices_to={"tipo__in": ["comune", "unione"]},
        verbose_name="Comune / Unione",
    )
    numero = models.CharField("numero / atto", max_length=200, blank=True)
    data_stipula = models.DateField("data di stipula", null=True, blank=True)
    dal = models.DateField("dal")
    al = models.DateField("al", null=True, blank=True)
    note = models.TextField("note", blank=True)

    class Meta:
        verbose_name = "contratto di servizio"
        verbose_name_plural = "contratti di servizio"
        ordering = ["comune__nome", "dal"]
        constraints = [
            models.CheckConstraint(
                condition=Q(al__isnull=True) | Q(al__gte=models.F("dal")), name="contratto_periodo_valido"
            ),
        ]

    def __str__(self) -> str:
        return f"Contratto {self.comune} dal {self.dal:%d/%m/%Y}"


class ServizioConferito(TenantModel):
    """A service conferred under a contract, for its own period (never deleted: revoked by `al`)."""

    contratto = models.ForeignKey(
        ContrattoServizio, on_delete=models.PROTECT, related_name="conferimenti", verbose_name="contratto"
    )
    servizio = models.ForeignKey(
        Servizio, on_delete=models.PROTECT, related_name="conferimenti", verbose_name="servizio"
    )
    dal = models.DateField("dal")
    al = models.DateField("al", null=True, blank=True)
    quantita_annua = models.DecimalField(
        "livello / quantità annua", max_digits=14, decimal_places=2, null=True, blank=True
    )
    note = models.TextField("note", blank=True)

    class Meta:
        verbose_name = "servizio conferito"
        verbose_name_plural = "servizi conferiti"
        ordering = ["contratto", "servizio__codice", "dal"]
        constraints = [
            models.CheckConstraint(
                condition=Q(al__isnull=True) | Q(al__gte=models.F("dal")), name="conferimento_periodo_valido"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.servizio.codice} conferito da {self.contratto.comune}"
