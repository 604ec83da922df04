"""Assessments (UVM with the SINA fields, minors with the SINBA fields, professional) and the
individual plan with its versions, goals, planned interventions and signatures."""

from django.conf import settings
from django.db import models

from .base import RecordCartella
from .casi import Caso


class TipoValutazione(models.TextChoices):
    UVM = "uvm", "Valutazione multidimensionale (UVM, SINA)"
    MINORI = "minori", "Valutazione del minore e della famiglia (SINBA)"
    PROFESSIONALE = "professionale", "Valutazione professionale"


class StatoApprovazione(models.TextChoices):
    BOZZA = "bozza", "Bozza"
    DA_APPROVARE = "da_approvare", "Da approvare"
    APPROVATA = "approvata", "Approvata"
    SUPERATA = "superata", "Superata da una versione successiva"


class Valutazione(RecordCartella):
    caso = models.ForeignKey(Caso, on_delete=models.PROTECT, related_name="valutazioni")
    tipo = models.CharField("tipo", max_length=20, choices=TipoValutazione.choices)
    data = models.DateField("data della valutazione")
    testo = models.TextField("valutazione professionale", blank=True)
    stato = models.CharField(
        "stato", max_length=20, choices=StatoApprovazione.choices, default=StatoApprovazione.BOZZA
    )
    approvata_da = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approvata_il = models.DateTimeField("approvata il", null=True, blank=True)
    # SINA (PS_PSA_SINA201812.xsd): codes as the XSD defines them.
    mobilita = models.CharField("mobilità", max_length=1, blank=True)
    attivita_vita_quotidiana = models.CharField("attività della vita quotidiana", max_length=1, blank=True)
    disturbi_area_cognitiva = models.CharField("disturbi dell'area cognitiva", max_length=1, blank=True)
    disturbi_comportamentali = models.CharField("disturbi comportamentali", max_length=1, blank=True)
    necessita_cure_sanitarie = models.CharField("necessità di cure sanitarie", max_length=1, blank=True)
    area_reddituale = models.CharField("area reddituale", max_length=1, blank=True)
    area_supporto = models.CharField("area del supporto", max_length=1, blank=True)
    fonte_derivazione_valutazione = models.CharField("fonte della valutazione", max_length=1, blank=True)
    strumento_valutazione = models.CharField("strumento di valutazione", max_length=1, blank=True)
    invalidita_civile = models.JSONField("invalidità civile (codici)", default=list, blank=True)
    fonte_derivazione_invalidita = models.CharField("fonte dell'invalidità", max_length=1, blank=True)
    necessita_interventi = models.JSONField(
        "interventi sociali necessari (codici prestazione)", default=list, blank=True
    )
    # SINBA (SINBA.xsd): attribute name -> code, validated against the XSD's code lists.
    dati_sinba = models.JSONField("dati SINBA", default=dict, blank=True)

    class Meta:
        verbose_name = "valutazione"
        verbose_name_plural = "valutazioni"
        ordering = ["caso", "-data"]


class TipoProgetto(models.TextChoices):
    INDIVIDUALIZZATO = "individualizzato", "Progetto individualizzato"
    PAI = "pai", "Piano assistenziale individualizzato (PAI)"
    QUADRO = "quadro", "Progetto quadro (minori)"
    INCLUSIONE = "inclusione", "Patto per l'inclusione"


class Progetto(RecordCartella):
    """The individual plan of a case. Its content lives in versions: after approval every change
    is a new version and the old ones stay readable. `revisione` guards concurrent edits."""

    caso = models.ForeignKey(Caso, on_delete=models.PROTECT, related_name="progetti")
    tipo = models.CharField("tipo", max_length=20, choices=TipoProgetto.choices)
    revisione = models.PositiveIntegerField("revisione", default=0)

    class Meta:
        verbose_name = "progetto individualizzato"
        verbose_name_plural = "progetti individualizzati"
        ordering = ["caso", "-id"]


class VersioneProgetto(RecordCartella):
    progetto = models.ForeignKey(Progetto, on_delete=models.PROTECT, related_name="versioni")
    numero = models.PositiveIntegerField("versione")
    sintesi = models.TextField("sintesi del bisogno e del progetto")
    data_inizio = models.DateField("inizio")
    data_fine = models.DateField("fine", null=True, blank=True)
    revisione_ogni_mesi = models.PositiveSmallIntegerField("verifica ogni (mesi)", default=6)
    prossima_verifica = models.DateField("prossima verifica")
    stato = models.CharField(
        "stato", max_length=20, choices=StatoApprovazione.choices, default=StatoApprovazione.BOZZA
    )
    approvata_da = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approvata_il = models.DateTimeField("approvata il", null=True, blank=True)

    class Meta:
        verbose_name = "versione del progetto"
        verbose_name_plural = "versioni del progetto"
        ordering = ["progetto", "-numero"]
        constraints = [
            models.UniqueConstraint(fields=["progetto", "numero"], name="versione_progetto_unica"),
        ]


class Obiettivo(RecordCartella):
    versione = models.ForeignKey(VersioneProgetto, on_delete=models.PROTECT, related_name="obiettivi")
    descrizione = models.TextField("obiettivo")
    indicatore = models.CharField("indicatore di risultato", max_length=300, blank=True)
    esito = models.CharField("esito alla verifica", max_length=300, blank=True)
    ordine = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "obiettivo"
        verbose_name_plural = "obiettivi"
        ordering = ["versione", "ordine", "id"]


class InterventoPianificato(RecordCartella):
    versione = models.ForeignKey(VersioneProgetto, on_delete=models.PROTECT, related_name="interventi")
    servizio = models.ForeignKey("catalogo.Servizio", on_delete=models.PROTECT, related_name="+")
    erogatore = models.ForeignKey(
        "territorio.Ente", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantita = models.DecimalField("quantità", max_digits=10, decimal_places=2)
    periodicita = models.CharField(
        "periodicità",
        max_length=20,
        default="totale",
        choices=[("settimana", "a settimana"), ("mese", "al mese"), ("totale", "nel periodo")],
    )
    dal = models.DateField("dal")
    al = models.DateField("al", null=True, blank=True)

    class Meta:
        verbose_name = "intervento previsto"
        verbose_name_plural = "interventi previsti"
        ordering = ["versione", "dal"]


class Firma(RecordCartella):
    """The signature of the person or family, recorded as a fact with its date."""

    versione = models.ForeignKey(VersioneProgetto, on_delete=models.PROTECT, related_name="firme")
    firmatario = models.CharField("firmatario", max_length=200)
    qualita = models.CharField(
        "in qualità di",
        max_length=20,
        choices=[
            ("interessato", "Persona interessata"),
            ("genitore", "Genitore / esercente la responsabilità"),
            ("tutore", "Tutore / amministratore di sostegno"),
            ("familiare", "Familiare"),
        ],
    )
    data = models.DateField("data della firma")

    class Meta:
        verbose_name = "firma"
        verbose_name_plural = "firme"
