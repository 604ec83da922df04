"""REST endpoints of the case record: progetti (assessments, plans with versions, approvals).

Same scoping and services as the pages: a record outside the caller's scope is a 404 (logged),
a rule broken is a 422 with the Italian message, a stale `revisione` on PUT is a 409.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, Router, Schema, Status

from ambito.core.services import registra_accesso
from ambito.utenti.selectors import visibilita_di

from ..models import Caso
from ..selectors import progetti as sel
from ..selectors.visibilita import casi_visibili
from ..services import progetti as srv

router = Router(tags=["progetti"])


class Errore(Schema):
    detail: str


# --- schemas ---------------------------------------------------------------------------------


class ValutazioneOut(Schema):
    id: int
    caso_id: int
    tipo: str
    data: dt.date
    stato: str
    testo: str
    sina: dict[str, str]
    invalidita_civile: list[str]
    necessita_interventi: list[str]
    sinba: dict
    creato_da: str | None
    approvata_da: str | None
    approvata_il: dt.datetime | None


class ValutazioneIn(Schema):
    tipo: str = Field(..., description="uvm | minori | professionale")
    data: dt.date
    testo: str = ""
    sina: dict[str, str] | None = Field(
        None, description="Attributi SINA con i nomi dello XSD INPS (Mobilita, ...)"
    )
    sinba: dict | None = Field(None, description="Attributi SINBA con i nomi dello XSD INPS")
    necessita_interventi: list[str] | None = None
    invalidita_civile: list[str] | None = None


class ObiettivoIO(Schema):
    id: int | None = None
    descrizione: str
    indicatore: str = ""
    esito: str = ""


class InterventoIO(Schema):
    id: int | None = None
    servizio_id: int
    erogatore_id: int | None = None
    quantita: Decimal
    periodicita: str = "totale"
    dal: dt.date
    al: dt.date | None = None


class FirmaOut(Schema):
    firmatario: str
    qualita: str
    data: dt.date


class VersioneOut(Schema):
    id: int
    numero: int
    stato: str
    sintesi: str
    data_inizio: dt.date
    data_fine: dt.date | None
    revisione_ogni_mesi: int
    prossima_verifica: dt.date
    approvata_da: str | None
    approvata_il: dt.datetime | None
    obiettivi: list[ObiettivoIO]
    interventi: list[InterventoIO]
    firme: list[FirmaOut]


class ProgettoOut(Schema):
    id: int
    caso_id: int
    tipo: str
    revisione: int
    versione_corrente: int | None
    versioni: list[VersioneOut]


class ProgettoIn(Schema):
    tipo: str
    sintesi: str
    data_inizio: dt.date
    data_fine: dt.date | None = None
    revisione_ogni_mesi: int = 6
    prossima_verifica: dt.date | None = None
    obiettivi: list[ObiettivoIO] = []
    interventi: list[InterventoIO] = []


class ProgettoPut(ProgettoIn):
    revisione: int = Field(..., description="La revisione letta: se nel frattempo è cambiata, 409.")


class ApprovazioneIn(Schema):
    revisione: int | None = None


# --- helpers ---------------------------------------------------------------------------------


def _nome(u) -> str | None:
    return (u.get_full_name() or u.username) if u is not None else None


def _valutazione(v) -> dict:
    return {
        "id": v.pk,
        "caso_id": v.caso_id,
        "tipo": v.tipo,
        "data": v.data,
        "stato": v.stato,
        "testo": v.testo,
        "sina": {attr: getattr(v, campo) for attr, campo in srv.CAMPI_SINA.items() if getattr(v, campo)},
        "invalidita_civile": v.invalidita_civile,
        "necessita_interventi": v.necessita_interventi,
        "sinba": v.dati_sinba,
        "creato_da": _nome(v.creato_da),
        "approvata_da": _nome(v.approvata_da),
        "approvata_il": v.approvata_il,
    }


def _versione(v) -> dict:
    return {
        "id": v.pk,
        "numero": v.numero,
        "stato": v.stato,
        "sintesi": v.sintesi,
        "data_inizio": v.data_inizio,
        "data_fine": v.data_fine,
        "revisione_ogni_mesi": v.revisione_ogni_mesi,
        "prossima_verifica": v.prossima_verifica,
        "approvata_da": _nome(v.approvata_da),
        "approvata_il": v.approvata_il,
        "obiettivi": [
            {"id": o.pk, "descrizione": o.descrizione, "indicatore": o.indicatore, "esito": o.esito}
            for o in v.obiettivi.all()
        ],
        "interventi": [
            {
                "id": i.pk,
                "servizio_id": i.servizio_id,
                "erogatore_id": i.erogatore_id,
                "quantita": i.quantita,
                "periodicita": i.periodicita,
                "dal": i.dal,
                "al": i.al,
            }
            for i in v.interventi.all()
        ],
        "firme": [{"firmatario": f.firmatario, "qualita": f.qualita, "data": f.data} for f in v.firme.all()],
    }


def _progetto(p) -> dict:
    versioni = sel.versioni(p)
    return {
        "id": p.pk,
        "caso_id": p.caso_id,
        "tipo": p.tipo,
        "revisione": p.revisione,
        "versione_corrente": versioni[0].numero if versioni else None,
        "versioni": [_versione(v) for v in versioni],
    }


def _caso(request, caso_id) -> Caso:
    vis = visibilita_di(request)
    caso = casi_visibili(vis).filter(pk=caso_id).first()
    if caso is None:
        registra_accesso(
            utente=request.user,
            oggetto_tipo="cartella.Caso",
            oggetto_id=caso_id,
            descrizione=f"Caso {caso_id} (API)",
            esito="negato",
            motivo="Fuori dall'ambito di visibilità dell'utente o inesistente.",
        )
        raise Http404
    return caso


def _richiede(request, permesso: str) -> None:
    if not request.user.has_perm(f"cartella.{permesso}"):
        raise PermissionDenied("Permesso negato.")


def _liste(dati: ProgettoIn) -> tuple[list, list]:
    obiettivi = [o.dict() for o in dati.obiettivi]
    interventi = [
        {
            **i.dict(exclude={"servizio_id", "erogatore_id"}),
            "servizio": i.servizio_id,
            "erogatore": i.erogatore_id,
        }
        for i in dati.interventi
    ]
    return obiettivi, interventi


# --- assessments -----------------------------------------------------------------------------


@router.get("/casi/{caso_id}/valutazioni", response=list[ValutazioneOut], summary="Valutazioni di un caso")
def elenco_valutazioni(request, caso_id: int):
    caso = _caso(request, caso_id)
    registra_accesso(
        utente=request.user,
        oggetto_tipo="cartella.Caso",
        oggetto_id=caso.pk,
        descrizione=f"Valutazioni del caso {caso.pk} (API)",
    )
    qs = (
        caso.valutazioni.filter(annullato_il__isnull=True)
        .select_related("creato_da", "approvata_da")
        .order_by("-data", "-id")
    )
    return [_valutazione(v) for v in qs]


@router.post(
    "/casi/{caso_id}/valutazioni",
    response={201: ValutazioneOut, 403: Errore, 404: Errore, 422: Errore},
    summary="Registra una valutazione",
)
def nuova_valutazione(request, caso_id: int, dati: ValutazioneIn):
    _richiede(request, "add_valutazione")
    caso = _caso(request, caso_id)
    v = srv.crea_valutazione(caso=caso, attore=request.user, **dati.dict())
    v.refresh_from_db()
    return Status(201, _valutazione(v))


@router.get("/valutazioni/{valutazione_id}", response=ValutazioneOut, summary="Una valutazione")
def leggi_valutazione(request, valutazione_id: int):
    return _valutazione(sel.valutazione_per(visibilita_di(request), valutazione_id, request.user))


@router.post(
    "/valutazioni/{valutazione_id}/approvazione",
    response={200: ValutazioneOut, 403: Errore, 404: Errore, 422: Errore},
    summary="Approva una valutazione",
)
def approva_valutazione(request, valutazione_id: int):
    v = sel.valutazione_per(visibilita_di(request), valutazione_id, request.user)
    v = srv.approva_valutazione(valutazione=v, attore=request.user)
    return _valutazione(v)


# --- plans -----------------------------------------------------------------------------------


@router.get(
    "/casi/{caso_id}/progetti", response=list[ProgettoOut], summary="Progetti di un caso, con le versioni"
)
def elenco_progetti(request, caso_id: int):
    caso = _caso(request, caso_id)
    registra_accesso(
        utente=request.user,
        oggetto_tipo="cartella.Caso",
        oggetto_id=caso.pk,
        descrizione=f"Progetti del caso {caso.pk} (API)",
    )
    ctx = sel.sezione_caso(visibilita_di(request), caso)
    return [_progetto(p) for p in ctx["progetti_progetti"]]


@router.post(
    "/casi/{caso_id}/progetti",
    response={201: ProgettoOut, 403: Errore, 404: Errore, 422: Errore},
    summary="Registra un progetto (versione 1 in bozza)",
)
def nuovo_progetto(request, caso_id: int, dati: ProgettoIn):
    _richiede(request, "add_progetto")
    caso = _caso(request, caso_id)
    obiettivi, interventi = _liste(dati)
    p = srv.crea_progetto(
        caso=caso,
        attore=request.user,
        obiettivi=obiettivi,
        interventi=interventi,
        **dati.dict(exclude={"obiettivi", "interventi"}),
    )
    return Status(201, _progetto(p))


@router.get("/progetti/{progetto_id}", response=ProgettoOut, summary="Un progetto con tutte le versioni")
def leggi_progetto(request, progetto_id: int):
    return _progetto(sel.progetto_per(visibilita_di(request), progetto_id, request.user))


@router.put(
    "/progetti/{progetto_id}",
    response={200: ProgettoOut, 403: Errore, 404: Errore, 409: Errore, 422: Errore},
    summary="Modifica un progetto (nuova versione se quella attuale è approvata)",
)
def modifica_progetto(request, progetto_id: int, dati: ProgettoPut):
    _richiede(request, "change_progetto")
    p = sel.progetto_per(visibilita_di(request), progetto_id, request.user)
    obiettivi, interventi = _liste(dati)
    try:
        srv.modifica_progetto(
            progetto=p,
            revisione_attesa=dati.revisione,
            attore=request.user,
            obiettivi=obiettivi,
            interventi=interventi,
            **dati.dict(exclude={"obiettivi", "interventi", "revisione"}),
        )
    except srv.ConflittoRevisione as exc:
        return Status(409, {"detail": exc.messages[0]})
    return _progetto(sel.progetto_per(visibilita_di(request), progetto_id, request.user))


@router.post(
    "/progetti/{progetto_id}/approvazione",
    response={200: ProgettoOut, 403: Errore, 404: Errore, 409: Errore, 422: Errore},
    summary="Approva la versione attuale del progetto",
)
def approva_progetto(request, progetto_id: int, dati: ApprovazioneIn | None = None):
    p = sel.progetto_per(visibilita_di(request), progetto_id, request.user)
    try:
        srv.approva_versione(
            versione=p.corrente, attore=request.user, revisione_attesa=dati.revisione if dati else None
        )
    except srv.ConflittoRevisione as exc:
        return Status(409, {"detail": exc.messages[0]})
    return _progetto(sel.progetto_per(visibilita_di(request), progetto_id, request.user))
