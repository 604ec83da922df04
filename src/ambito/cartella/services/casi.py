"""Writes of the case record: casi. Keyword-only, one transaction, audited.

Access (segretariato sociale / PUA), opening of a case with its team, operators, closure and
reopening, and the "break the glass" access. Every change of a case increments
`Caso.revisione`; a caller that read revision N passes `revisione_attesa=N` and is refused
if somebody else changed the case in between (optimistic locking).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ambito.catalogo.models import Target
from ambito.core.services import istantanea, registra_accesso, registra_evento
from ambito.territorio.models import TipoEnte
from ambito.utenti import ruoli as R
from ambito.utenti.models import Team

from ..models import (
    Accesso,
    AccessoStraordinario,
    CanaleAccesso,
    Caso,
    EsitoChiusura,
    EsitoTriage,
    EventoCaso,
    MotivoChiusura,
    OperatoreCaso,
    Persona,
    Residenza,
    RuoloOperatore,
    TipoEventoCaso,
)

MODIFICATO_DA_ALTRI = "Il caso è stato modificato da un altro operatore: ricaricare la pagina"
MOTIVO_MINIMO = 20
ORE_STRAORDINARIO_MAX = 24


def _oggi() -> dt.date:
    return timezone.localdate()


def _data(valore, campo: str, etichetta: str, *, futuro_ammesso: bool = False) -> dt.date:
    if not isinstance(valore, dt.date):
        raise ValidationError({campo: f"Indicare {etichetta}."})
    if not futuro_ammesso and valore > _oggi():
        raise ValidationError({campo: f"{etichetta[0].upper()}{etichetta[1:]} non può essere nel futuro."})
    return valore


def _stesso_ambito(oggetto, ambito_id: int, campo: str, messaggio: str) -> None:
    if oggetto is not None and getattr(oggetto, "ambito_id", None) != ambito_id:
        raise ValidationError({campo: messaggio})


def _comune_dell_ambito(ente, ambito_id: int, campo: str) -> None:
    if ente is None:
        return
    if ente.ambito_id != ambito_id or ente.tipo != TipoEnte.COMUNE:
        raise ValidationError({campo: "Indicare un Comune dell'Ambito."})


def _blocca_caso(caso: Caso, revisione_attesa: int | None) -> Caso:
    """Lock the case row, check the revision the caller read, return the fresh row."""
    fresco = Caso.objects.select_for_update().get(pk=caso.pk)
    if fresco.annullato_il is not None:
        raise ValidationError("Il caso è stato annullato: non si può modificare.")
    if revisione_attesa is not None and int(revisione_attesa) != fresco.revisione:
        raise ValidationError(MODIFICATO_DA_ALTRI)
    return fresco


def _salva_caso(caso: Caso, campi: list[str]) -> None:
    caso.revisione += 1
    caso.save(update_fields=[*campi, "revisione", "aggiornato_il"])


# --- access (segretariato sociale / PUA) --------------------------------------------------------


@transaction.atomic
def registra_accesso_pua(
    *,
    ambito,
    persona: Persona,
    data: dt.date,
    canale: str,
    comune,
    richiesta: str,
    esito_triage: str,
    servizio_destinazione=None,
    comune_destinazione=None,
    operatore,
    attore,
) -> Accesso:
    errori: dict[str, str] = {}
    if persona.ambito_id != ambito.pk or persona.annullato_il is not None:
        errori["persona"] = "La persona non appartiene all'Ambito."
    if not isinstance(data, dt.date):
        errori["data"] = "Indicare la data dell'accesso."
    elif data > _oggi():
        errori["data"] = "La data dell'accesso non può essere nel futuro."
    if canale not in CanaleAccesso.values:
        errori["canale"] = "Canale di accesso non valido."
    if esito_triage not in EsitoTriage.values:
        errori["esito_triage"] = "Esito del triage non valido."
    if not (richiesta or "").strip():
        errori["richiesta"] = "Descrivere la richiesta."
    if comune is None or comune.ambito_id != ambito.pk or comune.tipo != TipoEnte.COMUNE:
        errori["comune"] = "Indicare il Comune (sportello) dell'Ambito."
    if comune_destinazione is not None and (
        comune_destinazione.ambito_id != ambito.pk or comune_destinazione.tipo != TipoEnte.COMUNE
    ):
        errori["comune_destinazione"] = "Indicare un Comune dell'Ambito."
    if servizio_destinazione is not None and servizio_destinazione.ambito_id != ambito.pk:
        errori["servizio_destinazione"] = "Indicare un servizio dell'Ambito."
    if operatore is None or operatore.ambito_id != ambito.pk:
        errori["operatore"] = "L'operatore non appartiene all'Ambito."
    if errori:
        raise ValidationError(errori)
    accesso = Accesso.objects.create(
        ambito=ambito,
        persona=persona,
        data=data,
        canale=canale,
        comune=comune,
        richiesta=richiesta.strip(),
        esito_triage=esito_triage,
        servizio_destinazione=servizio_destinazione,
        comune_destinazione=comune_destinazione,
        operatore=operatore,
        creato_da=attore,
    )
    registra_evento(
        attore=attore, azione="cartella.accesso.registrato", oggetto=accesso, dopo=istantanea(accesso)
    )
    return accesso


# --- opening -----------------------------------------------------------------------------------


def comune_di_residenza(persona: Persona, data: dt.date):
    """The Ambito Comune where `persona` is resident on `data` (None if none or outside the Ambito)."""
    residenza = (
        Residenza.objects.filter(
            persona=persona,
            annullato_il__isnull=True,
            dal__lte=data,
            comune__isnull=False,
            comune__ambito_id=persona.ambito_id,
            comune__tipo=TipoEnte.COMUNE,
        )
        .filter(Q(al__isnull=True) | Q(al__gte=data))
        .select_related("comune")
        .order_by("domicilio", "-dal", "-id")
        .first()
    )
    return residenza.comune if residenza else None


def _eta(nascita: dt.date, data: dt.date) -> int:
    return data.year - nascita.year - ((data.month, data.day) < (nascita.month, nascita.day))


def servizio_area_minori(servizio) -> bool:
    return servizio.target == Target.MINORI_FAMIGLIA or servizio.codice.upper().startswith("MINORI")


@transaction.atomic
def apri_caso(
    *,
    persona: Persona,
    servizio,
    data_apertura: dt.date,
    comune_responsabile=None,
    team=None,
    minori: bool | None = None,
    motivo_apertura: str = "",
    operatori=(),
    accesso: Accesso | None = None,
    attore,
) -> Caso:
    """Open a case (presa in carico). `operatori` is a list of (utente, ruolo, referente)."""
    persona = Persona.objects.select_for_update().get(pk=persona.pk)  # serialises double submits
    ambito_id = persona.ambito_id
    if persona.annullato_il is not None:
        raise ValidationError("La scheda della persona è stata annullata.")
    if persona.unita_in_id is not None:
        raise ValidationError("La scheda è stata unita a un'altra persona: aprire il caso su quella.")
    data_apertura = _data(data_apertura, "data_apertura", "la data di apertura")
    if data_apertura < persona.data_nascita:
        raise ValidationError({"data_apertura": "La data di apertura precede la nascita della persona."})
    _stesso_ambito(servizio, ambito_id, "servizio", "Indicare un servizio dell'Ambito.")
    if servizio is None:
        raise ValidationError({"servizio": "Indicare il servizio."})
    _stesso_ambito(team, ambito_id, "team", "Indicare un'équipe dell'Ambito.")
    if team is None:
        # The service's own team, when it has exactly one (the minors' équipe for MINORI).
        squadre = list(Team.objects.filter(ambito_id=ambito_id, servizio=servizio)[:2])
        team = squadre[0] if len(squadre) == 1 else None
    _comune_dell_ambito(comune_responsabile, ambito_id, "comune_responsabile")
    if comune_responsabile is None:
        comune_responsabile = comune_di_residenza(persona, data_apertura)
        if comune_responsabile is None:
            raise ValidationError(
                {
                    "comune_responsabile": (
                        f"{persona} non risulta residente in un Comune dell'Ambito il "
                        f"{data_apertura:%d/%m/%Y}: indicare il Comune responsabile."
                    )
                }
            )
    if Caso.objects.filter(
        persona=persona, servizio=servizio, chiuso_il__isnull=True, annullato_il__isnull=True
    ).exists():
        raise ValidationError(
            {"servizio": f"{persona} ha già una presa in carico aperta per il servizio «{servizio.nome}»."}
        )
    operatori = list(operatori or [])
    for utente, ruolo, _referente in operatori:
        if utente.ambito_id != ambito_id:
            raise ValidationError({"operatori": "Gli operatori devono essere dell'Ambito."})
        if ruolo not in RuoloOperatore.values:
            raise ValidationError({"operatori": "Ruolo dell'operatore non valido."})
    if len({u.pk for u, _r, _x in operatori}) != len(operatori):
        raise ValidationError({"operatori": "Lo stesso operatore è indicato più volte."})
    if sum(1 for _u, _r, ref in operatori if ref) > 1:
        raise ValidationError({"operatori": "Indicare un solo operatore referente."})
    if accesso is not None and (accesso.persona_id != persona.pk or accesso.caso_id is not None):
        raise ValidationError({"accesso": "L'accesso indicato non è di questa persona o ha già un caso."})
    if minori is None:
        minori = _eta(persona.data_nascita, data_apertura) < 18 or servizio_area_minori(servizio)
    caso = Caso.objects.create(
        ambito_id=ambito_id,
        persona=persona,
        servizio=servizio,
        comune_responsabile=comune_responsabile,
        team=team,
        data_apertura=data_apertura,
        minori=bool(minori),
        motivo_apertura=(motivo_apertura or "").strip(),
        creato_da=attore,
    )
    evento = EventoCaso.objects.create(
        ambito_id=ambito_id, caso=caso, tipo=TipoEventoCaso.APERTURA, data=data_apertura, creato_da=attore
    )
    registra_evento(attore=attore, azione="cartella.caso.apertura", oggetto=caso, dopo=istantanea(caso))
    registra_evento(attore=attore, azione="cartella.caso.evento", oggetto=evento, dopo=istantanea(evento))
    for utente, ruolo, referente in operatori:
        oc = OperatoreCaso.objects.create(
            ambito_id=ambito_id,
            caso=caso,
            utente=utente,
            ruolo=ruolo,
            referente=bool(referente),
            dal=data_apertura,
            creato_da=attore,
        )
        registra_evento(attore=attore, azione="cartella.caso.operatore", oggetto=oc, dopo=istantanea(oc))
    if accesso is not None:
        prima = istantanea(accesso)
        accesso.caso = caso
        accesso.save(update_fields=["caso", "aggiornato_il"])
        registra_evento(
            attore=attore,
            azione="cartella.accesso.collegato",
            oggetto=accesso,
            prima=prima,
            dopo=istantanea(accesso),
        )
    return caso


# --- operators ---------------------------------------------------------------------------------


@transaction.atomic
def assegna_operatore(
    *,
    caso: Caso,
    utente,
    ruolo: str,
    referente: bool = False,
    dal: dt.date | None = None,
    revisione_attesa: int | None = None,
    attore,
) -> OperatoreCaso:
    caso = _blocca_caso(caso, revisione_attesa)
    dal = dal or _oggi()
    _data(dal, "dal", "la data di inizio")
    if caso.chiuso_il is not None:
        raise ValidationError("Il caso è chiuso: riaprirlo per assegnare operatori.")
    if utente is None or utente.ambito_id != caso.ambito_id or not utente.is_active:
        raise ValidationError({"utente": "Indicare un operatore attivo dell'Ambito."})
    if ruolo not in RuoloOperatore.values:
        raise ValidationError({"ruolo": "Ruolo dell'operatore non valido."})
    if dal < caso.data_apertura:
        raise ValidationError({"dal": "L'operatore non può essere assegnato prima dell'apertura del caso."})
    # Still in charge after `dal` (one ending on `dal` hands over to one starting on it).
    attivi = OperatoreCaso.objects.filter(caso=caso, annullato_il__isnull=True).filter(
        Q(al__isnull=True) | Q(al__gt=dal)
    )
    if attivi.filter(utente=utente).exists():
        raise ValidationError({"utente": f"{utente.get_full_name() or utente} è già operatore del caso."})
    if referente and attivi.filter(referente=True).exists():
        raise ValidationError(
            {
                "referente": "Il caso ha già un operatore referente: "
                "terminarne l'incarico prima di indicarne un altro."
            }
        )
    oc = OperatoreCaso.objects.create(
        ambito_id=caso.ambito_id,
        caso=caso,
        utente=utente,
        ruolo=ruolo,
        referente=bool(referente),
        dal=dal,
        creato_da=attore,
    )
    _salva_caso(caso, [])
    registra_evento(attore=attore, azione="cartella.caso.operatore", oggetto=oc, dopo=istantanea(oc))
    return oc


@transaction.atomic
def termina_operatore(
    *, operatore_caso: OperatoreCaso, al: dt.date, revisione_attesa: int | None = None, attore
) -> OperatoreCaso:
    caso = _blocca_caso(operatore_caso.caso, revisione_attesa)
    oc = OperatoreCaso.objects.select_for_update().get(pk=operatore_caso.pk)
    al = _data(al, "al", "la data di fine")
    if oc.annullato_il is not None or oc.al is not None:
        raise ValidationError("L'incarico dell'operatore è già terminato.")
    if al < oc.dal:
        raise ValidationError({"al": "La data di fine precede l'inizio dell'incarico."})
    prima = istantanea(oc)
    oc.al = al
    oc.save(update_fields=["al", "aggiornato_il"])
    _salva_caso(caso, [])
    registra_evento(
        attore=attore,
        azione="cartella.caso.operatore_terminato",
        oggetto=oc,
        prima=prima,
        dopo=istantanea(oc),
    )
    return oc


# --- closure and reopening ---------------------------------------------------------------------


@transaction.atomic
def chiudi_caso(
    *,
    caso: Caso,
    data: dt.date,
    motivo: str,
    esito: str,
    note: str = "",
    revisione_attesa: int | None = None,
    attore,
) -> Caso:
    caso = _blocca_caso(caso, revisione_attesa)
    if caso.chiuso_il is not None:
        raise ValidationError(f"Il caso è già chiuso dal {caso.chiuso_il:%d/%m/%Y}.")
    data = _data(data, "data", "la data di chiusura")
    if data < caso.data_apertura:
        raise ValidationError(
            {"data": f"La data di chiusura precede l'apertura del caso ({caso.data_apertura:%d/%m/%Y})."}
        )
    ultima_riapertura = (
        EventoCaso.objects.filter(caso=caso, tipo=TipoEventoCaso.RIAPERTURA, annullato_il__isnull=True)
        .order_by("-data")
        .values_list("data", flat=True)
        .first()
    )
    if ultima_riapertura and data < ultima_riapertura:
        raise ValidationError(
            {"data": f"La data di chiusura precede l'ultima riapertura ({ultima_riapertura:%d/%m/%Y})."}
        )
    if motivo not in MotivoChiusura.values:
        raise ValidationError({"motivo": "Indicare il motivo della chiusura."})
    if esito not in EsitoChiusura.values:
        raise ValidationError({"esito": "Indicare l'esito della presa in carico."})
    prima = istantanea(caso)
    caso.chiuso_il = data
    _salva_caso(caso, ["chiuso_il"])
    evento = EventoCaso.objects.create(
        ambito_id=caso.ambito_id,
        caso=caso,
        tipo=TipoEventoCaso.CHIUSURA,
        data=data,
        motivo=motivo,
        esito=esito,
        note=(note or "").strip(),
        creato_da=attore,
    )
    registra_evento(
        attore=attore, azione="cartella.caso.chiusura", oggetto=caso, prima=prima, dopo=istantanea(caso)
    )
    registra_evento(attore=attore, azione="cartella.caso.evento", oggetto=evento, dopo=istantanea(evento))
    return caso


@transaction.atomic
def riapri_caso(
    *, caso: Caso, data: dt.date, note: str = "", revisione_attesa: int | None = None, attore
) -> Caso:
    caso = _blocca_caso(caso, revisione_attesa)
    if caso.chiuso_il is None:
        raise ValidationError("Il caso è aperto: non c'è niente da riaprire.")
    data = _data(data, "data", "la data di riapertura")
    if data < caso.chiuso_il:
        raise ValidationError(
            {"data": f"La data di riapertura precede la chiusura ({caso.chiuso_il:%d/%m/%Y})."}
        )
    if (
        Caso.objects.filter(
            persona_id=caso.persona_id,
            servizio_id=caso.servizio_id,
            chiuso_il__isnull=True,
            annullato_il__isnull=True,
        )
        .exclude(pk=caso.pk)
        .exists()
    ):
        raise ValidationError("La persona ha già un altro caso aperto per lo stesso servizio.")
    prima = istantanea(caso)
    caso.chiuso_il = None
    _salva_caso(caso, ["chiuso_il"])
    evento = EventoCaso.objects.create(
        ambito_id=caso.ambito_id,
        caso=caso,
        tipo=TipoEventoCaso.RIAPERTURA,
        data=data,
        note=(note or "").strip(),
        creato_da=attore,
    )
    registra_evento(
        attore=attore, azione="cartella.caso.riapertura", oggetto=caso, prima=prima, dopo=istantanea(caso)
    )
    registra_evento(attore=attore, azione="cartella.caso.evento", oggetto=evento, dopo=istantanea(evento))
    return caso


# --- break the glass ---------------------------------------------------------------------------


def puo_chiedere_straordinario(utente) -> bool:
    nomi = set(utente.groups.values_list("name", flat=True))
    return bool(nomi & {R.OPERATORE, R.COORDINATORE})


@transaction.atomic
def accesso_straordinario(*, caso: Caso, utente, motivo: str, ore: int = 4) -> AccessoStraordinario:
    """Open `caso` outside one's scope for `ore` hours, with a written reason. Flagged to the
    coordinators of the case's service until one of them marks it as seen."""
    motivo = (motivo or "").strip()
    if utente is None or utente.ambito_id != caso.ambito_id or not puo_chiedere_straordinario(utente):
        raise PermissionDenied(
            "L'accesso straordinario è riservato agli operatori e ai coordinatori dell'Ambito."
        )
    if len(motivo) < MOTIVO_MINIMO:
        raise ValidationError(
            {"motivo": f"Spiegare il motivo dell'accesso straordinario (almeno {MOTIVO_MINIMO} caratteri)."}
        )
    if not 1 <= int(ore) <= ORE_STRAORDINARIO_MAX:
        raise ValidationError({"ore": f"La durata va da 1 a {ORE_STRAORDINARIO_MAX} ore."})
    a = AccessoStraordinario.objects.create(
        ambito_id=caso.ambito_id,
        caso=caso,
        utente=utente,
        motivo=motivo,
        valido_fino=timezone.now() + dt.timedelta(hours=int(ore)),
        creato_da=utente,
    )
    registra_evento(
        attore=utente, azione="cartella.caso.accesso_straordinario", oggetto=a, dopo=istantanea(a)
    )
    registra_accesso(
        utente=utente,
        oggetto_tipo="cartella.Caso",
        oggetto_id=caso.pk,
        descrizione=f"Accesso straordinario al caso {caso.pk}",
        esito="straordinario",
        motivo=motivo,
        ambito=caso.ambito,
    )
    return a


@transaction.atomic
def segna_straordinario_visto(*, accesso: AccessoStraordinario, attore) -> AccessoStraordinario:
    a = AccessoStraordinario.objects.select_for_update().select_related("caso").get(pk=accesso.pk)
    if attore is None or attore.ambito_id != a.ambito_id:
        raise PermissionDenied("Accesso straordinario di un altro Ambito.")
    if a.visto_il is not None:
        raise ValidationError("L'accesso straordinario è già stato visto.")
    prima = istantanea(a)
    a.visto_da = attore
    a.visto_il = timezone.now()
    a.save(update_fields=["visto_da", "visto_il", "aggiornato_il"])
    registra_evento(
        attore=attore, azione="cartella.caso.straordinario_visto", oggetto=a, prima=prima, dopo=istantanea(a)
    )
    return a
