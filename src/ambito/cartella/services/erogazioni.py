"""Writes of the case record: erogazioni. Keyword-only, one transaction, audited.

Interventions, their deliveries (amount split into quota ente / utente / SSN, quota ente split
across funds) and the activity log. Bad input raises Django's `ValidationError` with Italian
messages keyed by field name (the pages put them on the form, the API answers 422); a record
outside the actor's scope raises `PermissionDenied`. `attore=None` is the system (loaders,
demo): scope checks are skipped, every data check still applies.

Double submissions: a delivery overlapping another is refused, so the same form sent twice
cannot create two rows; when the second copy is identical to a row the same actor wrote a
moment ago, that row is returned instead of an error (idempotent retries, API included).
The same holds for interventions and activity entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from ambito.catalogo.selectors import codice_per
from ambito.core.formats import numero_it
from ambito.core.services import istantanea, registra_evento
from ambito.fondi.models import Fondo
from ambito.territorio.models import Ente, TipoEnte
from ambito.utenti.selectors import ambito_visibilita

from ..engine import CENTESIMO, errori_finanziamento, errori_quote
from ..models import (
    Attivita,
    Caso,
    Erogazione,
    FinanziamentoErogazione,
    Intervento,
    Isee,
    TipoAttivita,
)
from ..selectors.visibilita import casi_visibili, interventi_visibili

PRESENZA_PROVA_MEZZI = {
    "1": "Prestazione soggetta a ISEE",
    "2": "Soggetta a prova dei mezzi non ISEE",
    "3": "Soggetta a ISEE ma esentata per il beneficiario",
    "4": "Non soggetta a prova dei mezzi",
}
CARATTERE_PRESTAZIONE = {"1": "Periodico", "2": "Occasionale (unica soluzione)"}
TABELLA_PROVA_MEZZI = "siuss_presenza_prova_mezzi"
TABELLA_CARATTERE = "siuss_carattere_prestazione"
# A second identical write by the same actor within this window is a double submission.
FINESTRA_DOPPIO_INVIO = dt.timedelta(minutes=2)
ORE_MASSIME_GIORNO = Decimal("24")


def _d(data: dt.date | None) -> str:
    return data.strftime("%d/%m/%Y") if data else ""


def _periodo(dal: dt.date, al: dt.date | None) -> str:
    return f"dal {_d(dal)} al {_d(al)}" if al else f"dal {_d(dal)}"


def _decimale(valore, campo: str, errori: dict) -> Decimal | None:
    if valore is None or valore == "":
        return None
    try:
        d = valore if isinstance(valore, Decimal) else Decimal(str(valore))
    except (InvalidOperation, ValueError):
        errori.setdefault(campo, []).append("Non è un numero valido.")
        return None
    if not d.is_finite():
        errori.setdefault(campo, []).append("Non è un numero valido.")
        return None
    return d


def _alza(errori: dict) -> None:
    if errori:
        raise ValidationError(errori)


def _oggi() -> dt.date:
    return timezone.localdate()


def _vis(attore):
    return ambito_visibilita(attore) if attore is not None else None


def _controlla_caso_visibile(attore, caso: Caso) -> None:
    if attore is None:
        return
    vis = _vis(attore)
    if not casi_visibili(vis).filter(pk=caso.pk).exists():
        raise PermissionDenied("Presa in carico non accessibile.")


def _controlla_intervento_visibile(attore, intervento: Intervento) -> None:
    if attore is None:
        return
    if not interventi_visibili(_vis(attore)).filter(pk=intervento.pk).exists():
        raise PermissionDenied("Intervento non accessibile.")


def _blocca_intervento(intervento: Intervento) -> Intervento:
    """Re-read the intervention under a row lock: writes on one intervention are serialised,
    so two concurrent submissions cannot both pass the overlap check."""
    return Intervento.objects.select_for_update().get(pk=intervento.pk)


def _recente(qs, attore):
    if attore is None:
        return None
    return qs.filter(creato_da=attore, creato_il__gte=timezone.now() - FINESTRA_DOPPIO_INVIO).first()


# --- interventions -----------------------------------------------------------------------------


def isee_valido(persona_id: int, data: dt.date) -> Isee | None:
    """The person's most recent non-annulled ISEE valid on `data` (DSU filed by then, not expired)."""
    return (
        Isee.objects.filter(
            persona_id=persona_id, annullato_il__isnull=True, data_dsu__lte=data, scadenza__gte=data
        )
        .order_by("-data_dsu", "-id")
        .first()
    )


@transaction.atomic
def avvia_intervento(
    *,
    caso: Caso,
    servizio,
    dal: dt.date,
    al: dt.date | None = None,
    erogatore: Ente | None = None,
    quantita_prevista=None,
    intervento_pianificato=None,
    presenza_prova_mezzi: str | None = None,
    carattere_prestazione: str | None = None,
    isee: Isee | None = None,
    protocollo_domanda: str = "",
    attore,
) -> Intervento:
    """Start an intervention on an open case. SIUSS attributes default from the service's
    crosswalk at `dal`; an ISEE-based one (PresenzaProvaMezzi 1) needs an ISEE valid at `dal`
    (the most recent is taken when none is given)."""
    caso = Caso.objects.select_for_update().get(pk=caso.pk)
    _controlla_caso_visibile(attore, caso)
    errori: dict[str, list[str]] = {}

    def errore(campo, msg):
        errori.setdefault(campo, []).append(msg)

    if caso.annullato_il is not None or caso.chiuso_il is not None:
        errore("__all__", "La presa in carico è chiusa: riaprirla prima di avviare un intervento.")
    if servizio is None or servizio.ambito_id != caso.ambito_id:
        errore("servizio", "Scegliere un servizio del catalogo dell'Ambito.")
    if dal is None:
        errore("dal", "Indicare la data di inizio.")
    else:
        if dal < caso.data_apertura:
            errore(
                "dal",
                f"L'intervento non può iniziare prima dell'apertura del caso ({_d(caso.data_apertura)}).",
            )
        if al is not None and al < dal:
            errore("al", "La data di fine è precedente a quella di inizio.")
    if erogatore is not None and (
        erogatore.ambito_id != caso.ambito_id or erogatore.tipo != TipoEnte.EROGATORE
    ):
        errore("erogatore", "L'erogatore deve essere un ente erogatore dell'Ambito.")
    qp = _decimale(quantita_prevista, "quantita_prevista", errori)
    if qp is not None and (qp < 0 or qp != qp.quantize(CENTESIMO)):
        errore(
            "quantita_prevista", "La quantità prevista non può essere negativa e ha al massimo due decimali."
        )
    if intervento_pianificato is not None:
        if intervento_pianificato.versione.progetto.caso_id != caso.pk:
            errore("intervento_pianificato", "L'intervento previsto appartiene al progetto di un altro caso.")
    protocollo_domanda = (protocollo_domanda or "").strip()
    if len(protocollo_domanda) > 32:
        errore("protocollo_domanda", "Il protocollo della domanda ha al massimo 32 caratteri.")
    _alza(errori)

    ppm = (presenza_prova_mezzi or "").strip()
    if not ppm:
        voce = codice_per(servizio, TABELLA_PROVA_MEZZI, dal)
        ppm = voce.codice if voce else ""
        if not ppm:
            errore(
                "presenza_prova_mezzi",
                "Indicare la presenza della prova dei mezzi (SIUSS): il catalogo non la prevede per "
                f"il servizio «{servizio.nome}» al {_d(dal)}.",
            )
    if ppm and ppm not in PRESENZA_PROVA_MEZZI:
        errore(
            "presenza_prova_mezzi", f"Presenza della prova dei mezzi «{ppm}» non valida: valori ammessi 1-4."
        )
    cp = (carattere_prestazione or "").strip()
    if not cp:
        voce = codice_per(servizio, TABELLA_CARATTERE, dal)
        cp = voce.codice if voce else ""
        if not cp:
            errore(
                "carattere_prestazione",
                "Indicare il carattere della prestazione (SIUSS): il catalogo non lo prevede per "
                f"il servizio «{servizio.nome}» al {_d(dal)}.",
            )
    if cp and cp not in CARATTERE_PRESTAZIONE:
        errore(
            "carattere_prestazione", f"Carattere della prestazione «{cp}» non valido: valori ammessi 1 o 2."
        )
    if isee is not None:
        if isee.persona_id != caso.persona_id or isee.annullato_il is not None:
            errore("isee", "L'ISEE indicato non è un'attestazione valida della persona.")
        elif not (isee.data_dsu <= dal <= isee.scadenza):
            errore("isee", f"L'ISEE indicato non è valido al {_d(dal)} (scade il {_d(isee.scadenza)}).")
    elif ppm == "1":
        isee = isee_valido(caso.persona_id, dal)
    if ppm == "1" and isee is None and "isee" not in errori:
        errore(
            "isee",
            "La prestazione è soggetta a ISEE: registrare un'attestazione ISEE della persona "
            f"valida al {_d(dal)}.",
        )
    _alza(errori)

    doppio = _recente(
        Intervento.objects.filter(caso=caso, servizio=servizio, dal=dal, al=al, erogatore=erogatore).filter(
            annullato_il__isnull=True
        ),
        attore,
    )
    if doppio is not None:
        return doppio
    intervento = Intervento.objects.create(
        ambito_id=caso.ambito_id,
        caso=caso,
        servizio=servizio,
        erogatore=erogatore,
        intervento_pianificato=intervento_pianificato,
        dal=dal,
        al=al,
        quantita_prevista=qp,
        presenza_prova_mezzi=ppm,
        carattere_prestazione=cp,
        isee=isee,
        protocollo_domanda=protocollo_domanda,
        creato_da=attore,
    )
    registra_evento(
        attore=attore,
        azione="cartella.intervento.avvia",
        oggetto=intervento,
        dopo=istantanea(intervento),
        descrizione=f"Intervento {servizio.codice} · caso {caso.pk}",
    )
    return intervento


@transaction.atomic
def chiudi_intervento(*, intervento: Intervento, al: dt.date, attore) -> Intervento:
    """Set the end of an intervention; deliveries and activity already recorded must fit in it."""
    intervento = _blocca_intervento(intervento)
    _controlla_intervento_visibile(attore, intervento)
    if intervento.annullato_il is not None:
        raise ValidationError("L'intervento è annullato.")
    if al is None:
        raise ValidationError({"al": ["Indicare la data di fine."]})
    if al < intervento.dal:
        raise ValidationError({"al": [f"La data di fine è precedente all'inizio ({_d(intervento.dal)})."]})
    ultima = (
        Erogazione.objects.filter(intervento=intervento, annullato_il__isnull=True, al__gt=al)
        .order_by("-al")
        .first()
    )
    if ultima is not None:
        raise ValidationError(
            {"al": [f"Esiste un'erogazione {_periodo(ultima.dal, ultima.al)}: la fine non può precederla."]}
        )
    if Attivita.objects.filter(intervento=intervento, annullato_il__isnull=True, data__gt=al).exists():
        raise ValidationError({"al": ["Esistono attività registrate dopo questa data."]})
    prima = istantanea(intervento)
    intervento.al = al
    intervento.save(update_fields=["al", "aggiornato_il"])
    registra_evento(
        attore=attore,
        azione="cartella.intervento.chiudi",
        oggetto=intervento,
        prima=prima,
        dopo=istantanea(intervento),
    )
    return intervento


# --- deliveries --------------------------------------------------------------------------------


def _valida_erogazione(
    *,
    intervento: Intervento,
    dal,
    al,
    data_erogazione,
    quantita,
    importo,
    quota_ente,
    quota_utente,
    quota_ssn,
    finanziamenti,
    escludi_pk: int | None = None,
    fondi_gia_usati: Iterable[int] = (),
) -> dict:
    """All checks of a delivery; returns the clean values or raises ValidationError."""
    errori: dict[str, list[str]] = {}

    def errore(campo, msg):
        errori.setdefault(campo, []).append(msg)

    if intervento.annullato_il is not None:
        errore("__all__", "L'intervento è annullato: non si registrano erogazioni.")
    if dal is None:
        errore("dal", "Indicare l'inizio del periodo.")
    if al is None:
        errore("al", "Indicare la fine del periodo.")
    if dal is not None and al is not None:
        if al < dal:
            errore("al", "La fine del periodo è precedente all'inizio.")
        if dal < intervento.dal or (intervento.al is not None and al > intervento.al):
            errore(
                "dal",
                f"Il periodo dell'erogazione ({_periodo(dal, al)}) deve stare nel periodo dell'intervento "
                f"({_periodo(intervento.dal, intervento.al)}).",
            )
    if data_erogazione is None:
        errore("data_erogazione", "Indicare la data di erogazione.")
    elif data_erogazione > _oggi():
        errore("data_erogazione", "La data di erogazione non può essere nel futuro.")
    valori = {}
    for campo, valore, obbligatorio in (
        ("quantita", quantita, True),
        ("importo", importo, True),
        ("quota_ente", quota_ente, True),
        ("quota_utente", quota_utente, False),
        ("quota_ssn", quota_ssn, False),
    ):
        d = _decimale(valore, campo, errori)
        if d is None and campo not in errori:
            if obbligatorio:
                errore(campo, "Campo obbligatorio.")
            d = Decimal("0")
        valori[campo] = d
    q = valori["quantita"]
    if q is not None and (q < 0 or q != q.quantize(CENTESIMO)):
        errore("quantita", "La quantità non può essere negativa e ha al massimo due decimali.")
    if all(valori[c] is not None for c in ("importo", "quota_ente", "quota_utente", "quota_ssn")):
        for msg in errori_quote(
            importo=valori["importo"],
            quota_ente=valori["quota_ente"],
            quota_utente=valori["quota_utente"],
            quota_ssn=valori["quota_ssn"],
        ):
            errore("importo", msg)

    # Funding split: each fund of the Ambito, active (or already on the corrected row), once.
    parti: list[tuple[Fondo, Decimal]] = []
    visti: set[int] = set()
    fondi_gia_usati = set(fondi_gia_usati)
    for n, (fondo, valore) in enumerate(finanziamenti or [], start=1):
        if fondo is None:
            errore("finanziamenti", f"Riga {n}: scegliere il fondo.")
            continue
        if fondo.ambito_id != intervento.ambito_id:
            errore("finanziamenti", f"Il fondo «{fondo.codice}» non è un fondo di questo Ambito.")
            continue
        if not fondo.attivo and fondo.pk not in fondi_gia_usati:
            errore("finanziamenti", f"Il fondo «{fondo.codice}» non è attivo.")
        if fondo.pk in visti:
            errore("finanziamenti", f"Il fondo «{fondo.codice}» è indicato due volte.")
        visti.add(fondo.pk)
        d = _decimale(valore, "finanziamenti", errori)
        if d is None:
            if "finanziamenti" not in errori:
                errore("finanziamenti", f"Indicare l'importo del fondo «{fondo.codice}».")
            continue
        parti.append((fondo, d))
    if valori["quota_ente"] is not None and "finanziamenti" not in errori:
        for msg in errori_finanziamento(quota_ente=valori["quota_ente"], parti=[p for _, p in parti]):
            errore("finanziamenti", msg)

    if not errori:
        sovrapposta = (
            Erogazione.objects.filter(
                intervento=intervento, annullato_il__isnull=True, dal__lte=al, al__gte=dal
            )
            .exclude(pk=escludi_pk)
            .order_by("dal")
            .first()
        )
        if sovrapposta is not None:
            errore(
                "dal",
                f"Il periodo si sovrappone a un'altra erogazione dello stesso intervento "
                f"({_periodo(sovrapposta.dal, sovrapposta.al)}).",
            )
    _alza(errori)
    return {
        "dal": dal,
        "al": al,
        "data_erogazione": data_erogazione,
        **valori,
        "finanziamenti": parti,
    }


def _istantanea_erogazione(erogazione: Erogazione) -> dict:
    dati = istantanea(erogazione)
    dati["finanziamenti"] = [
        {"fondo": f.fondo_id, "importo": str(f.importo)}
        for f in FinanziamentoErogazione.objects.filter(erogazione=erogazione).order_by("fondo_id")
    ]
    return dati


def _crea_erogazione(*, intervento, valori: dict, sostituisce, attore) -> Erogazione:
    parti = valori.pop("finanziamenti")
    erogazione = Erogazione.objects.create(
        ambito_id=intervento.ambito_id,
        intervento=intervento,
        sostituisce=sostituisce,
        creato_da=attore,
        **valori,
    )
    FinanziamentoErogazione.objects.bulk_create(
        [FinanziamentoErogazione(erogazione=erogazione, fondo=f, importo=i) for f, i in parti]
    )
    return erogazione


def _stessa_erogazione(qs, valori: dict, parti) -> Erogazione | None:
    """A row of `qs` with exactly these values and funds (a double submission)."""
    for e in qs.filter(
        dal=valori["dal"],
        al=valori["al"],
        data_erogazione=valori["data_erogazione"],
        quantita=valori["quantita"],
        importo=valori["importo"],
        quota_ente=valori["quota_ente"],
        quota_utente=valori["quota_utente"],
        quota_ssn=valori["quota_ssn"],
    ):
        if sorted((f.fondo_id, f.importo) for f in e.finanziamenti.all()) == sorted(
            (f.pk, i) for f, i in parti
        ):
            return e
    return None


@transaction.atomic
def registra_erogazione(
    *,
    intervento: Intervento,
    dal: dt.date,
    al: dt.date,
    data_erogazione: dt.date,
    quantita,
    importo,
    quota_ente,
    quota_utente=0,
    quota_ssn=0,
    finanziamenti: Iterable[tuple[Fondo, Decimal]] = (),
    attore,
) -> Erogazione:
    """Record a delivery with its funding rows, in one transaction."""
    intervento = _blocca_intervento(intervento)
    _controlla_intervento_visibile(attore, intervento)
    argomenti = {
        "dal": dal,
        "al": al,
        "data_erogazione": data_erogazione,
        "quantita": quantita,
        "importo": importo,
        "quota_ente": quota_ente,
        "quota_utente": quota_utente,
        "quota_ssn": quota_ssn,
        "finanziamenti": list(finanziamenti or []),
    }
    try:
        valori = _valida_erogazione(intervento=intervento, **argomenti)
    except ValidationError:
        # The same form sent twice: the second copy overlaps the first; hand back the first.
        ripetuta = _recente_identica(intervento, argomenti, attore) if attore is not None else None
        if ripetuta is not None:
            return ripetuta
        raise
    erogazione = _crea_erogazione(intervento=intervento, valori=valori, sostituisce=None, attore=attore)
    registra_evento(
        attore=attore,
        azione="cartella.erogazione.registra",
        oggetto=erogazione,
        dopo=_istantanea_erogazione(erogazione),
        descrizione=f"Erogazione {_periodo(erogazione.dal, erogazione.al)} · intervento {intervento.pk}",
    )
    return erogazione


_IMPORTI = ("quantita", "importo", "quota_ente", "quota_utente", "quota_ssn")


def _recente_identica(intervento, argomenti: dict, attore) -> Erogazione | None:
    """A delivery identical to `argomenti` that `attore` wrote a moment ago, if any."""
    try:
        valori = {
            k: Decimal(str(argomenti[k] or 0)) if k in _IMPORTI else argomenti[k]
            for k in ("dal", "al", "data_erogazione", *_IMPORTI)
        }
        parti = [(f, Decimal(str(i))) for f, i in argomenti["finanziamenti"] if f is not None]
    except (InvalidOperation, ValueError, TypeError):
        return None
    qs = Erogazione.objects.filter(
        intervento=intervento,
        annullato_il__isnull=True,
        creato_da=attore,
        creato_il__gte=timezone.now() - FINESTRA_DOPPIO_INVIO,
    ).prefetch_related("finanziamenti")
    return _stessa_erogazione(qs, valori, parti)


def _motivo(motivo: str) -> str:
    motivo = (motivo or "").strip()
    if not motivo:
        raise ValidationError({"motivo": ["Indicare il motivo."]})
    return motivo


CAMPI_CORREGGIBILI = {
    "dal",
    "al",
    "data_erogazione",
    "quantita",
    "importo",
    "quota_ente",
    "quota_utente",
    "quota_ssn",
    "finanziamenti",
}


@transaction.atomic
def correggi_erogazione(*, erogazione: Erogazione, motivo: str, attore, **nuovi_valori) -> Erogazione:
    """Annul `erogazione` with the reason and write its replacement (`sostituisce`), atomically:
    if the new values are invalid nothing changes. Values not given are kept from the original."""
    ignoti = set(nuovi_valori) - CAMPI_CORREGGIBILI
    if ignoti:
        raise TypeError(f"Campi non correggibili: {', '.join(sorted(ignoti))}")
    motivo = _motivo(motivo)
    intervento = _blocca_intervento(erogazione.intervento)
    _controlla_intervento_visibile(attore, intervento)
    originale = Erogazione.objects.select_for_update().get(pk=erogazione.pk)
    vecchi_fondi = list(originale.finanziamenti.select_related("fondo"))
    valori = {
        "dal": originale.dal,
        "al": originale.al,
        "data_erogazione": originale.data_erogazione,
        "quantita": originale.quantita,
        "importo": originale.importo,
        "quota_ente": originale.quota_ente,
        "quota_utente": originale.quota_utente,
        "quota_ssn": originale.quota_ssn,
        "finanziamenti": [(f.fondo, f.importo) for f in vecchi_fondi],
    }
    valori.update(nuovi_valori)
    valori["finanziamenti"] = list(valori["finanziamenti"] or [])
    if originale.annullato_il is not None:
        # A double submission of the same correction: return the replacement already written.
        if attore is not None:
            sostituta = _stessa_erogazione(
                Erogazione.objects.filter(
                    sostituisce=originale,
                    annullato_il__isnull=True,
                    creato_da=attore,
                    creato_il__gte=timezone.now() - FINESTRA_DOPPIO_INVIO,
                ),
                valori,
                valori["finanziamenti"],
            )
            if sostituta is not None:
                return sostituta
        raise ValidationError("L'erogazione è già stata annullata: correggere quella che la sostituisce.")
    pulito = _valida_erogazione(
        intervento=intervento,
        escludi_pk=originale.pk,
        fondi_gia_usati=[f.fondo_id for f in vecchi_fondi],
        **valori,
    )
    prima = _istantanea_erogazione(originale)
    originale.segna_annullato(motivo)
    nuova = _crea_erogazione(intervento=intervento, valori=pulito, sostituisce=originale, attore=attore)
    registra_evento(
        attore=attore,
        azione="cartella.erogazione.annulla",
        oggetto=originale,
        prima=prima,
        dopo={**_istantanea_erogazione(originale), "sostituita_da": nuova.pk},
        descrizione=f"Correzione: {motivo}"[:300],
    )
    registra_evento(
        attore=attore,
        azione="cartella.erogazione.correggi",
        oggetto=nuova,
        prima=prima,
        dopo=_istantanea_erogazione(nuova),
        descrizione=f"Sostituisce l'erogazione {originale.pk}: {motivo}"[:300],
    )
    # The caller's object reflects the annulment.
    erogazione.annullato_il, erogazione.motivo_annullamento = originale.annullato_il, motivo
    return nuova


@transaction.atomic
def annulla_erogazione(*, erogazione: Erogazione, motivo: str, attore) -> Erogazione:
    """Withdraw a delivery (it stays readable, struck through, with the reason)."""
    motivo = _motivo(motivo)
    intervento = _blocca_intervento(erogazione.intervento)
    _controlla_intervento_visibile(attore, intervento)
    originale = Erogazione.objects.select_for_update().get(pk=erogazione.pk)
    if originale.annullato_il is not None:
        raise ValidationError("L'erogazione è già annullata.")
    prima = _istantanea_erogazione(originale)
    originale.segna_annullato(motivo)
    registra_evento(
        attore=attore,
        azione="cartella.erogazione.annulla",
        oggetto=originale,
        prima=prima,
        dopo=_istantanea_erogazione(originale),
        descrizione=motivo[:300],
    )
    erogazione.annullato_il, erogazione.motivo_annullamento = originale.annullato_il, motivo
    return originale


# --- activity log ------------------------------------------------------------------------------


def _solo_erogatore(vis) -> bool:
    return vis.is_ente_erogatore and not (
        vis.is_operatore or vis.is_coordinatore or vis.is_direzione or vis.is_operatore_comunale
    )


@transaction.atomic
def registra_attivita(
    *,
    intervento: Intervento,
    operatore,
    data: dt.date,
    tipo: str,
    ore=0,
    accessi=0,
    note: str = "",
    attore,
) -> Attivita:
    """Hours and visits of `operatore` on `data`. A provider records only on the interventions
    of its own Ente, an operator only on the interventions of cases it may open."""
    intervento = _blocca_intervento(intervento)
    if attore is not None:
        vis = _vis(attore)
        if _solo_erogatore(vis):
            if vis.ente_erogatore_id is None or intervento.erogatore_id != vis.ente_erogatore_id:
                raise PermissionDenied("L'intervento non è affidato al vostro ente.")
            if operatore is not None and operatore.pk != attore.pk:
                vis_op = _vis(operatore)
                if vis_op.ente_erogatore_id != vis.ente_erogatore_id:
                    raise PermissionDenied("L'operatore non appartiene al vostro ente.")
        elif not casi_visibili(vis).filter(pk=intervento.caso_id).exists():
            raise PermissionDenied("Intervento non accessibile.")
    errori: dict[str, list[str]] = {}

    def errore(campo, msg):
        errori.setdefault(campo, []).append(msg)

    if intervento.annullato_il is not None:
        errore("__all__", "L'intervento è annullato.")
    if operatore is None or operatore.ambito_id != intervento.ambito_id:
        errore("operatore", "Indicare un operatore dell'Ambito.")
    if data is None:
        errore("data", "Indicare la data.")
    else:
        if data > _oggi():
            errore("data", "La data non può essere nel futuro.")
        if data < intervento.dal or (intervento.al is not None and data > intervento.al):
            errore(
                "data",
                "La data deve stare nel periodo dell'intervento "
                f"({_periodo(intervento.dal, intervento.al)}).",
            )
    if tipo not in TipoAttivita.values:
        errore("tipo", "Scegliere il tipo di attività.")
    ore_d = _decimale(ore if ore not in (None, "") else 0, "ore", errori)
    if ore_d is not None:
        if ore_d < 0 or ore_d > ORE_MASSIME_GIORNO:
            errore("ore", "Le ore devono essere tra 0 e 24.")
        elif (ore_d * 4) != (ore_d * 4).to_integral_value():
            errore("ore", "Le ore si indicano al quarto d'ora (es. 1,25 = un'ora e un quarto).")
    try:
        accessi_i = int(accessi or 0)
    except (TypeError, ValueError):
        accessi_i = None
        errore("accessi", "Il numero di accessi non è valido.")
    if accessi_i is not None and accessi_i < 0:
        errore("accessi", "Il numero di accessi non può essere negativo.")
    if ore_d is not None and accessi_i is not None and ore_d == 0 and accessi_i == 0:
        errore("ore", "Indicare le ore o il numero di accessi.")
    note = (note or "").strip()
    _alza(errori)

    doppio = _recente(
        Attivita.objects.filter(
            intervento=intervento,
            operatore=operatore,
            data=data,
            tipo=tipo,
            ore=ore_d,
            accessi=accessi_i,
            note=note,
            annullato_il__isnull=True,
        ),
        attore,
    )
    if doppio is not None:
        return doppio
    # Serialise the operator's day across interventions (lock the user row), then the 24-hour rule.
    get_user_model().objects.select_for_update().filter(pk=operatore.pk).first()
    gia = Attivita.objects.filter(operatore=operatore, data=data, annullato_il__isnull=True).aggregate(
        t=Sum("ore")
    )["t"] or Decimal("0")
    if gia + ore_d > ORE_MASSIME_GIORNO:
        raise ValidationError(
            {
                "ore": [
                    f"{operatore.get_full_name() or operatore.username} ha già {numero_it(gia)} ore "
                    f"registrate il {_d(data)}: con queste si supererebbero le 24 ore nella giornata."
                ]
            }
        )
    attivita = Attivita.objects.create(
        ambito_id=intervento.ambito_id,
        intervento=intervento,
        operatore=operatore,
        data=data,
        tipo=tipo,
        ore=ore_d,
        accessi=accessi_i,
        note=note,
        creato_da=attore,
    )
    registra_evento(
        attore=attore,
        azione="cartella.attivita.registra",
        oggetto=attivita,
        dopo=istantanea(attivita),
        descrizione=f"Attività {_d(data)} · intervento {intervento.pk}",
    )
    return attivita


@transaction.atomic
def annulla_attivita(*, attivita: Attivita, motivo: str, attore) -> Attivita:
    """Withdraw an activity entry; a provider only its own Ente's."""
    motivo = _motivo(motivo)
    attivita = Attivita.objects.select_for_update().select_related("intervento").get(pk=attivita.pk)
    if attore is not None:
        vis = _vis(attore)
        if _solo_erogatore(vis):
            if attivita.intervento.erogatore_id != vis.ente_erogatore_id:
                raise PermissionDenied("L'intervento non è affidato al vostro ente.")
        elif not casi_visibili(vis).filter(pk=attivita.intervento.caso_id).exists():
            raise PermissionDenied("Intervento non accessibile.")
    if attivita.annullato_il is not None:
        raise ValidationError("L'attività è già annullata.")
    prima = istantanea(attivita)
    attivita.segna_annullato(motivo)
    registra_evento(
        attore=attore,
        azione="cartella.attivita.annulla",
        oggetto=attivita,
        prima=prima,
        dopo=istantanea(attivita),
    )
    return attivita


__all__ = [
    "CARATTERE_PRESTAZIONE",
    "PRESENZA_PROVA_MEZZI",
    "annulla_attivita",
    "annulla_erogazione",
    "avvia_intervento",
    "chiudi_intervento",
    "correggi_erogazione",
    "isee_valido",
    "registra_attivita",
    "registra_erogazione",
]
