"""REST endpoints of the case record: persone (persons, households, ISEE).

Same scoping as the pages (selectors.visibilita); a record outside the caller's scope is a 404,
logged as "negato". Writes go through services.persone: their Italian messages come back as a
422 with `errori` keyed by field.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Router, Schema, Status

from ambito.territorio.models import Ente
from ambito.utenti.selectors import ambito_visibilita

from ..selectors import persone as sel
from ..selectors.visibilita import persone_visibili
from ..services import persone as S

router = Router(tags=["persone"])


def _vis(request, permesso: str):
    utente = request.auth
    if not utente.has_perm(permesso):
        raise PermissionDenied("Permesso negato.")
    return utente, ambito_visibilita(utente)


# --- schemas ----------------------------------------------------------------------------------


class PersonaBreve(Schema):
    id: int
    codice_fiscale: str
    cf_temporaneo: bool
    cognome: str
    nome: str
    sesso: str
    data_nascita: dt.date
    eta: int
    comune_residenza: str | None = None
    istat_residenza: str | None = None
    casi_aperti: int = 0
    unita_in_id: int | None = None


class ResidenzaOut(Schema):
    id: int
    comune_id: int | None
    comune: str | None = Field(None, alias="comune.nome")
    codice_istat_comune: str
    indirizzo: str
    dal: dt.date
    al: dt.date | None
    domicilio: bool


class IseeOut(Schema):
    id: int
    tipo: str
    valore: Decimal
    protocollo_dsu: str
    data_dsu: dt.date
    data_attestazione: dt.date | None
    scadenza: dt.date
    componenti_nucleo: int | None
    nucleo_id: int | None
    annullato_il: dt.datetime | None
    motivo_annullamento: str


class AppartenenzaOut(Schema):
    id: int
    nucleo_id: int
    nucleo: str = Field(..., alias="nucleo.denominazione")
    ruolo: str
    dal: dt.date
    al: dt.date | None


class CasoBreve(Schema):
    id: int
    servizio: str = Field(..., alias="servizio.codice")
    comune_responsabile_id: int
    data_apertura: dt.date
    chiuso_il: dt.date | None


class PersonaOut(Schema):
    id: int
    codice_fiscale: str
    cf_temporaneo: bool
    stato_codice_fiscale: str
    cognome: str
    nome: str
    sesso: str
    data_nascita: dt.date
    codice_belfiore_nascita: str
    luogo_nascita: str
    nato_estero: bool
    cittadinanza: str
    seconda_cittadinanza: str
    telefono: str
    email: str
    deceduto_il: dt.date | None
    unita_in_id: int | None
    aggiornato_il: dt.datetime
    comune_residenza_id: int | None = None
    residenze: list[ResidenzaOut] = []
    nuclei: list[AppartenenzaOut] = []
    isee: list[IseeOut] = []
    casi: list[CasoBreve] = []


class ResidenzaIn(Schema):
    comune_id: int | None = None
    codice_istat: str = ""
    indirizzo: str = ""
    dal: dt.date


class PersonaIn(Schema):
    codice_fiscale: str | None = None
    senza_codice_fiscale: bool = False
    cognome: str
    nome: str
    sesso: str
    data_nascita: dt.date
    codice_belfiore_nascita: str = ""
    luogo_nascita: str = ""
    cittadinanza: str = "100"
    seconda_cittadinanza: str = ""
    telefono: str = ""
    email: str = ""
    note: str = ""
    residenza: ResidenzaIn | None = None


class IseeIn(Schema):
    tipo: str = "ordinario"
    valore: Decimal
    protocollo_dsu: str
    data_dsu: dt.date
    data_attestazione: dt.date | None = None
    scadenza: dt.date | None = None
    componenti_nucleo: int | None = None
    nucleo_id: int | None = None


class MembroOut(Schema):
    id: int
    persona_id: int
    cognome: str = Field(..., alias="persona.cognome")
    nome: str = Field(..., alias="persona.nome")
    codice_fiscale: str = Field(..., alias="persona.codice_fiscale")
    ruolo: str
    dal: dt.date
    al: dt.date | None


class NucleoOut(Schema):
    id: int
    denominazione: str
    note: str
    membri: list[MembroOut] = []


class MembroIn(Schema):
    persona_id: int
    ruolo: str
    dal: dt.date


class NucleoIn(Schema):
    denominazione: str
    note: str = ""
    membri: list[MembroIn] = []


# --- helpers ----------------------------------------------------------------------------------


def _persona_out(d: sel.DettaglioPersona) -> dict:
    p = d.persona
    out = {
        f: getattr(p, f) for f in PersonaOut.model_fields if hasattr(p, f) and f not in ("residenze", "isee")
    }
    out.update(
        id=p.pk,
        stato_codice_fiscale=d.stato_cf.stato,
        comune_residenza_id=d.residenza_attuale.comune_id if d.residenza_attuale else None,
        residenze=d.residenze,
        nuclei=d.appartenenze,
        isee=d.isee,
        casi=d.casi,
    )
    return out


# --- endpoints --------------------------------------------------------------------------------


@router.get("/persone", response=list[PersonaBreve], summary="Cerca persone")
def cerca_persone(request, q: str, limite: int = 50):
    """Search by codice fiscale (or a prefix of 6+ characters), birth date (gg/mm/aaaa) or name
    (tolerant of accents and typos), among the persons the caller may see."""
    _, vis = _vis(request, "cartella.view_persona")
    return sel.cerca(vis, q, limite=max(1, min(limite, 200)))


@router.get("/persone/{persona_id}", response=PersonaOut, summary="Scheda di una persona")
def leggi_persona(request, persona_id: int):
    utente, vis = _vis(request, "cartella.view_persona")
    return _persona_out(sel.dettaglio_persona(vis, persona_id, utente=utente))


@router.post("/persone", response={201: PersonaOut}, summary="Crea una persona")
def crea_persona(request, dati: PersonaIn):
    """Same checks as the form: codice fiscale validated and cross-checked with the typed data,
    or `senza_codice_fiscale` for a temporary code; an already registered code is a 422."""
    utente, vis = _vis(request, "cartella.add_persona")
    valori = dati.dict()
    residenza = valori.pop("residenza")
    if residenza:
        comune_id = residenza.pop("comune_id")
        residenza["comune"] = None
        if comune_id is not None:
            residenza["comune"] = Ente.objects.filter(pk=comune_id).first()
            if residenza["comune"] is None:
                raise ValidationError({"comune": ["Il Comune indicato non esiste."]})
    p = S.crea_persona(ambito=utente.ambito, attore=utente, residenza=residenza, **valori)
    return Status(201, _persona_out(sel.dettaglio_persona(vis, p.pk, utente=utente)))


@router.get("/persone/{persona_id}/isee", response=list[IseeOut], summary="Attestazioni ISEE di una persona")
def isee_persona(request, persona_id: int):
    utente, vis = _vis(request, "cartella.view_isee")
    return sel.isee_di(vis, persona_id, utente=utente)


@router.post("/persone/{persona_id}/isee", response={201: IseeOut}, summary="Registra un'attestazione ISEE")
def registra_isee(request, persona_id: int, dati: IseeIn):
    """Value ≥ 0, DSU date not in the future, protocol INPS-ISEE-AAAA-NNNNNNNNN-NN; validity
    until 31/12 of the DSU's year unless `scadenza` is given."""
    utente, vis = _vis(request, "cartella.add_isee")
    p = sel.persona_visibile(vis, persona_id, utente=utente)
    valori = dati.dict()
    nucleo_id = valori.pop("nucleo_id")
    nucleo = sel.nuclei_visibili(vis).filter(pk=nucleo_id).first() if nucleo_id else None
    if nucleo_id and nucleo is None:
        raise ValidationError({"nucleo_id": ["Nucleo non trovato."]})
    return Status(201, S.registra_isee(persona=p, attore=utente, nucleo=nucleo, **valori))


@router.get("/nuclei/{nucleo_id}", response=NucleoOut, summary="Nucleo familiare con i componenti")
def leggi_nucleo(request, nucleo_id: int):
    utente, vis = _vis(request, "cartella.view_nucleo")
    n, membri = sel.dettaglio_nucleo(vis, nucleo_id, utente=utente)
    return {"id": n.pk, "denominazione": n.denominazione, "note": n.note, "membri": membri}


@router.post("/nuclei", response={201: NucleoOut}, summary="Crea un nucleo familiare")
def crea_nucleo(request, dati: NucleoIn):
    utente, vis = _vis(request, "cartella.add_nucleo")
    ids = {m.persona_id for m in dati.membri}
    persone = {p.pk: p for p in persone_visibili(vis).filter(pk__in=ids)}
    mancanti = ids - set(persone)
    if mancanti:
        raise ValidationError(
            {"membri": [f"Persone non trovate: {', '.join(str(i) for i in sorted(mancanti))}."]}
        )
    n = S.crea_nucleo(
        ambito=utente.ambito,
        attore=utente,
        denominazione=dati.denominazione,
        note=dati.note,
        membri=[{"persona": persone[m.persona_id], "ruolo": m.ruolo, "dal": m.dal} for m in dati.membri],
    )
    n, membri = sel.dettaglio_nucleo(vis, n.pk)
    return Status(201, {"id": n.pk, "denominazione": n.denominazione, "note": n.note, "membri": membri})
