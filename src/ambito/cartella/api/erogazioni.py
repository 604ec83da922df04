"""REST endpoints of the case record: erogazioni (interventions, deliveries, activity log).

Same scoping as the pages (selectors.visibilita): a record outside the caller's scope is a 404
and the attempt is logged; a provider's token sees and records only on its Ente's
interventions. Money travels as decimal strings ("1234.56"), exact to the cent. Invalid data:
422 with Italian messages (`detail`, and `errori` per field).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from ambito.catalogo.models import Servizio
from ambito.fondi.models import Fondo
from ambito.territorio.models import Ente
from ambito.utenti.selectors import visibilita_di

from ..models import Attivita, Erogazione, Intervento, Isee
from ..selectors import erogazioni as sel
from ..selectors.visibilita import interventi_visibili
from ..services import erogazioni as srv

router = Router(tags=["erogazioni"])


def _permesso(request, codice: str) -> None:
    if not request.auth.has_perm(codice):
        raise HttpError(403, "Permesso negato.")


# --- schemas -----------------------------------------------------------------------------------


class InterventoOut(Schema):
    id: int
    caso_id: int | None
    persona: str
    servizio_id: int
    servizio: str
    unita_misura: str
    erogatore_id: int | None
    erogatore: str | None
    dal: dt.date
    al: dt.date | None
    quantita_prevista: Decimal | None
    quantita_erogata: Decimal
    ore_registrate: Decimal
    accessi_registrati: int
    presenza_prova_mezzi: str | None
    carattere_prestazione: str | None
    isee_id: int | None
    protocollo_domanda: str | None
    annullato: bool


def _intervento_out(i: Intervento, *, minimo: bool) -> dict:
    """A provider gets the person's name and the service, nothing else of the case."""
    persona = i.caso.persona
    return {
        "id": i.pk,
        "caso_id": None if minimo else i.caso_id,
        "persona": f"{persona.cognome} {persona.nome}",
        "servizio_id": i.servizio_id,
        "servizio": i.servizio.nome,
        "unita_misura": i.servizio.unita_misura,
        "erogatore_id": i.erogatore_id,
        "erogatore": i.erogatore.nome if i.erogatore_id else None,
        "dal": i.dal,
        "al": i.al,
        "quantita_prevista": i.quantita_prevista,
        "quantita_erogata": i.erogata,
        "ore_registrate": i.tot_ore,
        "accessi_registrati": i.tot_accessi,
        "presenza_prova_mezzi": None if minimo else i.presenza_prova_mezzi,
        "carattere_prestazione": None if minimo else i.carattere_prestazione,
        "isee_id": None if minimo else i.isee_id,
        "protocollo_domanda": None if minimo else i.protocollo_domanda,
        "annullato": i.annullato_il is not None,
    }


class InterventoIn(Schema):
    servizio_id: int
    dal: dt.date
    al: dt.date | None = None
    erogatore_id: int | None = None
    quantita_prevista: Decimal | None = None
    presenza_prova_mezzi: str | None = Field(None, description="SIUSS 1-4; dal catalogo se assente.")
    carattere_prestazione: str | None = Field(None, description="SIUSS 1-2; dal catalogo se assente.")
    isee_id: int | None = Field(None, description="Se assente e richiesto, l'ISEE valido più recente.")
    protocollo_domanda: str = ""


class FinanziamentoIO(Schema):
    fondo_id: int
    importo: Decimal


class FinanziamentoOut(FinanziamentoIO):
    fondo: str


class ErogazioneOut(Schema):
    id: int
    intervento_id: int
    dal: dt.date
    al: dt.date
    data_erogazione: dt.date
    quantita: Decimal
    importo: Decimal
    quota_ente: Decimal
    quota_utente: Decimal
    quota_ssn: Decimal
    finanziamenti: list[FinanziamentoOut]
    annullata: bool
    annullata_il: dt.datetime | None
    motivo_annullamento: str
    sostituisce_id: int | None


def _erogazione_out(e: Erogazione) -> dict:
    return {
        "id": e.pk,
        "intervento_id": e.intervento_id,
        "dal": e.dal,
        "al": e.al,
        "data_erogazione": e.data_erogazione,
        "quantita": e.quantita,
        "importo": e.importo,
        "quota_ente": e.quota_ente,
        "quota_utente": e.quota_utente,
        "quota_ssn": e.quota_ssn,
        "finanziamenti": [
            {"fondo_id": f.fondo_id, "fondo": f.fondo.codice, "importo": f.importo}
            for f in e.finanziamenti.all()
        ],
        "annullata": e.annullato_il is not None,
        "annullata_il": e.annullato_il,
        "motivo_annullamento": e.motivo_annullamento,
        "sostituisce_id": e.sostituisce_id,
    }


class ErogazioneIn(Schema):
    dal: dt.date
    al: dt.date
    data_erogazione: dt.date
    quantita: Decimal
    importo: Decimal
    quota_ente: Decimal
    quota_utente: Decimal = Decimal("0")
    quota_ssn: Decimal = Decimal("0")
    finanziamenti: list[FinanziamentoIO] = []


class CorrezioneIn(Schema):
    motivo: str
    dal: dt.date | None = None
    al: dt.date | None = None
    data_erogazione: dt.date | None = None
    quantita: Decimal | None = None
    importo: Decimal | None = None
    quota_ente: Decimal | None = None
    quota_utente: Decimal | None = None
    quota_ssn: Decimal | None = None
    finanziamenti: list[FinanziamentoIO] | None = Field(
        None, description="Se assente, restano quelli originali."
    )


class AttivitaOut(Schema):
    id: int
    intervento_id: int
    operatore: str
    data: dt.date
    tipo: str
    ore: Decimal
    accessi: int
    note: str
    annullata: bool


def _attivita_out(a: Attivita) -> dict:
    return {
        "id": a.pk,
        "intervento_id": a.intervento_id,
        "operatore": a.operatore.get_full_name() or a.operatore.username,
        "data": a.data,
        "tipo": a.tipo,
        "ore": a.ore,
        "accessi": a.accessi,
        "note": a.note,
        "annullata": a.annullato_il is not None,
    }


class AttivitaIn(Schema):
    data: dt.date
    tipo: str
    ore: Decimal = Decimal("0")
    accessi: int = 0
    note: str = ""


def _fondi(righe: list[FinanziamentoIO]) -> list[tuple[Fondo, Decimal]]:
    trovati = Fondo.objects.in_bulk([r.fondo_id for r in righe])
    mancanti = [r.fondo_id for r in righe if r.fondo_id not in trovati]
    if mancanti:
        raise ValidationError({"finanziamenti": [f"Fondo {m} inesistente." for m in mancanti]})
    return [(trovati[r.fondo_id], r.importo) for r in righe]


def _erogazioni_qs():
    return Erogazione.objects.prefetch_related("finanziamenti__fondo")


# --- endpoints ---------------------------------------------------------------------------------


class ListaInterventi(Schema):
    count: int
    items: list[InterventoOut]


@router.get("/interventi", response=ListaInterventi, summary="Interventi visibili")
def elenco_interventi(request, anche_conclusi: bool = True, limit: int = 100, offset: int = 0):
    """The interventions the caller may see (a provider: those assigned to its Ente), newest
    first, `limit` (at most 500) from `offset`."""
    _permesso(request, "cartella.view_intervento")
    if not (1 <= limit <= 500) or offset < 0:
        raise HttpError(422, "limit va da 1 a 500 e offset non può essere negativo.")
    vis = visibilita_di(request)
    qs = interventi_visibili(vis).filter(annullato_il__isnull=True)
    if not anche_conclusi:
        qs = qs.filter(Q(al__isnull=True) | Q(al__gte=vis.data))
    minimo = sel.solo_erogatore(vis)
    pagina = (
        sel.con_totali(qs).select_related("caso__persona", "servizio", "erogatore").order_by("-dal", "-id")
    )
    return {
        "count": qs.count(),
        "items": [_intervento_out(i, minimo=minimo) for i in pagina[offset : offset + limit]],
    }


@router.get("/interventi/{intervento_id}", response=InterventoOut, summary="Un intervento")
def dettaglio_intervento(request, intervento_id: int):
    _permesso(request, "cartella.view_intervento")
    vis = visibilita_di(request)
    i = sel.intervento_per(vis, intervento_id, request.auth)
    return _intervento_out(i, minimo=sel.solo_erogatore(vis))


@router.post("/casi/{caso_id}/interventi", response={201: InterventoOut}, summary="Avvia un intervento")
def crea_intervento(request, caso_id: int, dati: InterventoIn):
    _permesso(request, "cartella.add_intervento")
    vis = visibilita_di(request)
    caso = sel.caso_per_nuovo_intervento(vis, caso_id, request.auth)
    servizio = Servizio.objects.filter(ambito_id=caso.ambito_id, pk=dati.servizio_id).first()
    if servizio is None:
        raise ValidationError({"servizio_id": ["Servizio inesistente nel catalogo dell'Ambito."]})
    erogatore = None
    if dati.erogatore_id is not None:
        erogatore = Ente.objects.filter(ambito_id=caso.ambito_id, pk=dati.erogatore_id).first()
        if erogatore is None:
            raise ValidationError({"erogatore_id": ["Ente erogatore inesistente."]})
    isee = None
    if dati.isee_id is not None:
        isee = Isee.objects.filter(persona_id=caso.persona_id, pk=dati.isee_id).first()
        if isee is None:
            raise ValidationError({"isee_id": ["Attestazione ISEE della persona inesistente."]})
    intervento = srv.avvia_intervento(
        caso=caso,
        servizio=servizio,
        dal=dati.dal,
        al=dati.al,
        erogatore=erogatore,
        quantita_prevista=dati.quantita_prevista,
        presenza_prova_mezzi=dati.presenza_prova_mezzi,
        carattere_prestazione=dati.carattere_prestazione,
        isee=isee,
        protocollo_domanda=dati.protocollo_domanda,
        attore=request.auth,
    )
    i = sel.con_totali(Intervento.objects.filter(pk=intervento.pk)).select_related(
        "caso__persona", "servizio", "erogatore"
    )[0]
    return Status(201, _intervento_out(i, minimo=False))


@router.get(
    "/interventi/{intervento_id}/erogazioni",
    response=list[ErogazioneOut],
    summary="Erogazioni di un intervento",
)
def elenco_erogazioni(request, intervento_id: int):
    """Every delivery, annulled ones included (with `sostituisce_id` linking corrections)."""
    _permesso(request, "cartella.view_erogazione")
    vis = visibilita_di(request)
    i = sel.intervento_per(vis, intervento_id, request.auth)
    return [_erogazione_out(e) for e in _erogazioni_qs().filter(intervento=i).order_by("-dal", "-id")]


@router.post(
    "/interventi/{intervento_id}/erogazioni", response={201: ErogazioneOut}, summary="Registra un'erogazione"
)
def crea_erogazione(request, intervento_id: int, dati: ErogazioneIn):
    """422 with Italian messages when the quotas do not add up to the amount or the funds to the
    quota ente, when the period overlaps another delivery or falls outside the intervention."""
    _permesso(request, "cartella.add_erogazione")
    vis = visibilita_di(request)
    i = sel.intervento_per(vis, intervento_id, request.auth)
    e = srv.registra_erogazione(
        intervento=i,
        dal=dati.dal,
        al=dati.al,
        data_erogazione=dati.data_erogazione,
        quantita=dati.quantita,
        importo=dati.importo,
        quota_ente=dati.quota_ente,
        quota_utente=dati.quota_utente,
        quota_ssn=dati.quota_ssn,
        finanziamenti=_fondi(dati.finanziamenti),
        attore=request.auth,
    )
    return Status(201, _erogazione_out(_erogazioni_qs().get(pk=e.pk)))


@router.post(
    "/erogazioni/{erogazione_id}/correzione", response={201: ErogazioneOut}, summary="Correggi un'erogazione"
)
def correggi_erogazione(request, erogazione_id: int, dati: CorrezioneIn):
    """Annul the delivery with `motivo` and write the replacement (fields not given are kept)."""
    _permesso(request, "cartella.change_erogazione")
    vis = visibilita_di(request)
    e = sel.erogazione_per(vis, erogazione_id, request.auth)
    nuovi = {k: v for k, v in dati.dict(exclude={"motivo", "finanziamenti"}).items() if v is not None}
    if dati.finanziamenti is not None:
        nuovi["finanziamenti"] = _fondi(dati.finanziamenti)
    nuova = srv.correggi_erogazione(erogazione=e, motivo=dati.motivo, attore=request.auth, **nuovi)
    return Status(201, _erogazione_out(_erogazioni_qs().get(pk=nuova.pk)))


class MotivoIn(Schema):
    motivo: str


@router.post(
    "/erogazioni/{erogazione_id}/annullamento", response=ErogazioneOut, summary="Annulla un'erogazione"
)
def annulla_erogazione(request, erogazione_id: int, dati: MotivoIn):
    _permesso(request, "cartella.change_erogazione")
    vis = visibilita_di(request)
    e = sel.erogazione_per(vis, erogazione_id, request.auth)
    srv.annulla_erogazione(erogazione=e, motivo=dati.motivo, attore=request.auth)
    return _erogazione_out(_erogazioni_qs().get(pk=e.pk))


@router.get(
    "/interventi/{intervento_id}/attivita", response=list[AttivitaOut], summary="Attività di un intervento"
)
def elenco_attivita(request, intervento_id: int):
    _permesso(request, "cartella.view_attivita")
    vis = visibilita_di(request)
    i = sel.intervento_per(vis, intervento_id, request.auth)
    return [_attivita_out(a) for a in sel.attivita_di(i, limite=None)]


@router.post(
    "/interventi/{intervento_id}/attivita", response={201: AttivitaOut}, summary="Registra ore e accessi"
)
def crea_attivita(request, intervento_id: int, dati: AttivitaIn):
    """Recorded for the caller. A provider's token only on its Ente's interventions."""
    _permesso(request, "cartella.add_attivita")
    vis = visibilita_di(request)
    i = sel.intervento_per(vis, intervento_id, request.auth)
    a = srv.registra_attivita(
        intervento=i,
        operatore=request.auth,
        data=dati.data,
        tipo=dati.tipo,
        ore=dati.ore,
        accessi=dati.accessi,
        note=dati.note,
        attore=request.auth,
    )
    return Status(201, _attivita_out(a))
