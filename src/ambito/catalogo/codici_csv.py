"""Parsing of code-table CSV files, shared by the data migration and `carica_codici`.

Pure functions, no ORM: the migration must not import live models.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

CARTELLA_DATI = Path(__file__).resolve().parent / "data"


class ErroreCSV(ValueError):
    """A bad CSV: the message is Italian and names the line."""


@dataclass(frozen=True)
class RigaCodice:
    riga: int
    codice: str
    denominazione: str


def _righe_utili(testo: str) -> list[tuple[int, str]]:
    if testo.startswith("\ufeff"):
        testo = testo[1:]
    out = []
    for numero, riga in enumerate(testo.splitlines(), start=1):
        if not riga.strip() or riga.lstrip().startswith("#"):
            continue
        out.append((numero, riga))
    return out


def leggi_tabella(testo: str, campi: list[str]) -> list[tuple[int, dict]]:
    """Rows of a `;`- or `,`-separated text with a header naming at least `campi`."""
    righe = _righe_utili(testo)
    if not righe:
        raise ErroreCSV("Il file è vuoto: manca l'intestazione.")
    numero_intestazione, intestazione = righe[0]
    separatore = ";" if ";" in intestazione else ","
    lettore = csv.reader(io.StringIO("\n".join(r for _, r in righe)), delimiter=separatore)
    tutte = list(lettore)
    nomi = [c.strip().lower() for c in tutte[0]]
    mancanti = [c for c in campi if c not in nomi]
    if mancanti:
        raise ErroreCSV(
            f"Riga {numero_intestazione}: l'intestazione deve contenere {', '.join(campi)}; "
            f"mancano {', '.join(mancanti)}."
        )
    out = []
    for (numero, _), valori in zip(righe[1:], tutte[1:], strict=True):
        if len(valori) != len(nomi):
            raise ErroreCSV(f"Riga {numero}: attesi {len(nomi)} campi, trovati {len(valori)}.")
        out.append((numero, {n: v.strip() for n, v in zip(nomi, valori, strict=True)}))
    return out


def leggi_codici(testo: str) -> list[RigaCodice]:
    """Entries of one table version; all errors are reported before anything is stored."""
    out: list[RigaCodice] = []
    visti: dict[str, int] = {}
    for numero, riga in leggi_tabella(testo, ["codice", "denominazione"]):
        codice, denominazione = riga["codice"], riga["denominazione"]
        if not codice:
            raise ErroreCSV(f"Riga {numero}: il codice è vuoto.")
        if len(codice) > 30:
            raise ErroreCSV(f"Riga {numero}: il codice «{codice}» supera i 30 caratteri.")
        if not denominazione:
            raise ErroreCSV(f"Riga {numero}: la denominazione del codice «{codice}» è vuota.")
        if len(denominazione) > 300:
            raise ErroreCSV(f"Riga {numero}: la denominazione supera i 300 caratteri.")
        if codice in visti:
            raise ErroreCSV(f"Riga {numero}: il codice «{codice}» è già alla riga {visti[codice]}.")
        visti[codice] = numero
        out.append(RigaCodice(numero, codice, denominazione))
    if not out:
        raise ErroreCSV("Il file non contiene codici.")
    return out


def tabelle_spedite() -> list[dict]:
    """The tables shipped in data/ (from tabelle.csv), each with its parsed entries."""
    indice = leggi_tabella(
        (CARTELLA_DATI / "tabelle.csv").read_text("utf-8"), ["codice", "nome", "fonte", "valido_dal", "file"]
    )
    out = []
    for _, riga in indice:
        voci = leggi_codici((CARTELLA_DATI / riga["file"]).read_text("utf-8"))
        out.append({**riga, "voci": voci})
    return out
