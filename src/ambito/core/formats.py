"""Italian number formatting outside templates (CLI, exports): 1.234,56."""

from decimal import ROUND_HALF_UP, Decimal


def numero_it(valore: Decimal | float | int | None, decimali: int = 2) -> str:
    if valore is None:
        return ""
    q = Decimal(1).scaleb(-decimali)
    d = Decimal(str(valore)).quantize(q, rounding=ROUND_HALF_UP)
    testo = f"{d:,.{decimali}f}"
    return testo.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
