"""Helpers shared by the apps' file imports (riparto workbook, accounting files).

An import is called both from a view (an uploaded file) and from a management command (a path),
and checks the esercizio the same way: one place keeps the two readings and the messages equal.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError

ANNO_MIN, ANNO_MAX = 1990, 2100


def contenuto_file(file, nome_predefinito: str) -> tuple[bytes, str]:
    """The bytes and the bare file name of a path or of an uploaded (or open) file.

    An upload may have been read already (form validation), so it is rewound first; a file with
    no name is called `nome_predefinito`. An unreadable path is a `ValidationError`.
    """
    if isinstance(file, str | Path):
        p = Path(file)
        try:
            return p.read_bytes(), p.name
        except OSError as exc:
            raise ValidationError(f"File non leggibile: {p} ({exc.strerror}).") from None
    if hasattr(file, "seek"):
        file.seek(0)
    dati = file.read()
    return dati, Path(getattr(file, "name", "") or nome_predefinito).name


def anno_esercizio(valore) -> int:
    """The esercizio as a year between ANNO_MIN and ANNO_MAX, else a `ValidationError`."""
    try:
        anno = int(valore)
    except (TypeError, ValueError):
        raise ValidationError("L'esercizio deve essere un anno.") from None
    if not ANNO_MIN <= anno <= ANNO_MAX:
        raise ValidationError(f"L'esercizio deve essere un anno tra {ANNO_MIN} e {ANNO_MAX}.")
    return anno
