"""Text helpers for persons' names (pure Python, no Django): the search key and edit distance.

`chiave_ricerca(cognome, nome)` is the value stored in `Persona.chiave_ricerca`: lowercase,
without accents, apostrophes or punctuation, single spaces, "cognome nome". Anything that
writes persons in bulk (demo loader, imports) must use it, or the search will not find them.
"""

from __future__ import annotations

import re
import unicodedata

_NON_ALFANUMERICO = re.compile(r"[^a-z0-9 ]+")
_SPAZI = re.compile(r"\s+")


def normalizza_testo(testo: str | None) -> str:
    """ "D'Amico  Nicolò" -> "d amico nicolo"; "Müller-Lüdenscheidt" -> "muller ludenscheidt"."""
    if not testo:
        return ""
    senza_accenti = unicodedata.normalize("NFKD", str(testo)).encode("ascii", "ignore").decode("ascii")
    minuscolo = _NON_ALFANUMERICO.sub(" ", senza_accenti.lower())
    return _SPAZI.sub(" ", minuscolo).strip()


def chiave_ricerca(cognome: str, nome: str) -> str:
    """The accent-free, lowercase "cognome nome" stored on every person (max 210 characters)."""
    return normalizza_testo(f"{cognome} {nome}")[:210]


def distanza(a: str, b: str, massimo: int | None = None) -> int:
    """Levenshtein distance. With `massimo`, only the diagonal band of width `massimo` is
    computed (Ukkonen) and massimo + 1 is returned as soon as the distance must exceed it."""
    if a == b:
        return 0
    if massimo is None:
        precedente = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            corrente = [i]
            for j, cb in enumerate(b, 1):
                corrente.append(min(precedente[j] + 1, corrente[j - 1] + 1, precedente[j - 1] + (ca != cb)))
            precedente = corrente
        return precedente[-1]
    oltre = massimo + 1
    if abs(len(a) - len(b)) > massimo:
        return oltre
    n = len(b)
    precedente = [j if j <= massimo else oltre for j in range(n + 1)]
    for i in range(1, len(a) + 1):
        ca = a[i - 1]
        basso, alto = max(1, i - massimo), min(n, i + massimo)
        corrente = [oltre] * (n + 1)
        corrente[0] = i if i <= massimo else oltre
        migliore = corrente[0] if basso == 1 else oltre
        for j in range(basso, alto + 1):
            v = min(precedente[j] + 1, corrente[j - 1] + 1, precedente[j - 1] + (ca != b[j - 1]))
            corrente[j] = v
            if v < migliore:
                migliore = v
        if migliore > massimo:
            return oltre
        precedente = corrente
    return min(precedente[n], oltre)


def prefissi_di_parola(testo: str) -> list[str]:
    """ "de luca mario" -> ["de", "de luca", "de luca mario"]: where a typed surname may end."""
    parole = testo.split(" ")
    return [" ".join(parole[: i + 1]) for i in range(len(parole))]
