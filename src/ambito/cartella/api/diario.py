"""REST endpoints of the case record: diario (diary, documents, court mandates, guardianships).

Same scoping as the pages (selectors.diario): a case, entry or document out of scope is a 404,
logged as denied; opening an entry, the diary of a case or a file is written to the access log.
Writes go through services.diario; their Italian ValidationErrors become 422 (see ambito.api).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from ninja import Query, Router, Schema, Status

from ambito.utenti.selectors import ambito_visibilita

from ..models import Riservatezza
from ..selectors import diario as sel
from ..services import diario as srv

router = Router(tags=["diario"])


def _vis(request):
    vis = getattr(request, "_ambito_visibilita_api", None)
    if vis is None:
        vis = request._ambito_visibilita_api = ambito_visibilita(request.auth)
    return vis


def _richiede(request, perm: str) -> None:
    if not request.auth.has_perm(perm):
        raise PermissionDenied("Permesso negato.")


class VoceOut(Schema):
    id: int
    caso_id: int
    data: dt.date
    testo: str
    riservatezza: str
    corregge_id: int | None
    motivo_correzione: str
    corretta_da: list[int]
    autore: str | None
    creato_il: dt.datetime

    @staticmethod
    def resolve_corretta_da(obj) -> list[int]:
        return [c.pk for c in getattr(obj, "lista_correzioni", [])]

    @staticmethod
    def resolve_autore(obj) -> str | None:
        return obj.creato_da.username if obj.creato_da_id else None


class VoceIn(Schema):
    data: dt.date
    testo: str
    riservatezza: Riservatezza = Riservatezza.ORDINARIA


class CorrezioneIn(Schema):
    testo: str
    motivo: str
    data: dt.date | None = None


class DocumentoOut(Schema):
    id: int
    caso_id: int
    tipo: str
    titolo: str
    nome_originale: str
    dimensione: int
    tipo_mime: str
    sha256: str
    riservatezza: str
    caricato_da: str | None
    creato_il: dt.datetime
    annullato_il: dt.datetime | None
    motivo_annullamento: str

    @staticmethod
    def resolve_caricato_da(obj) -> str | None:
        return obj.creato_da.username if obj.creato_da_id else None


class MandatoOut(Schema):
    id: int
    caso_id: int
    autorita: str
    numero_procedimento: str
    data_provvedimento: dt.date
    oggetto: str
    scadenza: dt.date | None
    adempiuto_il: dt.date | None


class TutelaOut(Schema):
    id: int
    caso_id: int
    tipo: str
    decreto_del: dt.date
    tutore: str
    operatore_id: int | None
    rendiconto_entro: dt.date
    ultimo_rendiconto_il: dt.date | None
    chiusa_il: dt.date | None


class Pagina(Schema):
    limite: int = 100
    offset: int = 0


@router.get("/casi/{caso_id}/diario", response=list[VoceOut], summary="Diario del caso (livelli leggibili)")
def elenco_diario(request, caso_id: int, pagina: Query[Pagina]):
    vis = _vis(request)
    caso = sel.caso_per(vis, caso_id, request.auth, descrizione="diario del caso (API)")
    limite = max(1, min(pagina.limite, 500))
    return sel.voci_del_caso(vis, caso, limite=limite, offset=max(0, pagina.offset))


@router.post(
    "/casi/{caso_id}/diario", response={200: VoceOut, 201: VoceOut}, summary="Nuova annotazione di diario"
)
def nuova_voce(request, caso_id: int, dati: VoceIn):
    _richiede(request, "cartella.add_vocediario")
    vis = _vis(request)
    caso = sel.caso_per(vis, caso_id, request.auth, registra=False)
    try:
        voce = srv.scrivi_diario(
            caso=caso,
            data=dati.data,
            testo=dati.testo,
            riservatezza=str(dati.riservatezza),
            attore=request.auth,
        )
    except srv.InvioDoppio as e:  # the same request twice: the first row, not a new one
        e.esistente.lista_correzioni = []
        return Status(200, e.esistente)
    voce.lista_correzioni = []
    return Status(201, voce)


@router.get("/diario/{voce_id}", response=VoceOut, summary="Annotazione di diario (accesso registrato)")
def leggi_voce(request, voce_id: int):
    return sel.voce_per(_vis(request), voce_id, request.auth)


@router.post(
    "/diario/{voce_id}/correzione",
    response={200: VoceOut, 201: VoceOut},
    summary="Correzione di un'annotazione",
)
def correggi_voce(request, voce_id: int, dati: CorrezioneIn):
    _richiede(request, "cartella.add_vocediario")
    voce = sel.voce_per(_vis(request), voce_id, request.auth)
    try:
        nuova = srv.correggi_diario(
            voce=voce, testo=dati.testo, motivo=dati.motivo, data=dati.data, attore=request.auth
        )
    except srv.InvioDoppio as e:
        e.esistente.lista_correzioni = []
        return Status(200, e.esistente)
    nuova.lista_correzioni = []
    return Status(201, nuova)


@router.get("/casi/{caso_id}/documenti", response=list[DocumentoOut], summary="Documenti del caso (metadati)")
def elenco_documenti(request, caso_id: int):
    vis = _vis(request)
    caso = sel.caso_per(vis, caso_id, request.auth, descrizione="elenco documenti (API)")
    return list(sel.documenti_del_caso(vis, caso))


@router.get("/documenti/{documento_id}/contenuto", summary="Contenuto del documento (download registrato)")
def contenuto_documento(request, documento_id: int):
    doc = sel.documento_per(_vis(request), documento_id, request.auth, descrizione="download (API)")
    try:
        contenuto = doc.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("File non disponibile.") from None
    risposta = FileResponse(
        contenuto, as_attachment=True, filename=doc.nome_originale, content_type=doc.tipo_mime
    )
    risposta["X-Content-Type-Options"] = "nosniff"
    risposta["Cache-Control"] = "private, no-store"
    return risposta


@router.get("/casi/{caso_id}/mandati", response=list[MandatoOut], summary="Mandati dell'autorità giudiziaria")
def elenco_mandati(request, caso_id: int):
    vis = _vis(request)
    caso = sel.caso_per(vis, caso_id, request.auth, descrizione="mandati giudiziari (API)")
    return list(sel.mandati_del_caso(vis, caso))


@router.get(
    "/casi/{caso_id}/tutele", response=list[TutelaOut], summary="Tutele e amministrazioni di sostegno"
)
def elenco_tutele(request, caso_id: int):
    vis = _vis(request)
    caso = sel.caso_per(vis, caso_id, request.auth, descrizione="tutele (API)")
    return list(sel.tutele_del_caso(vis, caso))
