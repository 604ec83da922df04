"""Italian codice fiscale: normalise, validate, decode, cross-check, generate.

Pure Python (no Django): the checksum comes from python-stdnum, the name coding and the
Belfiore table (Comuni, also suppressed ones, and foreign countries "Z...") from
python-codicefiscale. We decode the date ourselves because the library resolves the
two-digit year against the wall clock, and we need a caller-given `oggi` for tests and
for records typed in the past.

Three kinds of code are handled:

* the 16-character personal code, omocodia included (digits replaced by L M N P Q R S T U V);
* the 11-digit numeric code (codice fiscale provvisorio/numerico given by the Agenzia delle
  Entrate, same checksum as the partita IVA): valid, but it holds no personal data;
* our own temporary code for persons who have none, built by `codice_temporaneo()`:
  "TMP" + 12 digits + 1 check letter. A digit in the 4th position can never occur in a
  real code, so a temporary code never validates as a codice fiscale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from codicefiscale import codicefiscale as _cflib
from codicefiscale.data import get_indexed_data
from stdnum import luhn as _luhn
from stdnum.it import codicefiscale as _stdcf
from stdnum.it import iva as _iva

__all__ = [
    "DatiCF",
    "EsitoCF",
    "applica_omocodia",
    "codice_temporaneo",
    "confronta",
    "decodifica",
    "e_temporaneo",
    "genera",
    "luogo_da_belfiore",
    "normalizza",
    "valida",
]

MESI = "ABCDEHLMPRST"
# Omocodia: the Agenzia replaces digits, right to left, with these letters.
_OMO_LETTERE = "LMNPQRSTUV"
_DA_OMOCODIA = str.maketrans(_OMO_LETTERE, "0123456789")
_A_OMOCODIA = str.maketrans("0123456789", _OMO_LETTERE)
# Positions that hold digits in a personal code, in the order omocodia replaces them.
_POSIZIONI_OMOCODIA = (14, 13, 12, 10, 9, 7, 6)

PREFISSO_TEMPORANEO = "TMP"
_RE_TEMPORANEO = re.compile(r"^TMP[0-9]{12}[A-Z]$")
_RE_PERSONALE = re.compile(
    r"^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$"
)
_RE_NUMERICO = re.compile(r"^[0-9]{11}$")


@dataclass(frozen=True)
class EsitoCF:
    """Outcome of `valida`: `errori` are Italian messages for the user, empty when valid."""

    valido: bool
    errori: list[str] = field(default_factory=list)
    codice: str = ""
    numerico: bool = False
    temporaneo: bool = False


@dataclass(frozen=True)
class DatiCF:
    """What a 16-character code says about its holder."""

    data_nascita: dt.date
    sesso: str
    codice_belfiore: str
    comune_nascita: str | None
    provincia_nascita: str | None
    estero: bool
    stato_estero: str | None
    omocodice: bool


def normalizza(cf: str | None) -> str:
    """Uppercase, without spaces, dots, dashes or other separators people type."""
    if not cf:
        return ""
    return re.sub(r"[^0-9A-Za-z]", "", str(cf)).upper()


def _calcola_controllo(primi15: str) -> str:
    return _stdcf.calc_check_digit(primi15)


def _senza_omocodia(cf: str) -> str:
    """The code with omocodia letters turned back into digits (check char not recomputed)."""
    caratteri = list(cf)
    for i in _POSIZIONI_OMOCODIA:
        caratteri[i] = caratteri[i].translate(_DA_OMOCODIA)
    return "".join(caratteri)


def applica_omocodia(cf: str, livello: int) -> str:
    """Replace the last `livello` (1-7) digits with letters, as the Agenzia does for clashes."""
    cf = normalizza(cf)
    if not 1 <= livello <= len(_POSIZIONI_OMOCODIA):
        raise ValueError("Il livello di omocodia va da 1 a 7")
    caratteri = list(_senza_omocodia(cf))
    for i in _POSIZIONI_OMOCODIA[:livello]:
        caratteri[i] = caratteri[i].translate(_A_OMOCODIA)
    base = "".join(caratteri[:15])
    return base + _calcola_controllo(base)


@lru_cache(maxsize=1)
def _tabella_belfiore() -> dict:
    return get_indexed_data()["codes"]


def luogo_da_belfiore(codice: str, data: dt.date | None = None) -> dict | None:
    """The Comune or country of a Belfiore code: its current entry, or the one valid at `data`.

    Without `data` we return today's name (Agrigento, not Girgenti): that is what users search.
    """
    opzioni = _tabella_belfiore().get(codice.upper())
    if not opzioni:
        return None
    if data is not None:
        quando = data.isoformat()
        for o in opzioni:
            dal = o["date_created"][:10] or "0000-00-00"
            al = o["date_deleted"][:10] or "9999-99-99"
            if dal <= quando <= al:
                return o
    # A suppressed Comune has no open entry: take its last one.
    return max(opzioni, key=lambda o: (o["date_deleted"] or "9999", o["date_created"]))


def _data_da_codice(cf: str, oggi: dt.date) -> dt.date:
    """Birth date, choosing the century that gives the most recent date not after `oggi`."""
    base = _senza_omocodia(cf)
    aa = int(base[6:8])
    mese = MESI.index(base[8]) + 1
    giorno = int(base[9:11])
    if giorno > 40:
        giorno -= 40
    anno = (oggi.year // 100) * 100 + aa
    for candidato in (anno, anno - 100, anno - 200):
        try:
            data = dt.date(candidato, mese, giorno)
        except ValueError:
            continue  # e.g. 29 February in a non-leap century
        if data <= oggi:
            return data
    raise ValueError("Data di nascita non valida nel codice fiscale")


def _controlla_personale(cf: str) -> list[str]:
    errori = []
    if not _RE_PERSONALE.match(cf):
        if not cf[:6].isalpha():
            errori.append("I primi 6 caratteri (cognome e nome) devono essere lettere")
        if cf[8] not in MESI:
            errori.append(f"Lettera del mese non valida: {cf[8]}")
        if not errori:
            errori.append("Il codice fiscale non ha il formato previsto")
        return errori
    base = _senza_omocodia(cf)
    giorno = int(base[9:11])
    if not (1 <= giorno <= 31 or 41 <= giorno <= 71):
        errori.append(f"Giorno di nascita non valido: {base[9:11]}")
    else:
        try:
            _data_da_codice(cf, dt.date.today())
        except ValueError:
            errori.append("La data di nascita nel codice fiscale non esiste")
    atteso = _calcola_controllo(cf[:15])
    if cf[15] != atteso:
        errori.append(f"Carattere di controllo errato: atteso {atteso}")
    if luogo_da_belfiore(base[11:15]) is None:
        errori.append(f"Codice del luogo di nascita sconosciuto: {base[11:15]}")
    return errori


def valida(cf: str | None) -> EsitoCF:
    """Check a code typed by a user; never raises."""
    codice = normalizza(cf)
    if not codice:
        return EsitoCF(False, ["Il codice fiscale è obbligatorio"], codice)
    if e_temporaneo(codice):
        return EsitoCF(
            False,
            ["Codice temporaneo assegnato dall'Ambito: non è un codice fiscale"],
            codice,
            temporaneo=True,
        )
    if _RE_TEMPORANEO.match(codice):
        return EsitoCF(
            False,
            ["Codice temporaneo con carattere di controllo errato: verificare la trascrizione"],
            codice,
            temporaneo=True,
        )
    if _RE_NUMERICO.match(codice):
        if not _iva.is_valid(codice):
            atteso = _luhn.calc_check_digit(codice[:10])
            errore = (
                f"Carattere di controllo errato: atteso {atteso}"
                if atteso != codice[10]
                else "Codice fiscale numerico non valido (codice ufficio inesistente)"
            )
            return EsitoCF(False, [errore], codice, numerico=True)
        return EsitoCF(True, [], codice, numerico=True)
    if len(codice) != 16:
        return EsitoCF(
            False,
            [f"Il codice fiscale deve avere 16 caratteri (o 11 cifre se numerico): ne ha {len(codice)}"],
            codice,
        )
    errori = _controlla_personale(codice)
    return EsitoCF(not errori, errori, codice)


def decodifica(cf: str, *, oggi: dt.date | None = None) -> DatiCF:
    """Birth date, sex and birthplace of a valid 16-character code; ValueError otherwise."""
    esito = valida(cf)
    if not esito.valido:
        raise ValueError("; ".join(esito.errori))
    if esito.numerico:
        raise ValueError("Il codice fiscale numerico non contiene dati anagrafici")
    codice = esito.codice
    base = _senza_omocodia(codice)
    data = _data_da_codice(codice, oggi or dt.date.today())
    belfiore = base[11:15]
    luogo = luogo_da_belfiore(belfiore) or {}
    estero = belfiore.startswith("Z")
    nome_luogo = luogo.get("name") or None
    return DatiCF(
        data_nascita=data,
        sesso="F" if int(base[9:11]) > 40 else "M",
        codice_belfiore=belfiore,
        comune_nascita=None if estero else nome_luogo,
        provincia_nascita=None if estero else (luogo.get("province") or None),
        estero=estero,
        stato_estero=nome_luogo if estero else None,
        omocodice=base[:15] != codice[:15],
    )


def _senza_accenti(testo: str) -> str:
    return unicodedata.normalize("NFKD", testo).encode("ascii", "ignore").decode("ascii")


@lru_cache(maxsize=8192)
def codifica_cognome(cognome: str) -> str:
    """The three letters of a surname (consonants first, then vowels, X to pad)."""
    return _cflib.encode_lastname(cognome).upper()


@lru_cache(maxsize=8192)
def codifica_nome(nome: str) -> str:
    """The three letters of a first name (1st, 3rd, 4th consonant when there are more than 3)."""
    return _cflib.encode_firstname(nome).upper()


def _fmt(data: dt.date) -> str:
    return data.strftime("%d/%m/%Y")


def confronta(
    cf: str,
    *,
    cognome: str,
    nome: str,
    data_nascita: dt.date,
    sesso: str,
    codice_belfiore: str | None = None,
) -> list[str]:
    """Italian messages for each typed datum that disagrees with the code (empty if none).

    The typed birth date also settles the century, so the date check is exact.
    """
    esito = valida(cf)
    if not esito.valido:
        return list(esito.errori)
    if esito.numerico:
        return []  # nothing personal to compare with
    codice = esito.codice
    base = _senza_omocodia(codice)
    messaggi = []
    if cognome and codifica_cognome(cognome) != codice[0:3]:
        messaggi.append(
            f"Il cognome indicato ({cognome}) non corrisponde al codice fiscale: "
            f"atteso {codice[0:3]}, il cognome dà {codifica_cognome(cognome)}"
        )
    if nome and codifica_nome(nome) != codice[3:6]:
        messaggi.append(
            f"Il nome indicato ({nome}) non corrisponde al codice fiscale: "
            f"atteso {codice[3:6]}, il nome dà {codifica_nome(nome)}"
        )
    dati = decodifica(codice, oggi=max(data_nascita or dt.date.today(), dt.date.today()))
    if data_nascita is not None:
        # Re-anchor the code's year to the typed date's century (codes carry only two digits).
        anno = data_nascita.year - data_nascita.year % 100 + dati.data_nascita.year % 100
        try:
            dal_codice = dati.data_nascita.replace(year=anno)
        except ValueError:
            dal_codice = dati.data_nascita
        if dal_codice != data_nascita:
            messaggi.append(
                f"La data di nascita indicata ({_fmt(data_nascita)}) non corrisponde a quella "
                f"del codice fiscale ({_fmt(dal_codice)})"
            )
    sesso = (sesso or "").upper()
    if sesso and sesso != dati.sesso:
        messaggi.append(
            f"Il sesso indicato ({sesso}) non corrisponde a quello del codice fiscale ({dati.sesso})"
        )
    if codice_belfiore and codice_belfiore.upper() != base[11:15]:
        messaggi.append(
            f"Il luogo di nascita indicato ({codice_belfiore.upper()}) non corrisponde a quello "
            f"del codice fiscale ({base[11:15]})"
        )
    return messaggi


def genera(*, cognome: str, nome: str, data_nascita: dt.date, sesso: str, codice_belfiore: str) -> str:
    """The code the Agenzia would compute (without omocodia). Fast enough for bulk generation."""
    sesso = sesso.upper()
    if sesso not in ("M", "F"):
        raise ValueError("Il sesso deve essere M o F")
    belfiore = codice_belfiore.upper()
    if not re.fullmatch(r"[A-Z][0-9]{3}", belfiore):
        raise ValueError(f"Codice Belfiore non valido: {codice_belfiore}")
    giorno = data_nascita.day + (40 if sesso == "F" else 0)
    primi15 = (
        f"{codifica_cognome(cognome)}{codifica_nome(nome)}"
        f"{data_nascita.year % 100:02d}{MESI[data_nascita.month - 1]}{giorno:02d}{belfiore}"
    )
    return primi15 + _calcola_controllo(primi15)


def _controllo_temporaneo(primi15: str) -> str:
    # The CF check algorithm works on any A-Z/0-9 string: reuse it to catch typos.
    return _calcola_controllo(primi15)


def codice_temporaneo(
    *, cognome: str, nome: str, data_nascita: dt.date | None, sesso: str = "", progressivo: int = 0
) -> str:
    """A stable code for a person without a codice fiscale: "TMP" + 12 digits + check letter.

    The digits come from a SHA-256 of the normalised name, birth date, sex and `progressivo`,
    so the same person typed twice gets the same code (a duplicate hint), and a clash between
    different people is resolved by raising `progressivo`. It is 16 characters long, fits a CF
    column, and can never pass `valida` (a digit where a real code has a letter).
    """
    chiave = "|".join(
        [
            _senza_accenti(cognome).upper().strip(),
            _senza_accenti(nome).upper().strip(),
            data_nascita.isoformat() if data_nascita else "",
            (sesso or "").upper(),
            str(progressivo),
        ]
    )
    cifre = str(int.from_bytes(hashlib.sha256(chiave.encode()).digest()[:8], "big") % 10**12).zfill(12)
    primi15 = PREFISSO_TEMPORANEO + cifre
    return primi15 + _controllo_temporaneo(primi15)


def e_temporaneo(cf: str | None) -> bool:
    """True for a well-formed code made by `codice_temporaneo` (check letter included)."""
    codice = normalizza(cf)
    return bool(_RE_TEMPORANEO.match(codice)) and codice[15] == _controllo_temporaneo(codice[:15])
