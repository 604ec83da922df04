"""The "where: what" form of a file's validation errors, shared by the apps' pure readers.

No Django import: the engines (riparto workbook, accounting files) use it and must stay pure.
Each reader keeps its own `Errore` (a sheet or a file name, a row, a column, a message); only the
wording of the place and the exception carrying all the errors are common.
"""

from __future__ import annotations

from collections.abc import Sequence


def con_posizione(messaggio: str, dove: str = "", riga: int | None = None, colonna: str | None = None) -> str:
    """`messaggio` after its place, e.g. "foglio «costi», riga 4, colonna «importo»: …"."""
    parti = [dove] if dove else []
    if riga is not None:
        parti.append(f"riga {riga}")
    if colonna:
        parti.append(f"colonna «{colonna}»")
    return (", ".join(parti) + ": " if parti else "") + messaggio


class ErroriElenco(ValueError):
    """All the errors of a file at once, one per line: the caller stores nothing and shows them all."""

    def __init__(self, errori: Sequence):
        self.errori = list(errori)
        super().__init__("\n".join(str(x) for x in self.errori))
