"""Pure arithmetic of the case record (no Django): money splits and review dates."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

CENTESIMO = Decimal("0.01")


def _euro(valore: Decimal) -> str:
    testo = f"{valore.quantize(CENTESIMO):,.2f}"
    return testo.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def errori_quote(
    *, importo: Decimal, quota_ente: Decimal, quota_utente: Decimal, quota_ssn: Decimal
) -> list[str]:
    """The amount of a delivery must be exactly quota ente + quota utente + quota SSN, to the cent."""
    errori = []
    for nome, valore in (
        ("L'importo", importo),
        ("La quota ente", quota_ente),
        ("La quota utente", quota_utente),
        ("La quota SSN", quota_ssn),
    ):
        if valore < 0:
            errori.append(f"{nome} non può essere negativo.")
        if valore != valore.quantize(CENTESIMO):
            errori.append(f"{nome} ha più di due decimali.")
    somma = quota_ente + quota_utente + quota_ssn
    if somma != importo:
        errori.append(
            f"Le quote (ente {_euro(quota_ente)} + utente {_euro(quota_utente)} + SSN {_euro(quota_ssn)} "
            f"= {_euro(somma)} €) non corrispondono all'importo di {_euro(importo)} €."
        )
    return errori


def errori_finanziamento(*, quota_ente: Decimal, parti: Iterable[Decimal]) -> list[str]:
    """The funds that pay a delivery must add up to its quota ente, each part positive."""
    parti = list(parti)
    errori = []
    if any(p <= 0 for p in parti):
        errori.append("Ogni quota di finanziamento deve essere maggiore di zero.")
    if any(p != p.quantize(CENTESIMO) for p in parti):
        errori.append("Le quote di finanziamento hanno al massimo due decimali.")
    somma = sum(parti, Decimal("0"))
    if quota_ente > 0 and not parti:
        errori.append("Indicare da quali fondi è finanziata la quota ente.")
    elif somma != quota_ente:
        errori.append(
            f"I fondi indicati sommano {_euro(somma)} € ma la quota ente è {_euro(quota_ente)} €: "
            f"mancano {_euro(quota_ente - somma)} €."
            if somma < quota_ente
            else f"I fondi indicati sommano {_euro(somma)} €, più della quota ente di {_euro(quota_ente)} €."
        )
    return errori


def aggiungi_mesi(data: dt.date, mesi: int) -> dt.date:
    """`data` plus whole months, clamped to the month's last day (31/01 + 1 month = 28/02)."""
    mese0 = data.month - 1 + mesi
    anno, mese = data.year + mese0 // 12, mese0 % 12 + 1
    giorno = min(data.day, calendar.monthrange(anno, mese)[1])
    return dt.date(anno, mese, giorno)
