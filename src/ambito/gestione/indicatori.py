"""Pure arithmetic of the riparto's outputs (no Django): ratios, deltas, identities, break-even.

Every division goes through `dividi`, so a zero or missing denominator gives None (shown as
"n.d." or "—") rather than an error, and every result is rounded explicitly (half up) to the
cent or to the hundredth of a percentage point: the pages and the exports show the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
CENTESIMO = Decimal("0.01")
# stored costs and shares carry 8 decimals, each rounded on its own: sums may differ by ~1e-8
TOLLERANZA = Decimal("0.000001")


def arrotonda(x: Decimal, passo: Decimal = CENTESIMO) -> Decimal:
    return x.quantize(passo, rounding=ROUND_HALF_UP)


def dividi(a: Decimal | None, b: Decimal | None, passo: Decimal = CENTESIMO) -> Decimal | None:
    """a / b rounded to `passo`; None when either is missing or b is zero."""
    if a is None or b is None or b == 0:
        return None
    return arrotonda(Decimal(a) / Decimal(b), passo)


def percentuale(parte: Decimal | None, totale: Decimal | None) -> Decimal | None:
    """parte as a percentage of totale, to two decimals (12.34 means 12,34%)."""
    if parte is None or totale is None or totale == 0:
        return None
    return arrotonda(Decimal(parte) * 100 / Decimal(totale))


@dataclass(frozen=True)
class Delta:
    precedente: Decimal | None
    assoluto: Decimal | None  # attuale − precedente
    percentuale: Decimal | None  # of the previous amount


def delta(attuale: Decimal, precedente: Decimal | None) -> Delta:
    """Change against the previous amount; all None when there is no previous amount."""
    if precedente is None:
        return Delta(None, None, None)
    return Delta(precedente, attuale - precedente, percentuale(attuale - precedente, precedente))


def costo_indiretto_comune(
    quote: Mapping[str, Decimal], indiretti: Mapping[str, Decimal], totali: Mapping[str, Decimal]
) -> Decimal:
    """Σ over services of the Comune's share × indirect / base of the service, to the cent.

    With base = the service's total cost, the overhead is part of the cost the Comune pays a
    fraction of; with base = the Comuni's share of the service, the whole overhead falls on the
    Comuni (funds cover direct costs first). A service with a zero base contributes nothing.
    """
    somma = ZERO
    for servizio, quota in quote.items():
        tot = totali.get(servizio) or ZERO
        if tot:
            somma += Decimal(quota) * (indiretti.get(servizio) or ZERO) / tot
    return arrotonda(somma)


def verifica_voce(
    *,
    diretti: Decimal,
    indiretti: Decimal,
    totale: Decimal,
    fondi: Iterable[Decimal],
    comuni: Decimal,
    comuni_arrotondato: Decimal,
    somma_quote: Decimal,
) -> list[str]:
    """The identities of one row of the service × funding-source table; the failed ones, in Italian."""
    errori = []
    if abs(diretti + indiretti - totale) > TOLLERANZA:
        errori.append("costi diretti + costi indiretti ≠ costo totale")
    if abs(sum(fondi, ZERO) + comuni - totale) > TOLLERANZA:
        errori.append("fondi + quota dei Comuni ≠ costo totale")
    if somma_quote != comuni_arrotondato:
        errori.append("la somma delle quote dei Comuni ≠ quota dei Comuni arrotondata")
    if abs(comuni_arrotondato - comuni) >= 1:
        errori.append("l'arrotondamento della quota dei Comuni supera 1 €")
    return errori


# --- break-even ------------------------------------------------------------------------------

PAREGGIO = "pareggio"
ARROTONDAMENTO = "arrotondamento"
AVANZO = "avanzo"
DISAVANZO = "disavanzo"

DESCRIZIONE_ESITO = {
    PAREGGIO: "in pareggio",
    ARROTONDAMENTO: "in pareggio salvo l'arrotondamento all'euro (< 1 €)",
    AVANZO: "avanzo",
    DISAVANZO: "disavanzo",
}


def esito(risultato: Decimal) -> str:
    """Classify a service's result (revenues − costs): a difference under 1 € is the rounding."""
    r = arrotonda(risultato)
    if r == 0:
        return PAREGGIO
    if abs(r) < 1:
        return ARROTONDAMENTO
    return AVANZO if r > 0 else DISAVANZO


# --- KPIs ------------------------------------------------------------------------------------


def costo_per_utente(costo: Decimal, persone: int | None) -> Decimal | None:
    return dividi(costo, Decimal(persone) if persone else None)


def costo_per_unita(costo: Decimal, unita: Decimal | None) -> Decimal | None:
    return dividi(costo, unita)


def ripartizione(importi: Mapping[str, Decimal]) -> list[tuple[str, Decimal, Decimal | None]]:
    """(source, amount, % of the total) for each source, in the given order."""
    totale = sum(importi.values(), ZERO)
    return [(k, v, percentuale(v, totale)) for k, v in importi.items()]
