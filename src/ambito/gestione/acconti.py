"""Advances (acconti) and balance (saldo/conguaglio) per Comune: pure arithmetic, no Django.

Contract of service, art. 21: a first advance of 50% by 31 January and a second of 40% by
30 September of the approved budget; the balance once the final accounts (consuntivo) are
approved, net of what was already invoiced. The amounts of one tranche are rounded to the cent
by largest remainder, so that their sum equals the tranche's percentage of the Comuni's grand
total rounded to the cent (half up); the rounding of each Comune is kept and shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from ambito.core.formats import numero_it

CENT = Decimal("0.01")
CENTO = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Rata:
    """One tranche of the plan: its number, name, due date (day/month), % and basis."""

    numero: int
    nome: str
    mese: int
    giorno: int
    percentuale: Decimal
    base: str

    def scadenza(self, anno: int) -> dt.date:
        return dt.date(anno, self.mese, self.giorno)


# Which approved version a tranche is computed from. "aggiornato": the approved assestamento if
# there is one, else the approved preventivo (the contract's "bilancio di previsione, if approved").
BASE_AGGIORNATA = "aggiornato"
BASI = {
    BASE_AGGIORNATA: "Preventivo approvato (o l'assestamento approvato, se presente)",
    "preventivo": "Preventivo approvato",
    "assestamento": "Assestamento approvato",
    "preconsuntivo": "Preconsuntivo approvato",
}
# For each basis, the version types to try in order.
ORDINE_BASI = {
    BASE_AGGIORNATA: ("assestamento", "preventivo"),
    "preventivo": ("preventivo",),
    "assestamento": ("assestamento",),
    "preconsuntivo": ("preconsuntivo",),
}

RATE_PREDEFINITE = (
    Rata(1, "1° acconto", 1, 31, Decimal(50), BASE_AGGIORNATA),
    Rata(2, "2° acconto", 9, 30, Decimal(40), BASE_AGGIORNATA),
)


class ErrorePiano(ValueError):
    """The tranches are not a valid plan (messages in Italian)."""

    def __init__(self, errori: list[str]):
        super().__init__("; ".join(errori))
        self.errori = errori


def verifica_piano(rate: list[tuple[str, Decimal]]) -> None:
    """Check (name, %) pairs: names given and distinct, each % in (0, 100], sum ≤ 100."""
    errori = []
    nomi = [n.strip() for n, _p in rate]
    if not rate:
        errori.append("Il piano deve avere almeno una rata.")
    if any(not n for n in nomi):
        errori.append("Ogni rata deve avere un nome.")
    if len(set(nomi)) != len(nomi):
        errori.append("Due rate hanno lo stesso nome.")
    for n, p in rate:
        if not ZERO < p <= CENTO:
            errori.append(f"La percentuale della rata «{n}» deve essere maggiore di 0 e al massimo 100.")
        elif p != p.quantize(CENT):
            errori.append(f"La percentuale della rata «{n}» ha al massimo due decimali.")
    totale = sum((p for _n, p in rate), ZERO)
    if totale > CENTO:
        errori.append(f"La somma delle percentuali è {totale}%: non può superare il 100%.")
    if errori:
        raise ErrorePiano(errori)


def percento(p: Decimal) -> str:
    """Italian display of a percentage: 50%, 12,5%."""
    testo = f"{p.normalize():f}"
    return testo.replace(".", ",") + "%"


def euro(x: Decimal) -> str:
    """Italian display of an amount: 1.234.567,89."""
    return numero_it(x)


def arrotonda(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class QuotaRata:
    """One Comune's amount of a tranche, with the exact share and the rounding applied."""

    comune: Hashable  # a Comune's key (code or id)
    base: Decimal  # the Comune's total in the basis version
    esatto: Decimal  # percentuale × base, not rounded
    importo: Decimal  # to the cent

    @property
    def arrotondamento(self) -> Decimal:
        return self.importo - self.esatto


@dataclass(frozen=True)
class CalcoloRata:
    percentuale: Decimal
    totale_base: Decimal
    totale_esatto: Decimal
    totale: Decimal  # = percentuale × totale_base rounded to the cent = Σ quote
    quote: tuple[QuotaRata, ...]

    def per_comune(self) -> dict[Hashable, QuotaRata]:
        return {q.comune: q for q in self.quote}


def calcola_rata(totali: Mapping[Hashable, Decimal], percentuale: Decimal) -> CalcoloRata:
    """Split `percentuale`% of each Comune's total, to the cent, by largest remainder.

    Each amount is the exact share floored to the cent, plus one cent for the Comuni with the
    largest remainders (ties: by key) until the sum reaches the rounded grand total. So each
    amount is within one cent of its exact share.
    """
    quota = percentuale / CENTO
    chiavi = sorted(totali)
    esatti = {c: totali[c] * quota for c in chiavi}
    totale_base = sum((totali[c] for c in chiavi), ZERO)
    totale_esatto = totale_base * quota
    obiettivo = arrotonda(totale_esatto)
    base = {c: esatti[c].quantize(CENT, rounding=ROUND_FLOOR) for c in chiavi}
    mancano = int((obiettivo - sum(base.values(), ZERO)) / CENT)
    ordine = sorted(chiavi, key=lambda c: (-(esatti[c] - base[c]), c))
    for c in ordine[:mancano]:
        base[c] += CENT
    quote = tuple(QuotaRata(c, totali[c], esatti[c], base[c]) for c in chiavi)
    return CalcoloRata(percentuale, totale_base, totale_esatto, obiettivo, quote)


def saldo(consuntivo: Decimal | None, fatturato: Decimal) -> Decimal | None:
    """Balance of a Comune: its consuntivo total minus what was invoiced net of credit notes.

    Positive: the Comune still has to pay; negative: to be refunded. None without a consuntivo.
    """
    if consuntivo is None:
        return None
    return consuntivo - fatturato
