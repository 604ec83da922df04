"""Access (segretariato sociale / PUA), the case (presa in carico) with its team, and its events."""

from django.conf import settings
from django.db import models

from .base import RecordCartella
from .persone import Persona


class CanaleAccesso(models.TextChoices):
    SPONTANEO = "spontaneo", "Accesso spontaneo"
    INVIO_SERVIZI = "invio_servizi", "Invio da altri servizi"
    MEDICO = "medico", "Medico di base / pediatra"
    OSPEDALE = "ospedale", "Dimissione ospedaliera"
    SCUOLA = "scuola", "Scuola"
    TRIBUNALE = "tribunale", "Mandato dell'autorità giudiziaria"
    FORZE_ORDINE = "forze_ordine", "Forze dell'ordine"
    TERZO_SETTORE = "terzo_settore", "Terzo settore / volontariato"
    FAMILIARE = "familiare", "Familiare o conoscente"
    ALTRO = "altro", "Altro"


class EsitoTriage(models.TextChoices):
    INFORMAZIONE = "informazione", "Informazione e orientamento"
    SOCIALE = "sociale", "Bisogno sociale"
    SANITARIO = "sanitario", "Bisogno sanitario (invio)"
    COMPLESSO = "complesso", "Bisogno complesso (UVM)"


class Accesso(RecordCartella):
    """A contact with the segretariato sociale or the PUA: request, triage, routing."""

    persona = models.ForeignKey(Persona, on_delete=models.PROTECT, related_name="accessi")
    data = models.DateField("data")
    canale = models.CharField("canale", max_length=20, choices=CanaleAccesso.choices)
    comune = models.ForeignKey(
        "territorio.Ente",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="Comune / sportello",
    )
    richiesta = models.TextField("richiesta")
    esito_triage = models.CharField("esito del triage", max_length=20, choices=EsitoTriage.choices)
    servizio_destinazione = models.ForeignKey(
        "catalogo.Servizio",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="servizio a cui è inviato",
    )
    comune_destinazione = models.ForeignKey(
        "territorio.Ente",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Comune a cui è inviato",
    )
    operatore = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="operatore"
    )
    caso = models.ForeignKey(
        "cartella.Caso",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accessi",
        verbose_name="presa in carico che ne è seguita",
    )

    class Meta:
        verbose_name = "accesso"
        verbose_name_plural = "accessi"
        ordering = ["-data", "-id"]
        indexes = [models.Index(fields=["ambito", "data"])]


class Caso(RecordCartella):
    """A presa in carico: one person, one service, the Comune that is responsible and pays."""

    persona = models.ForeignKey(Persona, on_delete=models.PROTECT, related_name="casi")
    servizio = models.ForeignKey("catalogo.Servizio", on_delete=models.PROTECT, related_name="+")
    comune_responsabile = models.ForeignKey(
        "territorio.Ente",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="Comune responsabile",
    )
    team = models.ForeignKey(
        "utenti.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="casi",
        verbose_name="équipe",
    )
    data_apertura = models.DateField("data di apertura")
    # Denormalised from the last EventoCaso, to filter open cases cheaply.
    chiuso_il = models.DateField("chiuso il", null=True, blank=True)
    minori = models.BooleanField(
        "caso dell'area minori",
        default=False,
        help_text="Le annotazioni giudiziarie sono visibili solo all'équipe minori.",
    )
    motivo_apertura = models.TextField("motivo della presa in carico", blank=True)
    revisione = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = "presa in carico"
        verbose_name_plural = "prese in carico"
        ordering = ["-data_apertura", "-id"]
        indexes = [
            models.Index(fields=["ambito", "servizio"]),
            models.Index(fields=["ambito", "comune_responsabile"]),
            # "open cases of this person": the search annotates it on every result row.
            models.Index(fields=["persona", "chiuso_il"]),
        ]

    def __str__(self) -> str:
        return f"Caso {self.pk} · {self.persona}"


class RuoloOperatore(models.TextChoices):
    ASSISTENTE_SOCIALE = "assistente_sociale", "Assistente sociale"
    PSICOLOGO = "psicologo", "Psicologo"
    EDUCATORE = "educatore", "Educatore"
    EDUCATORE_ESTERNO = "educatore_esterno", "Educatore esterno"
    COORDINATORE = "coordinatore", "Coordinatore"


class OperatoreCaso(RecordCartella):
    caso = models.ForeignKey(Caso, on_delete=models.PROTECT, related_name="operatori")
    utente = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="casi_seguiti"
    )
    ruolo = models.CharField("ruolo", max_length=30, choices=RuoloOperatore.choices)
    referente = models.BooleanField("operatore referente (case manager)", default=False)
    dal = models.DateField("dal")
    al = models.DateField("al", null=True, blank=True)

    class Meta:
        verbose_name = "operatore del caso"
        verbose_name_plural = "operatori del caso"
        ordering = ["caso", "dal"]


class TipoEventoCaso(models.TextChoices):
    APERTURA = "apertura", "Apertura"
    CHIUSURA = "chiusura", "Chiusura"
    RIAPERTURA = "riapertura", "Riapertura"


class EsitoChiusura(models.TextChoices):
    OBIETTIVI_RAGGIUNTI = "obiettivi_raggiunti", "Obiettivi raggiunti"
    PARZIALMENTE = "parzialmente", "Obiettivi parzialmente raggiunti"
    NON_RAGGIUNTI = "non_raggiunti", "Obiettivi non raggiunti"
    NON_VALUTABILE = "non_valutabile", "Non valutabile"


class MotivoChiusura(models.TextChoices):
    CONCLUSO = "concluso", "Progetto concluso"
    TRASFERIMENTO = "trasferimento", "Trasferimento di residenza"
    INVIO_ALTRO_SERVIZIO = "invio", "Invio ad altro servizio"
    RINUNCIA = "rinuncia", "Rinuncia della persona"
    DECESSO = "decesso", "Decesso"
    MAGGIORE_ETA = "maggiore_eta", "Raggiunta maggiore età"
    ALTRO = "altro", "Altro"


class EventoCaso(RecordCartella):
    """Opening, closure and reopening of a case: the case's state is derived from these."""

    caso = models.ForeignKey(Caso, on_delete=models.PROTECT, related_name="eventi")
    tipo = models.CharField("evento", max_length=20, choices=TipoEventoCaso.choices)
    data = models.DateField("data")
    motivo = models.CharField("motivo", max_length=20, choices=MotivoChiusura.choices, blank=True)
    esito = models.CharField("esito", max_length=30, choices=EsitoChiusura.choices, blank=True)
    note = models.TextField("note", blank=True)

    class Meta:
        verbose_name = "evento del caso"
        verbose_name_plural = "eventi del caso"
        ordering = ["caso", "data", "id"]


class AccessoStraordinario(RecordCartella):
    """'Break the glass': a user opened a case outside their scope, with a written reason.
    The coordinators of the case's service see it until they mark it as seen."""

    caso = models.ForeignKey(Caso, on_delete=models.PROTECT, related_name="accessi_straordinari")
    utente = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    motivo = models.TextField("motivo")
    valido_fino = models.DateTimeField("accesso valido fino a")
    visto_da = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    visto_il = models.DateTimeField("visto dal coordinatore il", null=True, blank=True)

    class Meta:
        verbose_name = "accesso straordinario"
        verbose_name_plural = "accessi straordinari"
        ordering = ["-creato_il"]
