"""Pure part of the accounting import (no Django): reading files, checking rows, the cost centre ×
category table, the comparison of two versions and the move of costs into the riparto's input.

Reading is all-or-nothing: every function that checks rows collects every problem as an
`Errore` (file, row, column, Italian message) and raises `ErroriFile` with all of them, so
the caller stores nothing. All money is `Decimal` with at most two decimals.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, Decimal

from ambito.core.errori import ErroriElenco, con_posizione
from ambito.core.formats import numero_da_cella, numero_it
from ambito.gestione import engine as ge

ZERO = Decimal(0)
CENTESIMO = Decimal("0.01")
COSTO, RICAVO = "costo", "ricavo"
SERVIZIO, STRUTTURA = "servizio", "struttura"


# ------------------------------------------------------------------------------------------ errors


@dataclass(frozen=True)
class Errore:
    riga: int | None
    colonna: str | None
    messaggio: str
    file: str = ""

    def __str__(self) -> str:
        return con_posizione(self.messaggio, self.file, self.riga, self.colonna)


class ErroriFile(ErroriElenco):
    """Every `Errore` of an accounting file."""


# ------------------------------------------------------------------------------------- cell values


def testo(valore) -> str:
    if valore is None:
        return ""
    if isinstance(valore, float) and valore.is_integer():
        valore = int(valore)
    if isinstance(valore, dt.datetime):
        return valore.date().isoformat()
    if isinstance(valore, dt.date):
        return valore.isoformat()
    return str(valore).strip()


numero = numero_da_cella  # cells of the accounting files, read as the riparto workbook's


def importo(valore) -> Decimal:
    """An amount in euro: at most two decimals. Text like "1.000" (a dot then exactly three digits,
    no comma) is refused as ambiguous: thousand in Italian, one in English."""
    if isinstance(valore, str) and re.fullmatch(r"\s*[+-]?\d{1,3}\.\d{3}\s*", valore):
        raise ValueError("è ambiguo: scrivere 1000 oppure 1.000,00")
    d = numero(valore)
    if not d.is_finite() or d != d.quantize(CENTESIMO):
        raise ValueError("ha più di due decimali")
    if abs(d) >= Decimal("1e13"):
        raise ValueError("è troppo grande")
    return d.quantize(CENTESIMO)


def data(valore) -> dt.date:
    if isinstance(valore, dt.datetime):
        return valore.date()
    if isinstance(valore, dt.date):
        return valore
    t = testo(valore)
    for formato in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(t, formato).date()
        except ValueError:
            continue
    raise ValueError("non è una data (AAAA-MM-GG o GG/MM/AAAA)")


# ------------------------------------------------------------------------------------------ tables


@dataclass(frozen=True)
class Tabella:
    file: str
    righe: tuple[tuple[int, dict], ...]  # (row number in the file, {column: value})


def leggi_tabella(
    contenuto: bytes, nome_file: str, obbligatorie: Sequence[str], facoltative: Sequence[str] = ()
) -> Tabella:
    """The rows of a CSV (`;` or `,`, UTF-8 with or without BOM) or of an XLSX's first sheet.

    Columns are matched by header, case-insensitive; row numbers are the file's (header = 1).
    Raises `ErroriFile` for an unreadable file, a missing column or no data rows.
    """
    nome = nome_file.rsplit("/", 1)[-1]
    if nome.lower().endswith(".xlsx"):
        grezze = _righe_xlsx(contenuto, nome)
    elif nome.lower().endswith((".csv", ".txt")):
        grezze = _righe_csv(contenuto, nome)
    else:
        raise ErroriFile(
            [Errore(None, None, "formato non riconosciuto: caricare un file .csv o .xlsx", nome)]
        )
    # rows whose first cell starts with "#" are comments (e.g. the example's header notes)
    grezze = [(n, v) for n, v in grezze if v and not testo(v[0]).startswith("#")]
    grezze = [(n, v) for n, v in grezze if any(testo(x) for x in v)]
    if not grezze:
        raise ErroriFile([Errore(None, None, "il file è vuoto", nome)])
    n_intestazione, valori_intestazione = grezze[0]
    intestazione = [testo(x).lower().replace(" ", "_") for x in valori_intestazione]
    errori = [
        Errore(n_intestazione, c, "colonna mancante", nome) for c in obbligatorie if c not in intestazione
    ]
    doppie = sorted({c for c in intestazione if c and intestazione.count(c) > 1})
    errori += [Errore(n_intestazione, c, "colonna ripetuta", nome) for c in doppie]
    if errori:
        raise ErroriFile(errori)
    note = set(obbligatorie) | set(facoltative)
    righe = []
    for n, valori in grezze[1:]:
        if len(valori) > len(intestazione) and any(testo(v) for v in valori[len(intestazione) :]):
            errori.append(Errore(n, None, "più valori che colonne (separatore sbagliato?)", nome))
            continue
        righe.append((n, {c: v for c, v in zip(intestazione, valori, strict=False) if c in note}))
    if errori:
        raise ErroriFile(errori)
    if not righe:
        raise ErroriFile([Errore(None, None, "il file non contiene righe di dati", nome)])
    return Tabella(nome, tuple(righe))


def _righe_csv(contenuto: bytes, nome: str) -> list[tuple[int, list]]:
    try:
        t = contenuto.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ErroriFile(
            [
                Errore(
                    None,
                    None,
                    f"il file non è in UTF-8 (byte {exc.start + 1}): salvarlo come CSV UTF-8",
                    nome,
                )
            ]
        ) from None
    prima = next((r for r in t.splitlines() if r.strip() and not r.lstrip().startswith("#")), "")
    separatore = ";" if prima.count(";") >= prima.count(",") and ";" in prima else ","
    try:
        lettore = csv.reader(io.StringIO(t, newline=""), delimiter=separatore)
        out = []
        inizio = 1
        for r in lettore:
            out.append((inizio, r))  # the line where the record starts (a quoted field may span lines)
            inizio = lettore.line_num + 1
        return out
    except csv.Error as exc:
        raise ErroriFile([Errore(None, None, f"CSV non valido ({exc})", nome)]) from None


def _righe_xlsx(contenuto: bytes, nome: str) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(contenuto), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any failure means "not a readable workbook"
        raise ErroriFile([Errore(None, None, "il file non è una cartella .xlsx leggibile", nome)]) from None
    try:
        ws = wb.worksheets[0]
        return [(n, list(r)) for n, r in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        wb.close()


# -------------------------------------------------------------------------- reference data and rows


@dataclass(frozen=True)
class Centro:
    codice: str
    nome: str
    tipo: str  # SERVIZIO | STRUTTURA
    codice_riparto: str = ""
    servizio_catalogo: str = ""
    valido_dal: dt.date | None = None
    valido_al: dt.date | None = None
    riga: int = 0

    def valido_nel(self, anno: int) -> bool:
        return (self.valido_dal is None or self.valido_dal <= dt.date(anno, 12, 31)) and (
            self.valido_al is None or self.valido_al >= dt.date(anno, 1, 1)
        )


@dataclass(frozen=True)
class Conto:
    codice: str
    categoria: str  # category code in `schema`
    schema: str = ""
    centro: str = ""  # default centre
    descrizione: str = ""
    riga: int = 0


@dataclass(frozen=True)
class Riga:
    riga: int
    conto: str
    centro: str
    importo: Decimal
    descrizione: str = ""


class _Controllo:
    def __init__(self, tabella: Tabella):
        self.t = tabella
        self.errori: list[Errore] = []

    def errore(self, n, colonna, messaggio):
        self.errori.append(Errore(n, colonna, messaggio, self.t.file))

    def fine(self):
        if self.errori:
            raise ErroriFile(self.errori)


COLONNE_CENTRI = (
    ("codice", "nome", "tipo"),
    ("servizio_riparto", "servizio_catalogo", "valido_dal", "valido_al"),
)


def leggi_centri(t: Tabella) -> list[Centro]:
    k = _Controllo(t)
    out: list[Centro] = []
    visti: set[str] = set()
    for n, r in t.righe:
        codice, nome, tipo = testo(r.get("codice")), testo(r.get("nome")), testo(r.get("tipo")).lower()
        for col, val in (("codice", codice), ("nome", nome), ("tipo", tipo)):
            if not val:
                k.errore(n, col, "valore mancante")
        if len(codice) > 30:
            k.errore(n, "codice", "al massimo 30 caratteri")
        if codice in visti:
            k.errore(n, "codice", f"centro {codice} ripetuto")
        visti.add(codice)
        if tipo and tipo not in (SERVIZIO, STRUTTURA):
            k.errore(n, "tipo", f"«{tipo}» non è «servizio» o «struttura»")
        riparto = testo(r.get("servizio_riparto"))
        if tipo == STRUTTURA and riparto:
            k.errore(
                n, "servizio_riparto", "un centro di struttura alimenta i costi indiretti, non un servizio"
            )
        date = {}
        for col in ("valido_dal", "valido_al"):
            if testo(r.get(col)):
                try:
                    date[col] = data(r.get(col))
                except ValueError as exc:
                    k.errore(n, col, f"«{testo(r.get(col))}» {exc}")
        if date.get("valido_dal") and date.get("valido_al") and date["valido_al"] < date["valido_dal"]:
            k.errore(n, "valido_al", "la fine della validità precede l'inizio")
        out.append(
            Centro(
                codice=codice,
                nome=nome[:200],
                tipo=tipo,
                codice_riparto=riparto,
                servizio_catalogo=testo(r.get("servizio_catalogo")),
                valido_dal=date.get("valido_dal"),
                valido_al=date.get("valido_al"),
                riga=n,
            )
        )
    k.fine()
    return out


COLONNE_PIANO = (("conto", "categoria"), ("descrizione", "centro", "schema"))


def leggi_piano_conti(
    t: Tabella, *, categorie: Mapping[tuple[str, str], str], centri: Iterable[str], schema: str
) -> list[Conto]:
    """The chart-of-accounts mapping; `categorie` maps (scheme, code) to costo/ricavo."""
    k = _Controllo(t)
    centri = set(centri)
    schemi = {s for s, _c in categorie}
    out: list[Conto] = []
    visti: set[str] = set()
    for n, r in t.righe:
        conto, cat = testo(r.get("conto")), testo(r.get("categoria"))
        sch = testo(r.get("schema")) or schema
        centro = testo(r.get("centro"))
        if not conto:
            k.errore(n, "conto", "valore mancante")
        elif len(conto) > 30:
            k.errore(n, "conto", "al massimo 30 caratteri")
        elif conto in visti:
            k.errore(n, "conto", f"conto {conto} ripetuto")
        visti.add(conto)
        if sch not in schemi:
            k.errore(
                n, "schema", f"schema di categorie «{sch}» inesistente (noti: {', '.join(sorted(schemi))})"
            )
        elif not cat:
            k.errore(n, "categoria", "valore mancante")
        elif (sch, cat) not in categorie:
            k.errore(n, "categoria", f"categoria «{cat}» inesistente nello schema «{sch}»")
        if centro and centro not in centri:
            k.errore(n, "centro", f"centro di costo «{centro}» inesistente")
        out.append(Conto(conto, cat, sch, centro, testo(r.get("descrizione"))[:200], n))
    k.fine()
    return out


COLONNE_CONTABILITA = (("conto", "importo"), ("centro", "descrizione"))


def leggi_contabilita(
    t: Tabella, *, conti: Mapping[str, Conto], centri: Mapping[str, Centro], anno: int
) -> list[Riga]:
    """Budget or actual lines: every account must be mapped, every centre known and valid in `anno`."""
    k = _Controllo(t)
    out: list[Riga] = []
    for n, r in t.righe:
        codice = testo(r.get("conto"))
        conto = conti.get(codice)
        if not codice:
            k.errore(n, "conto", "valore mancante")
        elif conto is None:
            k.errore(n, "conto", f"conto {codice} non presente nel piano dei conti: importare la mappatura")
        centro = testo(r.get("centro")) or (conto.centro if conto else "")
        if not centro:
            if conto is not None:
                k.errore(n, "centro", f"valore mancante (il conto {codice} non ha un centro predefinito)")
        elif centro not in centri:
            k.errore(n, "centro", f"centro di costo «{centro}» inesistente")
        elif not centri[centro].valido_nel(anno):
            k.errore(n, "centro", f"il centro di costo {centro} non è valido nell'esercizio {anno}")
        grezzo = r.get("importo")
        valore = None
        if testo(grezzo) == "":
            k.errore(n, "importo", "valore mancante")
        else:
            try:
                valore = importo(grezzo)
            except ValueError as exc:
                k.errore(n, "importo", f"«{testo(grezzo)}» {exc}")
        if valore is not None and conto is not None and centro:
            out.append(Riga(n, codice, centro, valore, testo(r.get("descrizione"))[:300]))
    k.fine()
    return out


# ---------------------------------------------------------------------- cost centre × category table


@dataclass(frozen=True)
class Voce:
    centro: str
    categoria: str
    importo: Decimal


@dataclass(frozen=True)
class Prospetto:
    centri: tuple[str, ...]
    categorie: tuple[str, ...]
    celle: Mapping[tuple[str, str], Decimal]
    costi: Mapping[str, Decimal]  # per centre
    ricavi: Mapping[str, Decimal]
    totali_categoria: Mapping[str, Decimal]
    totale_costi: Decimal
    totale_ricavi: Decimal
    costi_indiretti: Decimal  # the pool: structure centres' net cost (costs − revenues)
    tipi_centro: Mapping[str, str] = field(default_factory=dict)

    def risultato(self, centro: str) -> Decimal:
        return self.ricavi[centro] - self.costi[centro]

    def costo_netto(self, centro: str) -> Decimal:
        return self.costi[centro] - self.ricavi[centro]

    @property
    def risultato_totale(self) -> Decimal:
        return self.totale_ricavi - self.totale_costi


def prospetto(
    voci: Iterable[Voce],
    *,
    centri: Mapping[str, str],  # code -> SERVIZIO | STRUTTURA, in display order
    categorie: Mapping[str, str],  # code -> COSTO | RICAVO, in display order
) -> Prospetto:
    celle: dict[tuple[str, str], Decimal] = {}
    for v in voci:
        celle[(v.centro, v.categoria)] = celle.get((v.centro, v.categoria), ZERO) + v.importo
    usati_centri = {c for c, _k in celle}
    usate_cat = {k for _c, k in celle}
    cs = tuple(c for c in centri if c in usati_centri) + tuple(sorted(usati_centri - set(centri)))
    ks = tuple(k for k in categorie if k in usate_cat) + tuple(sorted(usate_cat - set(categorie)))
    costi = {c: ZERO for c in cs}
    ricavi = {c: ZERO for c in cs}
    totali = {k: ZERO for k in ks}
    for (c, k), x in celle.items():
        (ricavi if categorie.get(k) == RICAVO else costi)[c] += x
        totali[k] += x
    tc = sum(costi.values(), ZERO)
    tr = sum(ricavi.values(), ZERO)
    pool = sum((costi[c] - ricavi[c] for c in cs if centri.get(c) == STRUTTURA), ZERO)
    return Prospetto(cs, ks, celle, costi, ricavi, totali, tc, tr, pool, dict(centri))


@dataclass(frozen=True)
class Differenza:
    chiave: str
    a: Decimal
    b: Decimal

    @property
    def differenza(self) -> Decimal:
        return self.b - self.a

    @property
    def percentuale(self) -> Decimal | None:
        if self.a == 0:
            return None
        return (self.differenza * 100 / abs(self.a)).quantize(CENTESIMO)


@dataclass(frozen=True)
class Confronto:
    centri: tuple[Differenza, ...]  # net cost per centre
    categorie: tuple[Differenza, ...]
    totale_costi: Differenza
    totale_ricavi: Differenza
    costi_indiretti: Differenza


def confronto(a: Prospetto, b: Prospetto) -> Confronto:
    def unione(x: Sequence[str], y: Sequence[str]) -> list[str]:
        return list(x) + [k for k in y if k not in x]

    def netto(p: Prospetto, c: str) -> Decimal:
        return p.costo_netto(c) if c in p.costi else ZERO

    return Confronto(
        centri=tuple(Differenza(c, netto(a, c), netto(b, c)) for c in unione(a.centri, b.centri)),
        categorie=tuple(
            Differenza(k, a.totali_categoria.get(k, ZERO), b.totali_categoria.get(k, ZERO))
            for k in unione(a.categorie, b.categorie)
        ),
        totale_costi=Differenza("costi", a.totale_costi, b.totale_costi),
        totale_ricavi=Differenza("ricavi", a.totale_ricavi, b.totale_ricavi),
        costi_indiretti=Differenza("costi indiretti", a.costi_indiretti, b.costi_indiretti),
    )


# --------------------------------------------------------------------------- costs into the riparto


class ErroreApplicazione(ValueError):
    def __init__(self, errori: Sequence[str]):
        self.errori = list(errori)
        super().__init__("; ".join(self.errori))


def ripartisci_centesimi(pesi: Mapping[str, Decimal], totale: Decimal) -> dict[str, Decimal]:
    """`totale` split pro rata to `pesi`, to the cent, by largest remainder: the parts sum to `totale`."""
    somma = sum(pesi.values(), ZERO)
    if not pesi:
        return {}
    if somma == 0:
        raise ValueError("pesi tutti nulli")
    esatte = {k: totale * p / somma for k, p in pesi.items()}
    base = {k: x.quantize(CENTESIMO, rounding=ROUND_FLOOR) for k, x in esatte.items()}
    resto = int(((totale - sum(base.values(), ZERO)) / CENTESIMO).to_integral_value())
    posizione = {k: i for i, k in enumerate(pesi)}
    ordine = sorted(pesi, key=lambda k: (-(esatte[k] - base[k]), posizione[k]))
    for k in ordine[:resto]:
        base[k] += CENTESIMO
    for k in [k for k in reversed(ordine) if base[k] > 0][: max(0, -resto)]:  # only if the context rounded up
        base[k] -= CENTESIMO
    return base


@dataclass(frozen=True)
class Applicazione:
    dati: ge.DatiRiparto
    diretti: Mapping[str, tuple[Decimal, Decimal]]  # service -> (old, new)
    indiretti: Mapping[str, tuple[Decimal, Decimal]]  # service -> (old, new) overhead
    fissi: Decimal  # special overhead of services that do not bear the pool
    pool: Decimal  # structure centres' net cost


def applica(dati: ge.DatiRiparto, *, diretti: Mapping[str, Decimal], pool: Decimal) -> Applicazione:
    """The riparto input with the direct costs and the overhead pool taken from accounting.

    - Every service of the version gets its direct cost from `diretti` (a service missing there
      is an error: its cost would silently stay the workbook's).
    - Services that do not bear the pool (`porta_costi_indiretti` = no) keep their special
      overhead (e.g. the Ufficio di Piano, the €130.000 of fund management): fixed amounts.
    - The rest of the pool (`pool` − fixed) goes to the services that bear it:
      * if the version splits a pool (or a rate) by direct cost, the new pool replaces it;
      * if the version gives those services explicit amounts (as the 2023 workbook, which
        copies the Piano Programma's rounded figures), each gets the rest pro rata to
        (its previous overhead rate × its new direct cost), to the cent: unchanged inputs give
        back exactly the same amounts, a changed direct cost moves its own share.
    """
    errori = [
        f"Il servizio {s.codice} ({s.nome}) del riparto non ha costi dai centri di costo."
        for s in dati.servizi
        if s.codice not in diretti
    ]
    codici = {s.codice for s in dati.servizi}
    errori += [
        f"Il servizio {c} dei centri di costo non è nella versione del riparto."
        for c in diretti
        if c not in codici
    ]
    if errori:
        raise ErroreApplicazione(errori)
    vecchi = ge.costi_indiretti_per_servizio(dati)
    portano = [s for s in dati.servizi if s.porta_costi_indiretti]
    fissi = sum(
        (
            s.costi_indiretti_speciali
            for s in dati.servizi
            if not s.porta_costi_indiretti and s.costi_indiretti_speciali is not None
        ),
        ZERO,
    )
    resto = pool - fissi
    if resto < 0:
        raise ErroreApplicazione(
            [
                f"I costi dei centri di struttura ({_euro(pool)} €) sono minori dei costi indiretti speciali "
                f"dei servizi che non portano la quota generale ({_euro(fissi)} €)."
            ]
        )
    nuovi_diretti = {s.codice: diretti[s.codice] for s in dati.servizi}
    espliciti = any(s.costi_indiretti_speciali is not None for s in portano)
    if not espliciti:
        nuovi = replace(
            dati, costi_diretti=nuovi_diretti, costi_indiretti=resto, aliquota_costi_indiretti=None
        )
        if resto and not any(nuovi_diretti[s.codice] for s in portano):
            raise ErroreApplicazione(
                ["Nessun servizio con costi diretti porta i costi indiretti: non si ripartiscono."]
            )
    else:
        vecchia_base = sum((dati.costi_diretti.get(s.codice, ZERO) for s in portano), ZERO)
        media = sum((vecchi[s.codice] for s in portano), ZERO) / vecchia_base if vecchia_base else Decimal(1)
        pesi = {}
        for s in portano:
            prima = dati.costi_diretti.get(s.codice, ZERO)
            # previous rate × new direct cost, multiplied first: unchanged costs give back the amounts
            pesi[s.codice] = (
                vecchi[s.codice] * nuovi_diretti[s.codice] / prima
                if prima
                else media * nuovi_diretti[s.codice]
            )
        if resto and not any(pesi.values()):
            raise ErroreApplicazione(
                ["Nessun servizio con costi diretti porta i costi indiretti: non si ripartiscono."]
            )
        quote = ripartisci_centesimi(pesi, resto) if any(pesi.values()) else {k: ZERO for k in pesi}
        servizi = tuple(
            replace(s, costi_indiretti_speciali=quote[s.codice]) if s.codice in quote else s
            for s in dati.servizi
        )
        nuovi = replace(
            dati,
            servizi=servizi,
            costi_diretti=nuovi_diretti,
            costi_indiretti=None,
            aliquota_costi_indiretti=None,
        )
    dopo = ge.costi_indiretti_per_servizio(nuovi)
    return Applicazione(
        dati=nuovi,
        diretti={
            s.codice: (dati.costi_diretti.get(s.codice, ZERO), nuovi_diretti[s.codice]) for s in dati.servizi
        },
        indiretti={s.codice: (vecchi[s.codice], dopo[s.codice]) for s in dati.servizi},
        fissi=fissi,
        pool=pool,
    )


def _euro(x: Decimal) -> str:
    return numero_it(x)
