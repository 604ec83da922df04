"""Pure arithmetic of the annual reports: tables that must add up, per-user costs, deltas, shares.

No Django here. Every table of a report is a `Tabella`: the rows carry the values, the totals row
is given separately (usually computed independently, e.g. by a SQL aggregate) and `verifica`
raises `TabellaNonQuadra` when a summable column's rows do not add up to its total. The
renderers call `verifica_tutte` before producing a document, so a report that does not add up
is never produced.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

# Column kinds, used by the renderers for formatting.
TESTO = "testo"
EURO = "euro"  # money, 2 decimals
INTERO = "intero"  # counts
DECIMALE = "decimale"  # quantities/hours, 2 decimals
PERCENTUALE = "percentuale"  # 2 decimals, followed by "%"


class TabellaNonQuadra(ValueError):
    """A table whose rows do not sum to its totals (or two sections that disagree)."""


@dataclass(frozen=True)
class Colonna:
    titolo: str
    tipo: str = TESTO
    somma: bool = False  # the totals row holds the sum of the rows for this column


@dataclass(frozen=True)
class Tabella:
    titolo: str
    colonne: tuple[Colonna, ...]
    righe: tuple[tuple, ...]
    totale: tuple | None = None  # None: a table without totals row
    note: tuple[str, ...] = field(default_factory=tuple)
    codice: str = ""  # a stable identifier (anchors, sheet names, tests)

    @property
    def vuota(self) -> bool:
        return not self.righe


def euro(valore) -> Decimal:
    """Round half-up to the cent (None counts as zero)."""
    return (Decimal(valore) if valore is not None else ZERO).quantize(CENT, rounding=ROUND_HALF_UP)


def somma(valori: Iterable) -> Decimal:
    """Sum ignoring None (a missing cell "—" adds nothing)."""
    return sum((Decimal(v) for v in valori if v is not None), Decimal(0))


def per_utente(costo, utenti: int | None) -> Decimal | None:
    """Cost per user rounded to the cent; None when there are no users."""
    if not utenti:
        return None
    return euro(Decimal(costo) / Decimal(utenti))


def percentuale(parte, totale) -> Decimal | None:
    """parte / totale × 100 with 2 decimals; None when the total is zero or missing."""
    if parte is None or not totale:
        return None
    return (Decimal(parte) * 100 / Decimal(totale)).quantize(CENT, rounding=ROUND_HALF_UP)


def variazione(attuale, precedente) -> tuple[Decimal | None, Decimal | None]:
    """(difference, % change) of two amounts; (None, None) when either is missing."""
    if attuale is None or precedente is None:
        return None, None
    delta = Decimal(attuale) - Decimal(precedente)
    return delta, percentuale(delta, precedente) if precedente else None


def totali(colonne: Sequence[Colonna], righe: Sequence[Sequence], etichetta: str = "Totale") -> tuple:
    """The totals row of `righe`: sums of summable columns, the label in the first, None elsewhere
    (and None, "—", for a summable column with no data in any row)."""
    out = []
    for i, c in enumerate(colonne):
        if i == 0:
            out.append(etichetta)
        elif c.somma and any(r[i] is not None for r in righe):
            out.append(somma(r[i] for r in righe))
        else:
            out.append(None)
    return tuple(out)


def verifica(tabella: Tabella) -> Tabella:
    """Raise TabellaNonQuadra if a row has the wrong width or a summable column does not add up."""
    n = len(tabella.colonne)
    for r in tabella.righe:
        if len(r) != n:
            raise TabellaNonQuadra(f"{tabella.titolo}: una riga ha {len(r)} celle invece di {n}")
    if tabella.totale is None:
        return tabella
    if len(tabella.totale) != n:
        raise TabellaNonQuadra(f"{tabella.titolo}: la riga dei totali ha {len(tabella.totale)} celle")
    for i, c in enumerate(tabella.colonne):
        if not c.somma:
            continue
        valori = [r[i] for r in tabella.righe]
        dichiarato = tabella.totale[i]
        if dichiarato is None and all(v is None for v in valori):
            continue  # a column with no data ("—") in every row and in the total
        atteso = somma(valori)
        if dichiarato is None or Decimal(dichiarato) != atteso:
            raise TabellaNonQuadra(
                f"{tabella.titolo}, colonna «{c.titolo}»: la somma delle righe è {atteso}, "
                f"il totale indicato è {dichiarato}"
            )
    return tabella


def verifica_tutte(tabelle: Iterable[Tabella]) -> None:
    for t in tabelle:
        verifica(t)


def verifica_coerenza(descrizione: str, a, b) -> None:
    """Two figures of different sections that must be the same number (e.g. a table total and
    the financial summary): raise TabellaNonQuadra if they differ."""
    if a is None or b is None:
        return
    if Decimal(a) != Decimal(b):
        raise TabellaNonQuadra(f"Dati incoerenti tra sezioni – {descrizione}: {a} ≠ {b}")


def quote_percentuali(valori: Sequence) -> list[Decimal | None]:
    """Shares of each value in their total, in % with 2 decimals, adding up to exactly 100.00
    (largest-remainder rounding). All None when the total is zero."""
    totale = somma(valori)
    if not totale:
        return [None] * len(valori)
    esatti = [Decimal(v or 0) * 10000 / totale for v in valori]  # in hundredths of a percent
    interi = [int(x) for x in esatti]  # values are non-negative in practice; int() truncates
    resto = 10000 - sum(interi)
    ordine = sorted(range(len(valori)), key=lambda i: (esatti[i] - interi[i], -i), reverse=True)
    for i in ordine[: max(resto, 0)]:
        interi[i] += 1
    return [Decimal(n) / 100 for n in interi]
