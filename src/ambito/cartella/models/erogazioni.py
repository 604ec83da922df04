"""Interventions actually delivered, their deliveries (erogazioni) with amounts, quotas and
funding split, and the activity log of hours and visits."""

from django.conf import settings
from django.db import models

from .base import RecordCartella
from .casi import Caso
from .persone import Isee


class Intervento(RecordCartella):
    """A service delivered to the person of a case by the Azienda or a provider."""

    caso = models.ForeignKey(Caso, on_delete=models.PROTECT, related_name="interventi")
    servizio = models.ForeignKey("catalogo.Servizio", on_delete=models.PROTECT, related_name="+")
    erogatore = models.ForeignKey(
        "territorio.Ente",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interventi_affidati",
        verbose_name="ente erogatore",
    )
    intervento_pianificato = models.ForeignKey(
        "cartella.InterventoPianificato", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dal = models.DateField("dal")
    al = models.DateField("al", null=True, blank=True)
    quantita_prevista = models.DecimalField(
        "quantità prevista", max_digits=10, decimal_places=2, null=True, blank=True
    )
    presenza_prova_mezzi = models.CharField("prova dei mezzi (SIUSS)", max_length=1)
    carattere_prestazione = models.CharField("carattere della prestazione (SIUSS)", max_length=1)
    isee = models.ForeignKey(Isee, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    protocollo_domanda = models.CharField("protocollo della domanda", max_length=32, blank=True)

    class Meta:
        verbose_name = "intervento"
        verbose_name_plural = "interventi"
        ordering = ["caso", "-dal"]
        indexes = [models.Index(fields=["ambito", "erogatore"])]


class Erogazione(RecordCartella):
    """What was delivered in a period: quantity in the service's unit and money. The amount is
    split into quota ente + quota utente + quota SSN, and the quota ente across funds."""

    intervento = models.ForeignKey(Intervento, on_delete=models.PROTECT, related_name="erogazioni")
    dal = models.DateField("periodo dal")
    al = models.DateField("periodo al")
    data_erogazione = models.DateField("data di erogazione")
    quantita = models.DecimalField("quantità erogata", max_digits=10, decimal_places=2)
    importo = models.DecimalField("importo (€)", max_digits=12, decimal_places=2)
    quota_ente = models.DecimalField("quota ente (€)", max_digits=12, decimal_places=2)
    quota_utente = models.DecimalField("quota utente (€)", max_digits=12, decimal_places=2, default=0)
    quota_ssn = models.DecimalField("quota SSN (€)", max_digits=12, decimal_places=2, default=0)
    sostituisce = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sostituita_da",
        help_text="Correzione: la riga annullata che questa sostituisce.",
    )

    class Meta:
        verbose_name = "erogazione"
        verbose_name_plural = "erogazioni"
        ordering = ["intervento", "-dal"]
        indexes = [models.Index(fields=["ambito", "data_erogazione"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    quantita__gte=0, importo__gte=0, quota_ente__gte=0, quota_utente__gte=0, quota_ssn__gte=0
                ),
                name="erogazione_valori_non_negativi",
            ),
            models.CheckConstraint(
                condition=models.Q(al__gte=models.F("dal")), name="erogazione_periodo_ordinato"
            ),
        ]


class FinanziamentoErogazione(models.Model):
    """One fund's share of a delivery's quota ente. Written with the delivery, never alone."""

    erogazione = models.ForeignKey(Erogazione, on_delete=models.PROTECT, related_name="finanziamenti")
    fondo = models.ForeignKey("fondi.Fondo", on_delete=models.PROTECT, related_name="+")
    importo = models.DecimalField("importo (€)", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "quota di finanziamento"
        verbose_name_plural = "quote di finanziamento"
        constraints = [
            models.UniqueConstraint(fields=["erogazione", "fondo"], name="finanziamento_fondo_unico"),
            models.CheckConstraint(condition=models.Q(importo__gt=0), name="finanziamento_positivo"),
        ]

    def __str__(self) -> str:
        return f"{self.fondo_id}: {self.importo}"


class TipoAttivita(models.TextChoices):
    COLLOQUIO = "colloquio", "Colloquio"
    VISITA_DOMICILIARE = "visita_domiciliare", "Visita domiciliare"
    INTERVENTO_EDUCATIVO = "educativo", "Intervento educativo"
    ASSISTENZA = "assistenza", "Assistenza alla persona"
    ACCOMPAGNAMENTO = "accompagnamento", "Accompagnamento"
    EQUIPE = "equipe", "Riunione d'équipe / di rete"
    INCONTRO_PROTETTO = "incontro_protetto", "Incontro protetto"
    ALTRO = "altro", "Altro"


class Attivita(RecordCartella):
    """Hours and visits recorded by an operator or by a provider against an intervention."""

    intervento = models.ForeignKey(Intervento, on_delete=models.PROTECT, related_name="attivita")
    operatore = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    data = models.DateField("data")
    tipo = models.CharField("tipo", max_length=30, choices=TipoAttivita.choices)
    ore = models.DecimalField("ore", max_digits=6, decimal_places=2, default=0)
    accessi = models.PositiveSmallIntegerField("accessi / visite", default=0)
    note = models.TextField("note", blank=True)

    class Meta:
        verbose_name = "attività registrata"
        verbose_name_plural = "attività registrate"
        ordering = ["intervento", "-data"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ore__gte=0, ore__lte=24), name="attivita_ore_in_un_giorno"
            ),
        ]
