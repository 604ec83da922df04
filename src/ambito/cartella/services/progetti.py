"""Writes of the case record: progetti. Keyword-only, one transaction, audited.

Assessments (UVM with the SINA fields, minors with the SINBA fields, professional), their
approval, and the individual plan: versions, goals, planned interventions, approval, signatures.

- Errors are `ValidationError`s with Italian messages; nothing is stored when one is raised.
- A plan's content lives in its versions. While the current version is a draft it is edited in
  place; once approved, a change makes a new draft version (the approved one stays readable and
  becomes "superata" when the new one is approved).
- `Progetto.revisione` is the optimistic lock: every change increments it, and a change computed
  on an older revision is refused with `ConflittoRevisione` (unless it asks for exactly what is
  already stored: a double-submitted form is then a no-op).
- Double submissions of creation forms return the row the first submission created: the case
  row is locked and an identical row by the same author in the last minutes is reused.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ambito.core.services import istantanea, registra_evento
from ambito.territorio.models import Ente, TipoEnte
from ambito.utenti.selectors import Visibilita, ambito_visibilita

from .. import engine, siuss_codici
from ..models import (
    Caso,
    Firma,
    InterventoPianificato,
    Obiettivo,
    Progetto,
    StatoApprovazione,
    TipoProgetto,
    TipoValutazione,
    Valutazione,
    VersioneProgetto,
)
from ..selectors.visibilita import casi_visibili

MESSAGGIO_CONFLITTO = (
    "Il progetto è stato modificato da un altro operatore nel frattempo: "
    "ricaricare la pagina e riapplicare le modifiche."
)
FINESTRA_DOPPIO_INVIO = dt.timedelta(minutes=10)

# SINA attributes of the XSD -> fields of Valutazione.
CAMPI_SINA = {
    "Mobilita": "mobilita",
    "AttivitaVitaQuotidiana": "attivita_vita_quotidiana",
    "DisturbiAreaCognitiva": "disturbi_area_cognitiva",
    "DisturbiComportamentali": "disturbi_comportamentali",
    "NecessitaCureSanitarie": "necessita_cure_sanitarie",
    "AreaReddituale": "area_reddituale",
    "AreaSupporto": "area_supporto",
    "FonteDerivazioneValutazione": "fonte_derivazione_valutazione",
    "StrumentoValutazione": "strumento_valutazione",
    "FonteDerivazioneInvalidita": "fonte_derivazione_invalidita",
}
MODIFICABILI = (StatoApprovazione.BOZZA, StatoApprovazione.DA_APPROVARE)
CAMPI_VERSIONE = ("sintesi", "data_inizio", "data_fine", "revisione_ogni_mesi", "prossima_verifica")
CAMPI_OBIETTIVO = ("descrizione", "indicatore", "esito")
CAMPI_INTERVENTO = ("servizio_id", "erogatore_id", "quantita", "periodicita", "dal", "al")
PERIODICITA = {c for c, _ in InterventoPianificato._meta.get_field("periodicita").choices}
QUALITA_FIRMA = {c for c, _ in Firma._meta.get_field("qualita").choices}


class ConflittoRevisione(ValidationError):
    """The plan changed after the caller read it (optimistic lock)."""

    def __init__(self, message: str = MESSAGGIO_CONFLITTO):
        super().__init__(message, code="conflitto")


def _it(data: dt.date | None) -> str:
    return data.strftime("%d/%m/%Y") if data else ""


# --- who may do what -------------------------------------------------------------------------


def _vis(attore) -> Visibilita:
    return ambito_visibilita(attore)


def puo_scrivere(vis: Visibilita) -> bool:
    """Roles that write assessments and plans (the case must also be visible to them).
    Direzione reads everything and approves, but does not write case records."""
    return vis.is_coordinatore or vis.is_operatore


def coordina(vis: Visibilita, caso: Caso) -> bool:
    return vis.is_coordinatore and caso.servizio_id in vis.servizio_ids


def puo_approvare_valutazione(vis: Visibilita, valutazione: Valutazione) -> bool:
    """A coordinator of the case's service, or direzione; never the author."""
    if valutazione.creato_da_id == vis.utente_id:
        return False
    return vis.is_direzione or coordina(vis, valutazione.caso)


def puo_approvare_versione(vis: Visibilita, versione: VersioneProgetto, caso: Caso) -> bool:
    """A coordinator of the case's service who is not the author, or direzione."""
    if vis.is_direzione:
        return True
    return coordina(vis, caso) and versione.creato_da_id != vis.utente_id


def _verifica_scrittura(attore, caso: Caso) -> Visibilita:
    vis = _vis(attore)
    if not puo_scrivere(vis) or not casi_visibili(vis).filter(pk=caso.pk).exists():
        raise PermissionDenied("Non è consentito modificare la cartella di questo caso.")
    return vis


def _verifica_approvazione(attore, caso: Caso) -> Visibilita:
    """Approving needs only a visible case here; who may approve is decided by the callers."""
    vis = _vis(attore)
    if not casi_visibili(vis).filter(pk=caso.pk).exists():
        raise PermissionDenied("Non è consentito approvare nella cartella di questo caso.")
    return vis


def _caso_bloccato(caso: Caso) -> Caso:
    caso = Caso.objects.select_for_update().get(pk=caso.pk)
    if caso.annullato_il is not None:
        raise ValidationError("Il caso è stato annullato.")
    if caso.chiuso_il is not None:
        raise ValidationError(
            f"Il caso è chiuso dal {_it(caso.chiuso_il)}: riaprirlo prima di registrare nuovi dati."
        )
    return caso


# --- assessments -----------------------------------------------------------------------------


def _dati_valutazione(
    *, caso: Caso, tipo, data, testo, sina, sinba, necessita_interventi, invalidita_civile
) -> dict:
    """Validated field values of an assessment, or ValidationError with every problem."""
    errori = []
    if tipo not in TipoValutazione.values:
        raise ValidationError(
            "Tipo di valutazione non valido: indicare " + ", ".join(TipoValutazione.values) + "."
        )
    oggi = timezone.localdate()
    if not isinstance(data, dt.date):
        errori.append("Indicare la data della valutazione.")
    elif data > oggi:
        errori.append(f"La data della valutazione ({_it(data)}) non può essere nel futuro.")
    elif data < caso.data_apertura:
        errori.append(
            f"La data della valutazione ({_it(data)}) non può precedere l'apertura del caso "
            f"({_it(caso.data_apertura)})."
        )
    testo = (testo or "").strip()
    sina = dict(sina or {})
    sinba = dict(sinba or {})
    necessita_interventi = [str(c).strip() for c in (necessita_interventi or []) if str(c).strip()]
    invalidita_civile = [str(c).strip() for c in (invalidita_civile or []) if str(c).strip()]
    valori = {
        "tipo": tipo,
        "data": data,
        "testo": testo,
        **{campo: "" for campo in CAMPI_SINA.values()},
        "invalidita_civile": [],
        "necessita_interventi": [],
        "dati_sinba": {},
    }
    if tipo == TipoValutazione.UVM:
        if sinba:
            errori.append("I dati SINBA si indicano solo nella valutazione dei minori.")
        dati_xsd = {k: v for k, v in sina.items() if v not in (None, "")}
        if invalidita_civile:
            dati_xsd["InvCiv"] = invalidita_civile
        if necessita_interventi:
            dati_xsd["CodicePrestazione"] = necessita_interventi
        errori.extend(siuss_codici.valida_sina(dati_xsd))
        for attr, campo in CAMPI_SINA.items():
            valori[campo] = str(sina.get(attr) or "")
        valori["invalidita_civile"] = invalidita_civile
        valori["necessita_interventi"] = necessita_interventi
    elif tipo == TipoValutazione.MINORI:
        if not caso.minori:
            errori.append("La valutazione SINBA si compila solo per i casi dell'area minori.")
        if sina or invalidita_civile or necessita_interventi:
            errori.append("I dati SINA si indicano solo nella valutazione multidimensionale (UVM).")
        dati = {}
        for k, v in sinba.items():
            if isinstance(v, (list, tuple)):
                v = [str(x).strip() for x in v if str(x).strip()]
                if v:
                    dati[k] = v
            elif v not in (None, ""):
                dati[k] = str(v).strip()
        errori.extend(siuss_codici.valida_sinba(dati))
        valori["dati_sinba"] = dati
    else:
        if sina or sinba or invalidita_civile or necessita_interventi:
            errori.append(
                "La valutazione professionale non ha dati SINA o SINBA: usare il tipo UVM o minori."
            )
        if not testo:
            errori.append("Scrivere il testo della valutazione professionale.")
    if errori:
        raise ValidationError(errori)
    return valori


def crea_valutazione(
    *,
    caso: Caso,
    tipo: str,
    data: dt.date,
    attore,
    testo: str = "",
    sina: dict | None = None,
    sinba: dict | None = None,
    necessita_interventi: list | None = None,
    invalidita_civile: list | None = None,
) -> Valutazione:
    _verifica_scrittura(attore, caso)
    with transaction.atomic():
        caso = _caso_bloccato(caso)
        valori = _dati_valutazione(
            caso=caso,
            tipo=tipo,
            data=data,
            testo=testo,
            sina=sina,
            sinba=sinba,
            necessita_interventi=necessita_interventi,
            invalidita_civile=invalidita_civile,
        )
        # A double-submitted form: the first submission's row, not a second one.
        doppio = Valutazione.objects.filter(
            caso=caso,
            creato_da=attore,
            annullato_il__isnull=True,
            creato_il__gte=timezone.now() - FINESTRA_DOPPIO_INVIO,
            **valori,
        ).first()
        if doppio is not None:
            return doppio
        v = Valutazione.objects.create(ambito=caso.ambito, caso=caso, creato_da=attore, **valori)
        registra_evento(attore=attore, azione="valutazione.creata", oggetto=v, dopo=istantanea(v))
    return v


def modifica_valutazione(
    *,
    valutazione: Valutazione,
    attore,
    data: dt.date,
    testo: str = "",
    sina: dict | None = None,
    sinba: dict | None = None,
    necessita_interventi: list | None = None,
    invalidita_civile: list | None = None,
) -> Valutazione:
    """Change an assessment not yet approved (the type stays). One awaiting approval goes back
    to draft: the coordinator must approve what is there, not what was there."""
    _verifica_scrittura(attore, valutazione.caso)
    with transaction.atomic():
        v = Valutazione.objects.select_for_update().select_related("caso").get(pk=valutazione.pk)
        if v.stato not in MODIFICABILI:
            raise ValidationError(
                "La valutazione è già approvata: non si modifica più. Registrarne una nuova."
            )
        valori = _dati_valutazione(
            caso=v.caso,
            tipo=v.tipo,
            data=data,
            testo=testo,
            sina=sina,
            sinba=sinba,
            necessita_interventi=necessita_interventi,
            invalidita_civile=invalidita_civile,
        )
        prima = istantanea(v)
        for campo, valore in valori.items():
            setattr(v, campo, valore)
        v.stato = StatoApprovazione.BOZZA
        v.save()
        dopo = istantanea(v)
        if {k: x for k, x in prima.items() if k != "aggiornato_il"} != {
            k: x for k, x in dopo.items() if k != "aggiornato_il"
        }:
            registra_evento(attore=attore, azione="valutazione.modificata", oggetto=v, prima=prima, dopo=dopo)
    return v


def invia_in_approvazione(*, valutazione: Valutazione, attore) -> Valutazione:
    _verifica_scrittura(attore, valutazione.caso)
    with transaction.atomic():
        v = Valutazione.objects.select_for_update().get(pk=valutazione.pk)
        if v.stato == StatoApprovazione.DA_APPROVARE:
            return v
        if v.stato != StatoApprovazione.BOZZA:
            raise ValidationError("Solo una valutazione in bozza si invia in approvazione.")
        prima = istantanea(v)
        v.stato = StatoApprovazione.DA_APPROVARE
        v.save(update_fields=["stato", "aggiornato_il"])
        registra_evento(
            attore=attore, azione="valutazione.inviata", oggetto=v, prima=prima, dopo=istantanea(v)
        )
    return v


def approva_valutazione(*, valutazione: Valutazione, attore) -> Valutazione:
    vis = _verifica_approvazione(attore, valutazione.caso)
    with transaction.atomic():
        v = Valutazione.objects.select_for_update().select_related("caso").get(pk=valutazione.pk)
        if v.stato == StatoApprovazione.APPROVATA:
            raise ValidationError(
                f"La valutazione è già stata approvata il {_it(timezone.localdate(v.approvata_il))}."
            )
        if v.stato not in MODIFICABILI or v.annullato_il is not None:
            raise ValidationError("Questa valutazione non può essere approvata.")
        if v.creato_da_id == attore.pk:
            raise PermissionDenied("Chi ha redatto la valutazione non può approvarla.")
        if not puo_approvare_valutazione(vis, v):
            raise PermissionDenied(
                "La valutazione la approva un coordinatore del servizio del caso o la direzione."
            )
        prima = istantanea(v)
        v.stato = StatoApprovazione.APPROVATA
        v.approvata_da = attore
        v.approvata_il = timezone.now()
        v.save(update_fields=["stato", "approvata_da", "approvata_il", "aggiornato_il"])
        registra_evento(
            attore=attore, azione="valutazione.approvata", oggetto=v, prima=prima, dopo=istantanea(v)
        )
    return v


# --- the plan --------------------------------------------------------------------------------


def _id(valore):
    if valore is None or valore == "":
        return None
    return getattr(valore, "pk", valore)


def _normalizza_obiettivi(obiettivi) -> list[dict]:
    out = []
    for o in obiettivi or []:
        descrizione = (o.get("descrizione") or "").strip()
        if not descrizione:
            continue
        out.append(
            {
                "id": _id(o.get("id")),
                "descrizione": descrizione,
                "indicatore": (o.get("indicatore") or "").strip(),
                "esito": (o.get("esito") or "").strip(),
            }
        )
    return out


def _normalizza_interventi(caso: Caso, interventi, errori: list[str]) -> list[dict]:
    from ambito.catalogo.models import Servizio

    grezzi = list(interventi or [])
    servizi = {
        s.pk: s
        for s in Servizio.objects.filter(
            ambito_id=caso.ambito_id,
            pk__in=[_id(i.get("servizio")) for i in grezzi if _id(i.get("servizio"))],
        )
    }
    enti = {
        e.pk: e
        for e in Ente.objects.filter(
            ambito_id=caso.ambito_id,
            pk__in=[_id(i.get("erogatore")) for i in grezzi if _id(i.get("erogatore"))],
        )
    }
    out = []
    for n, i in enumerate(grezzi, start=1):
        riga = f"Intervento previsto n. {n}"
        servizio_id = _id(i.get("servizio"))
        erogatore_id = _id(i.get("erogatore"))
        if servizio_id is None or servizio_id not in servizi:
            errori.append(f"{riga}: indicare un servizio dell'Ambito.")
        if erogatore_id is not None and (
            erogatore_id not in enti or enti[erogatore_id].tipo != TipoEnte.EROGATORE
        ):
            errori.append(f"{riga}: l'erogatore deve essere un ente erogatore dell'Ambito.")
        try:
            quantita = Decimal(str(i.get("quantita")))
        except (InvalidOperation, TypeError, ValueError):
            quantita = None
        if quantita is None or not quantita.is_finite():
            errori.append(f"{riga}: indicare la quantità prevista.")
            quantita = None
        elif quantita <= 0:
            errori.append(f"{riga}: la quantità prevista deve essere maggiore di zero.")
        elif quantita != quantita.quantize(Decimal("0.01")) or quantita >= Decimal("100000000"):
            errori.append(f"{riga}: la quantità ha al massimo due decimali e otto cifre intere.")
        periodicita = i.get("periodicita") or "totale"
        if periodicita not in PERIODICITA:
            errori.append(f"{riga}: periodicità non valida (settimana, mese o totale).")
        dal, al = i.get("dal"), i.get("al") or None
        if not isinstance(dal, dt.date):
            errori.append(f"{riga}: indicare la data di inizio.")
        out.append(
            {
                "id": _id(i.get("id")),
                "servizio_id": servizio_id,
                "erogatore_id": erogatore_id,
                "quantita": quantita.quantize(Decimal("0.01"))
                if quantita is not None and quantita.is_finite()
                else quantita,
                "periodicita": periodicita,
                "dal": dal,
                "al": al,
            }
        )
    return out


def _valida_versione(caso: Caso, campi: dict, obiettivi: list, interventi_grezzi) -> tuple[list, list]:
    errori: list[str] = []
    if not campi["sintesi"]:
        errori.append("Scrivere la sintesi del bisogno e del progetto.")
    inizio, fine = campi["data_inizio"], campi["data_fine"]
    mesi = campi["revisione_ogni_mesi"]
    if not isinstance(inizio, dt.date):
        errori.append("Indicare la data di inizio del progetto.")
        inizio = None
    elif inizio < caso.data_apertura:
        errori.append(
            f"L'inizio del progetto ({_it(inizio)}) non può precedere l'apertura del caso "
            f"({_it(caso.data_apertura)})."
        )
    if not isinstance(mesi, int) or isinstance(mesi, bool) or not 1 <= mesi <= 36:
        errori.append("La verifica si fa ogni 1-36 mesi: indicare un numero di mesi valido.")
    if inizio and fine and fine < inizio:
        errori.append(f"La fine del progetto ({_it(fine)}) non può precedere l'inizio ({_it(inizio)}).")
    verifica = campi["prossima_verifica"]
    if inizio and isinstance(verifica, dt.date):
        if verifica < inizio:
            errori.append(
                f"La data della prossima verifica ({_it(verifica)}) non può precedere l'inizio "
                f"del progetto ({_it(inizio)})."
            )
    interventi = _normalizza_interventi(caso, interventi_grezzi, errori)
    for n, i in enumerate(interventi, start=1):
        if inizio is None or not isinstance(i["dal"], dt.date):
            continue
        if fine and i["al"] is None:
            i["al"] = fine
        riga = f"Intervento previsto n. {n}"
        if i["al"] is not None and i["al"] < i["dal"]:
            errori.append(f"{riga}: la fine ({_it(i['al'])}) non può precedere l'inizio ({_it(i['dal'])}).")
        if i["dal"] < inizio or (fine and (i["dal"] > fine or (i["al"] and i["al"] > fine))):
            periodo = f"dal {_it(inizio)}" + (f" al {_it(fine)}" if fine else "")
            errori.append(f"{riga}: il periodo deve stare dentro quello del progetto ({periodo}).")
    if errori:
        raise ValidationError(errori)
    return obiettivi, interventi


def _campi_versione(*, sintesi, data_inizio, data_fine, revisione_ogni_mesi, prossima_verifica) -> dict:
    campi = {
        "sintesi": (sintesi or "").strip(),
        "data_inizio": data_inizio,
        "data_fine": data_fine or None,
        "revisione_ogni_mesi": revisione_ogni_mesi,
        "prossima_verifica": prossima_verifica or None,
    }
    if (
        campi["prossima_verifica"] is None
        and isinstance(data_inizio, dt.date)
        and isinstance(revisione_ogni_mesi, int)
        and 1 <= revisione_ogni_mesi <= 36
    ):
        campi["prossima_verifica"] = engine.aggiungi_mesi(data_inizio, revisione_ogni_mesi)
    return campi


def _crea_righe(versione: VersioneProgetto, obiettivi: list[dict], interventi: list[dict], attore) -> None:
    Obiettivo.objects.bulk_create(
        [
            Obiettivo(
                ambito_id=versione.ambito_id,
                versione=versione,
                creato_da=attore,
                ordine=n,
                **{k: o[k] for k in CAMPI_OBIETTIVO},
            )
            for n, o in enumerate(obiettivi)
        ]
    )
    InterventoPianificato.objects.bulk_create(
        [
            InterventoPianificato(
                ambito_id=versione.ambito_id,
                versione=versione,
                creato_da=attore,
                **{k: i[k] for k in CAMPI_INTERVENTO},
            )
            for i in interventi
        ]
    )


def istantanea_versione(versione: VersioneProgetto) -> dict:
    """The content of a version (fields, goals, interventions) for audit and comparison."""
    return {
        **istantanea(versione),
        "obiettivi": [
            {"id": o.pk, **{k: getattr(o, k) for k in CAMPI_OBIETTIVO}}
            for o in versione.obiettivi.filter(annullato_il__isnull=True).order_by("ordine", "id")
        ],
        "interventi": [
            {"id": i.pk, **{k: istantanea(i)[k] for k in CAMPI_INTERVENTO}}
            for i in versione.interventi.filter(annullato_il__isnull=True).order_by("dal", "id")
        ],
    }


def crea_progetto(
    *,
    caso: Caso,
    tipo: str,
    sintesi: str,
    data_inizio: dt.date,
    revisione_ogni_mesi: int,
    attore,
    obiettivi: list[dict] | None = None,
    interventi: list[dict] | None = None,
    data_fine: dt.date | None = None,
    prossima_verifica: dt.date | None = None,
) -> Progetto:
    """A new plan with its version 1 in draft. Goals: dicts with descrizione, indicatore, esito;
    interventions: dicts with servizio, erogatore, quantita, periodicita, dal, al."""
    _verifica_scrittura(attore, caso)
    if tipo not in TipoProgetto.values:
        raise ValidationError("Tipo di progetto non valido: indicare " + ", ".join(TipoProgetto.values) + ".")
    with transaction.atomic():
        caso = _caso_bloccato(caso)
        campi = _campi_versione(
            sintesi=sintesi,
            data_inizio=data_inizio,
            data_fine=data_fine,
            revisione_ogni_mesi=revisione_ogni_mesi,
            prossima_verifica=prossima_verifica,
        )
        obiettivi, interventi = _valida_versione(caso, campi, _normalizza_obiettivi(obiettivi), interventi)
        doppio = (
            VersioneProgetto.objects.filter(
                progetto__caso=caso,
                progetto__tipo=tipo,
                numero=1,
                creato_da=attore,
                creato_il__gte=timezone.now() - FINESTRA_DOPPIO_INVIO,
                **campi,
            )
            .select_related("progetto")
            .first()
        )
        if doppio is not None:
            return doppio.progetto
        progetto = Progetto.objects.create(ambito=caso.ambito, caso=caso, tipo=tipo, creato_da=attore)
        versione = VersioneProgetto.objects.create(
            ambito=caso.ambito, progetto=progetto, numero=1, creato_da=attore, **campi
        )
        _crea_righe(versione, obiettivi, interventi, attore)
        registra_evento(
            attore=attore,
            azione="progetto.creato",
            oggetto=progetto,
            dopo={"progetto": istantanea(progetto), "versione": istantanea_versione(versione)},
        )
    return progetto


def versione_corrente(progetto: Progetto) -> VersioneProgetto:
    return progetto.versioni.filter(annullato_il__isnull=True).order_by("-numero").first()


def _contenuto(campi: dict, obiettivi: list[dict], interventi: list[dict]) -> dict:
    """What a version says, comparable regardless of row ids."""
    return {
        **{k: campi[k] for k in CAMPI_VERSIONE},
        "obiettivi": [tuple(o[k] for k in CAMPI_OBIETTIVO) for o in obiettivi],
        "interventi": sorted(
            tuple(str(i[k]) if i[k] is not None else "" for k in CAMPI_INTERVENTO) for i in interventi
        ),
    }


def _contenuto_versione(v: VersioneProgetto) -> dict:
    s = istantanea_versione(v)
    campi = {k: getattr(v, k) for k in CAMPI_VERSIONE}
    interventi = [
        {
            **i,
            "quantita": Decimal(i["quantita"]),
            "dal": dt.date.fromisoformat(i["dal"]),
            "al": dt.date.fromisoformat(i["al"]) if i["al"] else None,
        }
        for i in s["interventi"]
    ]
    return _contenuto(campi, s["obiettivi"], interventi)


_NON_INDICATO = object()


def modifica_progetto(
    *,
    progetto: Progetto,
    revisione_attesa: int,
    attore,
    tipo=_NON_INDICATO,
    sintesi=_NON_INDICATO,
    data_inizio=_NON_INDICATO,
    data_fine=_NON_INDICATO,
    revisione_ogni_mesi=_NON_INDICATO,
    prossima_verifica=_NON_INDICATO,
    obiettivi=_NON_INDICATO,
    interventi=_NON_INDICATO,
) -> Progetto:
    """Change a plan. Fields not given stay as they are; `obiettivi` and `interventi`, when given,
    are the complete new lists (items with the `id` of an existing row keep it while editing a draft).
    A changed start or review interval recomputes the next review unless one is given."""
    _verifica_scrittura(attore, progetto.caso)
    with transaction.atomic():
        p = Progetto.objects.select_for_update().select_related("caso").get(pk=progetto.pk)
        _caso_bloccato(p.caso)
        corrente = versione_corrente(p)
        attuale = {k: getattr(corrente, k) for k in CAMPI_VERSIONE}
        ricalcola = prossima_verifica is _NON_INDICATO and (
            (data_inizio is not _NON_INDICATO and data_inizio != attuale["data_inizio"])
            or (
                revisione_ogni_mesi is not _NON_INDICATO
                and revisione_ogni_mesi != attuale["revisione_ogni_mesi"]
            )
        )
        nuovi = {
            "sintesi": attuale["sintesi"] if sintesi is _NON_INDICATO else sintesi,
            "data_inizio": attuale["data_inizio"] if data_inizio is _NON_INDICATO else data_inizio,
            "data_fine": attuale["data_fine"] if data_fine is _NON_INDICATO else data_fine,
            "revisione_ogni_mesi": attuale["revisione_ogni_mesi"]
            if revisione_ogni_mesi is _NON_INDICATO
            else revisione_ogni_mesi,
            "prossima_verifica": None
            if ricalcola
            else (attuale["prossima_verifica"] if prossima_verifica is _NON_INDICATO else prossima_verifica),
        }
        campi = _campi_versione(**nuovi)
        prima_v = istantanea_versione(corrente)
        if obiettivi is _NON_INDICATO:
            obiettivi = prima_v["obiettivi"]
        if interventi is _NON_INDICATO:
            interventi = [
                {
                    **i,
                    "servizio": i["servizio_id"],
                    "erogatore": i["erogatore_id"],
                    "dal": dt.date.fromisoformat(i["dal"]),
                    "al": dt.date.fromisoformat(i["al"]) if i["al"] else None,
                }
                for i in prima_v["interventi"]
            ]
        nuovo_tipo = p.tipo if tipo is _NON_INDICATO else tipo
        if nuovo_tipo not in TipoProgetto.values:
            raise ValidationError("Tipo di progetto non valido.")
        obiettivi, interventi = _valida_versione(p.caso, campi, _normalizza_obiettivi(obiettivi), interventi)

        invariato = nuovo_tipo == p.tipo and _contenuto(campi, obiettivi, interventi) == _contenuto_versione(
            corrente
        )
        if invariato:
            # Nothing to change: also the second submission of a form already applied.
            return p
        if revisione_attesa is None or int(revisione_attesa) != p.revisione:
            raise ConflittoRevisione()

        prima = {"progetto": istantanea(p), "versione": prima_v}
        if corrente.stato in MODIFICABILI:
            versione = corrente
            for k, v in campi.items():
                setattr(versione, k, v)
            versione.stato = StatoApprovazione.BOZZA
            versione.save()
            _sostituisci_righe(versione, obiettivi, interventi, attore)
            azione = "progetto.modificato"
        else:
            versione = VersioneProgetto.objects.create(
                ambito=p.ambito, progetto=p, numero=corrente.numero + 1, creato_da=attore, **campi
            )
            for o in obiettivi:
                o["id"] = None
            _crea_righe(versione, obiettivi, interventi, attore)
            azione = "progetto.nuova_versione"
        p.tipo = nuovo_tipo
        p.revisione += 1
        p.save(update_fields=["tipo", "revisione", "aggiornato_il"])
        registra_evento(
            attore=attore,
            azione=azione,
            oggetto=p,
            prima=prima,
            dopo={"progetto": istantanea(p), "versione": istantanea_versione(versione)},
        )
    return p


def _sostituisci_righe(
    versione: VersioneProgetto, obiettivi: list[dict], interventi: list[dict], attore
) -> None:
    """Edit a draft's goals and interventions in place: rows named by id are updated, new ones
    created, the others withdrawn (annullate, never deleted)."""
    adesso = timezone.now()
    for modello, nuovi, campi in (
        (Obiettivo, obiettivi, CAMPI_OBIETTIVO),
        (InterventoPianificato, interventi, CAMPI_INTERVENTO),
    ):
        esistenti = {r.pk: r for r in modello.objects.filter(versione=versione, annullato_il__isnull=True)}
        tenuti = set()
        da_creare = []
        for n, dati in enumerate(nuovi):
            riga = esistenti.get(dati.get("id"))
            if riga is None or riga.pk in tenuti:
                da_creare.append((n, dati))
                continue
            tenuti.add(riga.pk)
            cambiati = [k for k in campi if getattr(riga, k) != dati[k]]
            if modello is Obiettivo and riga.ordine != n:
                riga.ordine = n
                cambiati.append("ordine")
            if cambiati:
                for k in cambiati:
                    if k != "ordine":
                        setattr(riga, k, dati[k])
                riga.save()
        for pk, riga in esistenti.items():
            if pk not in tenuti:
                riga.annullato_il = adesso
                riga.motivo_annullamento = "Tolto dalla bozza del progetto."
                riga.save(update_fields=["annullato_il", "motivo_annullamento", "aggiornato_il"])
        if modello is Obiettivo:
            Obiettivo.objects.bulk_create(
                [
                    Obiettivo(
                        ambito_id=versione.ambito_id,
                        versione=versione,
                        creato_da=attore,
                        ordine=n,
                        **{k: o[k] for k in CAMPI_OBIETTIVO},
                    )
                    for n, o in da_creare
                ]
            )
        else:
            _crea_righe(versione, [], [d for _, d in da_creare], attore)


def invia_versione_in_approvazione(*, versione: VersioneProgetto, attore) -> VersioneProgetto:
    _verifica_scrittura(attore, versione.progetto.caso)
    with transaction.atomic():
        p = Progetto.objects.select_for_update().get(pk=versione.progetto_id)
        v = VersioneProgetto.objects.get(pk=versione.pk)
        if v.stato == StatoApprovazione.DA_APPROVARE:
            return v
        if v.stato != StatoApprovazione.BOZZA:
            raise ValidationError("Solo una versione in bozza si invia in approvazione.")
        prima = istantanea(v)
        v.stato = StatoApprovazione.DA_APPROVARE
        v.save(update_fields=["stato", "aggiornato_il"])
        p.revisione += 1
        p.save(update_fields=["revisione", "aggiornato_il"])
        registra_evento(attore=attore, azione="progetto.inviato", oggetto=p, prima=prima, dopo=istantanea(v))
    return v


def approva_versione(
    *, versione: VersioneProgetto, attore, revisione_attesa: int | None = None
) -> VersioneProgetto:
    """Approve the plan's current version; the version approved before becomes "superata"."""
    vis = _verifica_approvazione(attore, versione.progetto.caso)
    with transaction.atomic():
        p = Progetto.objects.select_for_update().select_related("caso").get(pk=versione.progetto_id)
        v = VersioneProgetto.objects.get(pk=versione.pk)
        if revisione_attesa is not None and int(revisione_attesa) != p.revisione:
            raise ConflittoRevisione()
        if v.stato == StatoApprovazione.APPROVATA:
            raise ValidationError(f"La versione {v.numero} è già approvata.")
        if v.stato not in MODIFICABILI or v.annullato_il is not None:
            raise ValidationError(f"La versione {v.numero} non può essere approvata.")
        if versione_corrente(p).pk != v.pk:
            raise ValidationError(f"La versione {v.numero} non è più l'ultima del progetto.")
        if not puo_approvare_versione(vis, v, p.caso):
            if v.creato_da_id == attore.pk and coordina(vis, p.caso):
                raise PermissionDenied("Chi ha redatto la versione non può approvarla (salvo la direzione).")
            raise PermissionDenied(
                "Il progetto lo approva un coordinatore del servizio del caso o la direzione."
            )
        if not v.obiettivi.filter(annullato_il__isnull=True).exists():
            raise ValidationError(
                "Un progetto senza obiettivi non può essere approvato: indicarne almeno uno."
            )
        adesso = timezone.now()
        superate = list(p.versioni.filter(stato=StatoApprovazione.APPROVATA).exclude(pk=v.pk))
        for s in superate:
            prima_s = istantanea(s)
            s.stato = StatoApprovazione.SUPERATA
            s.save(update_fields=["stato", "aggiornato_il"])
            registra_evento(
                attore=attore,
                azione="progetto.versione_superata",
                oggetto=s,
                prima=prima_s,
                dopo=istantanea(s),
            )
        prima = istantanea(v)
        v.stato = StatoApprovazione.APPROVATA
        v.approvata_da = attore
        v.approvata_il = adesso
        v.save(update_fields=["stato", "approvata_da", "approvata_il", "aggiornato_il"])
        p.revisione += 1
        p.save(update_fields=["revisione", "aggiornato_il"])
        registra_evento(
            attore=attore, azione="progetto.approvato", oggetto=v, prima=prima, dopo=istantanea(v)
        )
    return v


def registra_firma(
    *, versione: VersioneProgetto, firmatario: str, qualita: str, data: dt.date, attore
) -> Firma:
    """The person's or family's signature on an approved version, recorded as a fact."""
    _verifica_scrittura(attore, versione.progetto.caso)
    firmatario = " ".join((firmatario or "").split())
    errori = []
    if not firmatario:
        errori.append("Indicare chi ha firmato.")
    if qualita not in QUALITA_FIRMA:
        errori.append("Indicare in quale qualità ha firmato (interessato, genitore, tutore, familiare).")
    with transaction.atomic():
        v = VersioneProgetto.objects.select_for_update().get(pk=versione.pk)
        if v.stato != StatoApprovazione.APPROVATA:
            raise ValidationError(
                f"Si firma solo la versione approvata in vigore: la versione {v.numero} è "
                f"«{v.get_stato_display().lower()}»."
            )
        creata = timezone.localdate(v.creato_il)
        if not isinstance(data, dt.date):
            errori.append("Indicare la data della firma.")
        elif data > timezone.localdate():
            errori.append(f"La data della firma ({_it(data)}) non può essere nel futuro.")
        elif data < creata:
            errori.append(
                f"La data della firma ({_it(data)}) non può precedere la redazione "
                f"della versione ({_it(creata)})."
            )
        if errori:
            raise ValidationError(errori)
        esistente = Firma.objects.filter(
            versione=v, firmatario__iexact=firmatario, qualita=qualita, data=data, annullato_il__isnull=True
        ).first()
        if esistente is not None:
            return esistente
        f = Firma.objects.create(
            ambito=v.ambito, versione=v, firmatario=firmatario, qualita=qualita, data=data, creato_da=attore
        )
        registra_evento(attore=attore, azione="progetto.firma", oggetto=f, dopo=istantanea(f))
    return f
