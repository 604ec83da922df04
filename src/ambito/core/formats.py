"""Italian numbers outside templates: formatting (CLI, exports: 1.234,56) and reading cells."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def numero_it(valore: Decimal | float | int | None, decimali: int = 2) -> str:
    if valore is None:
        return ""
    q = Decimal(1).scaleb(-decimali)
    d = Decimal(str(valore)).quantize(q, rounding=ROUND_HALF_UP)
    testo = f"{d:,.{decimali}f}"
    return testo.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def numero_da_cella(valore) -> Decimal:
    """A number read from a spreadsheet or CSV cell (the riparto workbook, accounting files):
    numbers as they are; text with Italian ("1.234,56", "-12,5") or dot ("1234.56") decimals.

    A dot is a thousands separator only when a decimal comma is present (or there are several
    dots): "1.234" is one point two three four, which an amount refuses (more than 2 decimals).
    """
    if isinstance(valore, bool):
        raise ValueError("non è un numero")
    if isinstance(valore, int):
        return Decimal(valore)
    if isinstance(valore, float):
        return Decimal(repr(valore))
    if isinstance(valore, Decimal):
        return valore
    t = str(valore).strip().replace("€", "").replace(" ", "").replace("\u00a0", "")
    if "," in t:
        if not re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})*(,\d*)?|[+-]?\d+(,\d*)?", t):
            raise ValueError("non è un numero")
        t = t.replace(".", "").replace(",", ".")
    elif t.count(".") > 1:
        if not re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", t):
            raise ValueError("non è un numero")
        t = t.replace(".", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", t):
        raise ValueError("non è un numero")
    try:
        return Decimal(t)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards
        raise ValueError("non è un numero") from exc
