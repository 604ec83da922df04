"""REST endpoints of the case record: casi (cases, their timeline, accesses, deadlines).

Same scoping as the pages (selectors.visibilita through selectors.casi): a case out of scope is
a 404, logged as denied; opening a case or its timeline writes the access log. Writes go
through services.casi; their Italian ValidationErrors become 422 (see ambito.api).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from ambito.catalogo.models import Servizio
from ambito.core.models import Utente
from ambito.territorio.models import Ente, TipoEnte
from ambito.utenti.models import Team
from ambito.utenti.selectors import ambito_visibilita

from ..models import CanaleAccesso, EsitoChiusura, EsitoTriage, MotivoChiusura, RuoloOperatore
from ..selectors import casi as sel
from ..selectors.visibilita import persone_visibili, riservatezze_leggibili
from ..services import casi as srv

router = Router(tags=["casi"])


def _vis(request):
    vis = getattr(request, "_ambito_visibilita_api", None)
    if vis is None:
        vis = request._ambito_visibilita_api = ambito_visibilita(request.auth)
    return vis


def _richiede(request, perm: str) -> None:
    if not request.auth.has_perm(perm):
        raise PermissionDenied("Permesso negato.")


class OperatoreOut(Schema):
    utente_id: int
    username: str
    nome: str
    ruolo: str
    referente: bool
    dal: dt.date
    al: dt.date | None


class CasoOut(Schema):
    id: int
    persona_id: int
    persona: str
    codice_fiscale: str
    servizio_id: int
    servizio: str
    comune_responsabile_id: int
    comune_responsabile: str
    team_id: int | None
    data_apertura: dt.date
    chiuso_il: dt.date | None
    minori: bool
    stato: str
    stato_etichetta: str
    prossima_verifica: dt.date | None
    revisione: int

    @staticmethod
    def resolve_persona(obj) -> str:
        return f"{obj.persona.cognome} {obj.persona.nome}"

    @staticmethod
    def resolve_codice_fiscale(obj) -> str:
        return obj.persona.codice_fiscale

    @staticmethod
    def resolve_servizio(obj) -> str:
        return obj.servizio.nome

    @staticmethod
    def resolve_comune_responsabile(obj) -> str:
        return obj.comune_responsabile.nome

    @staticmethod
    def resolve_stato(obj) -> str:
        return obj.stato_codice

    @staticmethod
    def resolve_stato_etichetta(obj) -> str:
        return sel.STATI[obj.stato_codice][0]


class CasoDettaglioOut(CasoOut):
    motivo_apertura: str
    operatori: list[OperatoreOut]


class OperatoreIn(Schema):
    utente_id: int
    ruolo: RuoloOperatore = RuoloOperatore.ASSISTENTE_SOCIALE
    referente: bool = False


class CasoIn(Schema):
    persona_id: int
    servizio_id: int
    data_apertura: dt.date
    comune_responsabile_id: int | None = None
    team_id: int | None = None
    minori: bool | None = None
    motivo_apertura: str = ""
    operatori: list[OperatoreIn] = []
    accesso_id: int | None = None


class ChiusuraIn(Schema):
    data: dt.date
    motivo: MotivoChiusura
    esito: EsitoChiusura
    note: str = ""
    revisione: int | None = None


class VoceCronologiaOut(Schema):
    data: dt.date
    tipo: str
    etichetta: str
    sintesi: str
    autore: str
    url: str


class AccessoIn(Schema):
    persona_id: int
    data: dt.date
    canale: CanaleAccesso
    comune_id: int
    richiesta: str
    esito_triage: EsitoTriage
    servizio_destinazione_id: int | None = None
    comune_destinazione_id: int | None = None


class AccessoOut(Schema):
    id: int
    persona_id: int
    data: dt.date
    canale: str
    comune_id: int
    richiesta: str
    esito_triage: str
    servizio_destinazione_id: int | None
    comune_destinazione_id: int | None
    operatore_id: int
    caso_id: int | None


class ScadenzaOut(Schema):
    data: dt.date
    tipo: str
    descrizione: str
    caso_id: int
    persona: str
    servizio: str
    operatori: list[str]
    scaduta: bool
    giorni: int


class FiltriCasi(Schema):
    stato: str = ""
    servizio: int | None = None
    comune: int | None = None
    limite: int = 100
    offset: int = 0


def _dettaglio(caso) -> dict:
    operatori = [
        {
            "utente_id": o.utente_id,
            "username": o.utente.username,
            "nome": o.utente.get_full_name(),
            "ruolo": o.ruolo,
            "referente": o.referente,
            "dal": o.dal,
            "al": o.al,
        }
        for o in sel.operatori_del_caso(caso, tutti=True)
    ]
    caso.operatori_api = operatori
    return caso


class _CasoDettaglio(CasoDettaglioOut):
    @staticmethod
    def resolve_operatori(obj) -> list[dict]:
        return obj.operatori_api


@router.get("/casi", response=list[CasoOut], summary="Casi visibili")
def elenco_casi(request, filtri: Query[FiltriCasi]):
    """Cases the caller may open, newest first; filters: stato (chiuso, in_valutazione,
    progetto_attivo, da_rivedere), servizio, comune. Paged with limite (max 500) and offset."""
    _richiede(request, "cartella.view_caso")
    vis = _vis(request)
    limite = max(1, min(filtri.limite, 500))
    qs = sel.casi_elenco(vis, stato=filtri.stato, servizio_id=filtri.servizio, comune_id=filtri.comune)
    return list(qs[filtri.offset : filtri.offset + limite])


@router.get(
    "/casi/{int:caso_id}", response=_CasoDettaglio, summary="Un caso (registrato nel registro accessi)"
)
def dettaglio_caso(request, caso_id: int):
    caso = sel.apri_caso_per(_vis(request), caso_id, request.auth)
    return _dettaglio(caso)


def _ambito(request, modello, pk, **filtri):
    if pk is None:
        return None
    return get_object_or_404(modello, pk=pk, ambito_id=request.auth.ambito_id, **filtri)


@router.post("/casi", response={201: _CasoDettaglio}, summary="Apre una presa in carico")
def apri_caso(request, dati: CasoIn):
    _richiede(request, "cartella.add_caso")
    vis = _vis(request)
    persona = persone_visibili(vis).filter(pk=dati.persona_id).first()
    if persona is None:
        raise Http404
    operatori = []
    for o in dati.operatori:
        utente = get_object_or_404(Utente, pk=o.utente_id, ambito_id=request.auth.ambito_id)
        operatori.append((utente, o.ruolo, o.referente))
    accesso = None
    if dati.accesso_id is not None:
        accesso = sel.accessi_visibili(vis).filter(pk=dati.accesso_id).first()
        if accesso is None:
            raise Http404
    caso = srv.apri_caso(
        persona=persona,
        servizio=_ambito(request, Servizio, dati.servizio_id),
        data_apertura=dati.data_apertura,
        comune_responsabile=_ambito(request, Ente, dati.comune_responsabile_id, tipo=TipoEnte.COMUNE),
        team=_ambito(request, Team, dati.team_id),
        minori=dati.minori,
        motivo_apertura=dati.motivo_apertura,
        operatori=operatori,
        accesso=accesso,
        attore=request.auth,
    )
    caso = sel.apri_caso_per(vis, caso.pk, request.auth)
    return Status(201, _dettaglio(caso))


@router.post("/casi/{int:caso_id}/chiusura", response=_CasoDettaglio, summary="Chiude un caso")
def chiudi_caso(request, caso_id: int, dati: ChiusuraIn):
    _richiede(request, "cartella.change_caso")
    vis = _vis(request)
    caso = sel.apri_caso_per(vis, caso_id, request.auth)
    if caso.aperto_in_straordinario:
        raise PermissionDenied("Con un accesso straordinario il caso si consulta, non si modifica.")
    srv.chiudi_caso(
        caso=caso,
        data=dati.data,
        motivo=dati.motivo,
        esito=dati.esito,
        note=dati.note,
        revisione_attesa=dati.revisione,
        attore=request.auth,
    )
    return _dettaglio(sel.apri_caso_per(vis, caso_id, request.auth))


@router.get(
    "/casi/{int:caso_id}/cronologia",
    response=list[VoceCronologiaOut],
    summary="Cronologia del caso, dal più vecchio",
)
def cronologia(request, caso_id: int):
    vis = _vis(request)
    caso = sel.apri_caso_per(vis, caso_id, request.auth)
    return [v.as_dict() for v in sel.timeline(vis, caso, livelli=riservatezze_leggibili(vis, caso))]


@router.post(
    "/accessi", response={201: AccessoOut}, summary="Registra un accesso (segretariato sociale / PUA)"
)
def registra_accesso(request, dati: AccessoIn):
    _richiede(request, "cartella.add_accesso")
    vis = _vis(request)
    persona = persone_visibili(vis).filter(pk=dati.persona_id).first()
    if persona is None:
        raise Http404
    accesso = srv.registra_accesso_pua(
        ambito=request.auth.ambito,
        persona=persona,
        data=dati.data,
        canale=dati.canale,
        comune=_ambito(request, Ente, dati.comune_id, tipo=TipoEnte.COMUNE),
        richiesta=dati.richiesta,
        esito_triage=dati.esito_triage,
        servizio_destinazione=_ambito(request, Servizio, dati.servizio_destinazione_id),
        comune_destinazione=_ambito(request, Ente, dati.comune_destinazione_id, tipo=TipoEnte.COMUNE),
        operatore=request.auth,
        attore=request.auth,
    )
    return Status(201, accesso)


@router.get("/scadenze", response=list[ScadenzaOut], summary="Scadenze dei propri casi")
def elenco_scadenze(request, entro_giorni: int = 60, operatore: int | None = None):
    """Plan reviews, ISEE expiry, court deadlines and guardianship accounts due within
    `entro_giorni` (max 365), overdue first. Coordinators may filter by operator."""
    _richiede(request, "cartella.view_caso")
    vis = _vis(request)
    coordina = vis.is_coordinatore or vis.is_direzione
    elenco = sel.scadenze(
        vis,
        request.auth,
        entro_giorni=max(0, min(entro_giorni, 365)),
        operatore_id=operatore if coordina else None,
    )
    return [s.as_dict() for s in elenco]
