"""Edits of a draft version's inputs from the browser, and copies of a version.

Each edit reads the version's stored input, changes one value, and hands the new `DatiRiparto`
to `services.ricalcola_versione`, which recomputes every Comune's bill, rewrites the workbook
and audits the totals before and after. Values are parsed here with Italian messages; an edit
that changes nothing stores nothing (so a form posted twice gives the same figures).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ambito.core.formats import numero_it
from ambito.core.services import istantanea, registra_evento

from . import engine as e
from . import services as s
from .models import CartellaRiparto, TipoVersione, VersioneBilancio

MASSIMO = Decimal("1e13")  # fits the DecimalField(16, 2) of the stored rows
RE_CODICE_FONDO = re.compile(r"[A-Z0-9][A-Z0-9_.\-]{0,39}")
# the order budget versions follow within a year; a copy defaults to the next type
ORDINE_TIPI = [
    TipoVersione.PREVENTIVO,
    TipoVersione.ASSESTAMENTO,
    TipoVersione.PRECONSUNTIVO,
    TipoVersione.CONSUNTIVO,
]


# ------------------------------------------------------------------------------------ parsing


def numero(valore, cosa: str, *, decimali: int = 2, intero: bool = False) -> Decimal:
    """A non-negative number typed by a person: "1.234,56", "1234,56", "1234.56" or "110.000".

    Without a comma, dots in groups of three are Italian thousands separators ("110.000" is
    110000, never 110), otherwise a single dot is the decimal point.
    """
    if isinstance(valore, Decimal | int) and not isinstance(valore, bool):
        d = Decimal(valore)
    else:
        t = str(valore or "").strip().replace("€", "").replace(" ", "").replace("\u00a0", "")
        if not t:
            raise ValidationError(f"{cosa}: indicare un valore.")
        if "," in t:
            t = t.replace(".", "").replace(",", ".")
        elif re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", t):
            t = t.replace(".", "")
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", t):
            raise ValidationError(f"{cosa}: «{valore}» non è un numero.")
        try:
            d = Decimal(t)
        except InvalidOperation:  # pragma: no cover - the regex already guards
            raise ValidationError(f"{cosa}: «{valore}» non è un numero.") from None
    if not d.is_finite():
        raise ValidationError(f"{cosa}: «{valore}» non è un numero.")
    if d < 0:
        raise ValidationError(f"{cosa}: il valore non può essere negativo.")
    if d >= MASSIMO:
        raise ValidationError(f"{cosa}: valore troppo grande.")
    if intero and d != d.to_integral_value():
        raise ValidationError(f"{cosa}: indicare un numero intero.")
    if d.as_tuple().exponent < -decimali and d != d.quantize(Decimal(1).scaleb(-decimali)):
        raise ValidationError(f"{cosa}: al massimo {decimali} decimali.")
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d


def euro(x: Decimal | None, decimali: int = 2) -> str:
    """Italian money text: 1234.5 → "1.234,50 €"."""
    if x is None:
        return "—"
    return f"{numero_it(x, decimali)} €"


def cifra(x: Decimal | None) -> str:
    """Italian number text without unit: 39253 → "39.253", 0.14 → "0,14"."""
    if x is None:
        return "—"
    d = Decimal(x)
    decimali = max(0, -d.normalize().as_tuple().exponent) if d != d.to_integral_value() else 0
    return f"{d:,.{decimali}f}".replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def _segno(x: Decimal) -> str:
    testo = euro(abs(x), 0)
    return f"+{testo}" if x > 0 else f"−{testo}"


# ------------------------------------------------------------------------------------ result


@dataclass(frozen=True)
class EsitoModifica:
    versione: VersioneBilancio
    descrizione: str  # "Costo diretto di CAT: 121.517,00 € → 131.517,00 €"
    variazioni: tuple[tuple[str, str, Decimal], ...] = ()  # (ISTAT, name, change of the total)
    cambiato: bool = True

    @property
    def messaggio(self) -> str:
        if not self.cambiato:
            return f"{self.descrizione}: il valore è già questo, nulla da ricalcolare."
        if not self.variazioni:
            return f"{self.descrizione}. Ricalcolato: nessun totale dei Comuni è cambiato."
        voci = [f"{nome} {_segno(d)}" for _c, nome, d in self.variazioni[:10]]
        altri = len(self.variazioni) - 10
        coda = f" e altri {altri} Comuni" if altri > 0 else ""
        return f"{self.descrizione}. Ricalcolato: {', '.join(voci)}{coda}."


def _totali(v: VersioneBilancio) -> dict[str, Decimal]:
    return {c: Decimal(t) for c, t in s._totali_per_comune(v).items()}


def _bozza(versione: VersioneBilancio) -> tuple[VersioneBilancio, e.DatiRiparto]:
    """The version locked for the whole edit (two edits at once cannot lose one) and its input."""
    v = VersioneBilancio.objects.select_for_update().select_related("esercizio").get(pk=versione.pk)
    if v.approvata:
        raise ValidationError(
            f"La versione «{v.nome}» è approvata: i suoi dati non si possono modificare "
            "(duplicarla per modificarla)."
        )
    return v, s.dati_versione(v)


def _applica(
    v: VersioneBilancio,
    vecchi: e.DatiRiparto,
    nuovi: e.DatiRiparto,
    *,
    azione: str,
    descrizione: str,
    dettagli: dict,
    attore,
) -> EsitoModifica:
    """Recompute, store and audit `nuovi`; an edit that sets the values already there gives data
    equal to `vecchi`, and nothing is recomputed or recorded."""
    if nuovi == vecchi:
        return EsitoModifica(versione=v, descrizione=descrizione, cambiato=False)
    prima = _totali(v)
    s.ricalcola_versione(
        versione=v, dati=nuovi, attore=attore, azione=azione, descrizione=descrizione, dettagli=dettagli
    )
    dopo = _totali(v)
    nomi = nuovi.nomi_comuni
    variazioni = [
        (c, nomi.get(c, c), dopo.get(c, Decimal(0)) - prima.get(c, Decimal(0)))
        for c in sorted(set(prima) | set(dopo))
    ]
    variazioni = sorted(((c, n, d) for c, n, d in variazioni if d), key=lambda r: (-abs(r[2]), r[1]))
    return EsitoModifica(versione=v, descrizione=descrizione, variazioni=tuple(variazioni))


def _servizio(dati: e.DatiRiparto, codice: str) -> e.Servizio:
    for x in dati.servizi:
        if x.codice == codice:
            return x
    raise ValidationError(f"Servizio sconosciuto: «{codice}».")


def _nome(dati: e.DatiRiparto, comune: str) -> str:
    return dati.nomi_comuni.get(comune, comune)


# ------------------------------------------------------------------------------------- edits


@transaction.atomic
def modifica_costo(*, versione: VersioneBilancio, servizio: str, costo, attore) -> EsitoModifica:
    """Set a service's direct cost."""
    v, dati = _bozza(versione)
    sv = _servizio(dati, servizio)
    nuovo = numero(costo, f"Costo diretto di {sv.codice}")
    vecchio = dati.costi_diretti.get(sv.codice, Decimal(0))
    costi = dict(dati.costi_diretti)
    costi[sv.codice] = nuovo
    return _applica(
        v,
        dati,
        dataclasses.replace(dati, costi_diretti=costi) if nuovo != vecchio else dati,
        azione="gestione.modifica_costo",
        descrizione=f"Costo diretto di {sv.codice}: {euro(vecchio)} → {euro(nuovo)}",
        dettagli={"servizio": sv.codice, "campo": "costo_diretto", "prima": vecchio, "dopo": nuovo},
        attore=attore,
    )


@transaction.atomic
def modifica_fondo(
    *, versione: VersioneBilancio, servizio: str, fondo: str, importo, attore
) -> EsitoModifica:
    """Set the amount of fund `fondo` on a service, adding the row if missing.

    A fund restricted to some Comuni stays restricted to them, also on a new row: the workbook
    records restrictions per fund code (sheet `fondi_vincolati`).
    """
    v, dati = _bozza(versione)
    sv = _servizio(dati, servizio)
    codice = (fondo or "").strip().upper()
    if not RE_CODICE_FONDO.fullmatch(codice):
        raise ValidationError(
            "Codice del fondo non valido: lettere maiuscole, cifre e trattino basso (es. FNPS), "
            "al massimo 40 caratteri."
        )
    nuovo = numero(importo, f"Fondo {codice} su {sv.codice}")
    righe = [i for i, f in enumerate(dati.fondi) if f.servizio == sv.codice and f.codice == codice]
    if len(righe) > 1:
        raise ValidationError(
            f"Il fondo {codice} ha più righe sul servizio {sv.codice}: modificare la cartella."
        )
    fondi = list(dati.fondi)
    if righe:
        vecchio = fondi[righe[0]].importo
        fondi[righe[0]] = dataclasses.replace(fondi[righe[0]], importo=nuovo)
    else:
        vecchio = None
        comuni = frozenset().union(*(f.comuni for f in dati.fondi if f.codice == codice))
        fondi.append(e.Fondo(codice=codice, servizio=sv.codice, importo=nuovo, comuni=comuni))
    vincolo = fondi[righe[0] if righe else -1].comuni
    nota = f" (vincolato a {', '.join(sorted(_nome(dati, c) for c in vincolo))})" if vincolo else ""
    prima_testo = euro(vecchio) if vecchio is not None else "nuovo"
    return _applica(
        v,
        dati,
        dataclasses.replace(dati, fondi=tuple(fondi)),
        azione="gestione.modifica_fondo",
        descrizione=f"Fondo {codice} su {sv.codice}{nota}: {prima_testo} → {euro(nuovo)}",
        dettagli={
            "servizio": sv.codice,
            "fondo": codice,
            "comuni": sorted(vincolo),
            "prima": vecchio,
            "dopo": nuovo,
        },
        attore=attore,
    )


@transaction.atomic
def rimuovi_fondo(*, versione: VersioneBilancio, servizio: str, fondo: str, attore) -> EsitoModifica:
    """Remove the row of fund `fondo` from a service."""
    v, dati = _bozza(versione)
    sv = _servizio(dati, servizio)
    codice = (fondo or "").strip().upper()
    righe = [f for f in dati.fondi if f.servizio == sv.codice and f.codice == codice]
    if not righe:
        raise ValidationError(f"Il fondo {codice or '?'} non è sul servizio {sv.codice}: nulla da togliere.")
    vecchio = sum((f.importo for f in righe), Decimal(0))
    fondi = tuple(f for f in dati.fondi if not (f.servizio == sv.codice and f.codice == codice))
    return _applica(
        v,
        dati,
        dataclasses.replace(dati, fondi=fondi),
        azione="gestione.modifica_fondo",
        descrizione=f"Fondo {codice} su {sv.codice}: {euro(vecchio)} → tolto",
        dettagli={"servizio": sv.codice, "fondo": codice, "prima": vecchio, "dopo": None},
        attore=attore,
    )


@transaction.atomic
def modifica_popolazione(
    *, versione: VersioneBilancio, data: str, comune: str, abitanti, attore
) -> EsitoModifica:
    """Set a Comune's residents at one of the input's reference dates."""
    v, dati = _bozza(versione)
    if data not in dati.popolazione:
        date = ", ".join(sorted(dati.popolazione)) or "nessuna"
        raise ValidationError(f"Data di riferimento sconosciuta: «{data}» (date della versione: {date}).")
    snap = dict(dati.popolazione[data])
    noti = set(snap) | {c for cs in dati.conferimenti.values() for c in cs}
    if comune not in noti:
        raise ValidationError(f"Comune sconosciuto in questa versione: «{comune}».")
    nuovo = numero(abitanti, f"Abitanti di {_nome(dati, comune)} al {data}", decimali=0, intero=True)
    vecchio = snap.get(comune)
    snap[comune] = nuovo
    popolazione = {**dati.popolazione, data: snap}
    return _applica(
        v,
        dati,
        dataclasses.replace(dati, popolazione=popolazione),
        azione="gestione.modifica_popolazione",
        descrizione=f"Abitanti di {_nome(dati, comune)} al {data}: {cifra(vecchio)} → {cifra(nuovo)}",
        dettagli={"data": data, "comune": comune, "prima": vecchio, "dopo": nuovo},
        attore=attore,
    )


def servizi_a_consumo(dati: e.DatiRiparto) -> list[e.Servizio]:
    """The services whose split uses units consumed."""
    return [x for x in dati.servizi if x.metodo in e.METODI_CONSUMO | e.METODI_MISTI]


@transaction.atomic
def modifica_consumo(
    *, versione: VersioneBilancio, servizio: str, comune: str, unita, attore
) -> EsitoModifica:
    """Set the units of a service consumed by a Comune that confers it."""
    v, dati = _bozza(versione)
    sv = _servizio(dati, servizio)
    if sv not in servizi_a_consumo(dati):
        raise ValidationError(f"Il servizio {sv.codice} non si ripartisce al consumo.")
    if comune not in dati.conferimenti.get(sv.codice, frozenset()):
        raise ValidationError(f"Il Comune «{_nome(dati, comune)}» non conferisce il servizio {sv.codice}.")
    nuovo = numero(unita, f"Unità di {sv.codice} di {_nome(dati, comune)}", decimali=4)
    vecchio = dati.consumi.get((sv.codice, comune), Decimal(0))
    consumi = dict(dati.consumi)
    consumi[(sv.codice, comune)] = nuovo
    return _applica(
        v,
        dati,
        dataclasses.replace(dati, consumi=consumi),
        azione="gestione.modifica_consumo",
        descrizione=(
            f"Consumo di {sv.codice} di {_nome(dati, comune)}: {cifra(vecchio)} → {cifra(nuovo)} unità"
        ),
        dettagli={"servizio": sv.codice, "comune": comune, "prima": vecchio, "dopo": nuovo},
        attore=attore,
    )


MONTE, ALIQUOTA, NESSUNO = "monte", "aliquota", "nessuno"


@transaction.atomic
def modifica_costi_indiretti(*, versione: VersioneBilancio, tipo: str, valore, attore) -> EsitoModifica:
    """Set the overhead: a pool split pro rata to direct cost, or a rate on it (0..1), or none.

    The two are alternatives (the engine prefers the pool), so setting one clears the other.
    Services with a special overhead amount are not affected.
    """
    v, dati = _bozza(versione)
    if tipo == MONTE:
        monte, aliquota = numero(valore, "Totale dei costi indiretti"), None
    elif tipo == ALIQUOTA:
        monte, aliquota = None, numero(valore, "Aliquota dei costi indiretti", decimali=6)
        if aliquota > 1:
            raise ValidationError("Aliquota dei costi indiretti: indicare una frazione tra 0 e 1 (es. 0,14).")
    elif tipo == NESSUNO:
        monte = aliquota = None
    else:
        raise ValidationError("Tipo di costi indiretti non valido: totale da ripartire, aliquota o nessuno.")

    def testo(m, a):
        if m is not None:
            return f"totale {euro(m)}"
        if a is not None:
            return f"aliquota {cifra(a)}"
        return "nessuno"

    prima, dopo = testo(dati.costi_indiretti, dati.aliquota_costi_indiretti), testo(monte, aliquota)
    nuovi = dataclasses.replace(dati, costi_indiretti=monte, aliquota_costi_indiretti=aliquota)
    return _applica(
        v,
        dati,
        nuovi,
        azione="gestione.modifica_costi_indiretti",
        descrizione=f"Costi indiretti: {prima} → {dopo}",
        dettagli={
            "campo": "costi_indiretti",
            "prima": {"monte": dati.costi_indiretti, "aliquota": dati.aliquota_costi_indiretti},
            "dopo": {"monte": monte, "aliquota": aliquota},
        },
        attore=attore,
    )


@transaction.atomic
def modifica_costi_indiretti_servizio(
    *, versione: VersioneBilancio, servizio: str, importo, attore
) -> EsitoModifica:
    """Set a service's special overhead amount; empty = the service takes its share of the pool."""
    v, dati = _bozza(versione)
    sv = _servizio(dati, servizio)
    vuoto = importo is None or (isinstance(importo, str) and not importo.strip())
    nuovo = None if vuoto else numero(importo, f"Costi indiretti speciali di {sv.codice}")
    vecchio = sv.costi_indiretti_speciali
    servizi = tuple(
        dataclasses.replace(x, costi_indiretti_speciali=nuovo) if x.codice == sv.codice else x
        for x in dati.servizi
    )
    return _applica(
        v,
        dati,
        dataclasses.replace(dati, servizi=servizi),
        azione="gestione.modifica_costi_indiretti",
        descrizione=(
            f"Costi indiretti speciali di {sv.codice}: "
            f"{euro(vecchio) if vecchio is not None else 'quota del totale'} → "
            f"{euro(nuovo) if nuovo is not None else 'quota del totale'}"
        ),
        dettagli={
            "servizio": sv.codice,
            "campo": "costi_indiretti_speciali",
            "prima": vecchio,
            "dopo": nuovo,
        },
        attore=attore,
    )


# -------------------------------------------------------------------------------------- copy


def tipo_successivo(tipo: str) -> str:
    """preventivo → assestamento → preconsuntivo → consuntivo (a consuntivo stays consuntivo)."""
    i = ORDINE_TIPI.index(tipo) if tipo in ORDINE_TIPI else 0
    return ORDINE_TIPI[min(i + 1, len(ORDINE_TIPI) - 1)]


@transaction.atomic
def copia_versione(*, versione: VersioneBilancio, nome: str, tipo: str, attore) -> VersioneBilancio:
    """A new draft version of the same year with the same inputs, computed (e.g. an assestamento
    from the approved preventivo): the way a budget moves on once a version is frozen."""
    origine = VersioneBilancio.objects.select_related("esercizio", "ambito").get(pk=versione.pk)
    nome = (nome or "").strip()
    if not nome:
        raise ValidationError("Il nome della nuova versione è obbligatorio.")
    if len(nome) > 120:
        raise ValidationError("Il nome della versione ha al massimo 120 caratteri.")
    if tipo not in TipoVersione.values:
        raise ValidationError("Tipo di versione non valido.")
    if VersioneBilancio.objects.filter(esercizio=origine.esercizio, nome__iexact=nome).exists():
        raise ValidationError(
            f"Esiste già una versione «{nome}» nell'esercizio {origine.esercizio.anno}: "
            "scegliere un altro nome."
        )
    cartella = CartellaRiparto.objects.filter(versione=origine).first()
    if cartella is None:
        raise ValidationError(f"La versione «{origine.nome}» non ha ancora un riparto: nulla da duplicare.")
    dati = s.dati_da_json(cartella.dati)
    try:
        risultato = e.calcola(dati)
    except e.ErroreRiparto as exc:
        raise ValidationError(list(exc.errori)) from None
    comuni = s._comuni_dell_ambito(origine.ambito, s._codici_dati(dati), lambda c: dati.nomi_comuni.get(c, c))
    try:
        with transaction.atomic():  # the same form posted twice at once: one wins, one is told
            nuova = VersioneBilancio.objects.create(
                ambito=origine.ambito, esercizio=origine.esercizio, nome=nome, tipo=tipo
            )
    except IntegrityError:
        raise ValidationError(f"Esiste già una versione «{nome}» in questo esercizio.") from None
    s._salva_riparto(
        nuova,
        dati=dati,
        parametri=dict(cartella.parametri),
        risultato=risultato,
        comuni=comuni,
        contenuto=bytes(cartella.contenuto),
        nome_file=cartella.nome_file,
        attore=attore,
    )
    registra_evento(
        attore=attore,
        azione="gestione.copia_versione",
        oggetto=nuova,
        prima={"da_versione": origine.pk, "nome": origine.nome, "sha256": cartella.sha256},
        dopo=istantanea(nuova),
    )
    return nuova
