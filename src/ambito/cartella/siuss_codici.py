"""SINA and SINBA code lists, read from INPS's XSDs (vendored in `cartella/xsd/`).

Nothing here is typed by hand: each attribute of the SINA section (`SINAType` of
PS_PSA_SINA201812.xsd) and of the SINBA record (`SinbaType` of SINBA.xsd) is read with its
`use` (required/optional) and its simple type, whether declared as a named top-level
`xs:simpleType` or inline. Enumerations give the codes, with their label from
`xs:documentation` when present; other restrictions (pattern, length, numeric bounds) are kept and
checked too. Repeated elements with a simple type (SINA `InvCiv`, SINBA `ComposizioneFamiglia`,
`CodicePrestazione`) are exposed like attributes, with `multiplo=True`.

Parsed once per process (lxml, cached).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lxml import etree

XSD_DIR = Path(__file__).parent / "xsd"
XS = "{http://www.w3.org/2001/XMLSchema}"
_SCHEMI = {
    "sina": ("PS_PSA_SINA201812.xsd", "SINAType", "SINA"),
    "sinba": ("SINBA.xsd", "SinbaType", "SINBA"),
}

# SINBA attributes the export computes from the person, the residence and the ISEE (or from the
# deliveries): the assessment does not ask for them, so they are not required in it.
SINBA_DERIVATI = frozenset(
    {
        "IDBeneficiario",
        "AnnoNascita",
        "CodiceNazioneResidenza",
        "CodiceRegioneResidenza",
        "FasciaEtaBeneficiario",
        "FasciaISEEBeneficiario",
        "NumeroComponentiISEE",
        "CodicePrestazione",
    }
)

# Accents the XSD names leave out, for readable labels.
_ACCENTI = {
    "mobilita": "mobilità",
    "attivita": "attività",
    "disabilita": "disabilità",
    "invalidita": "invalidità",
    "necessita": "necessità",
    "autorita": "autorità",
    "potesta": "potestà",
    "eta": "età",
    "no": "non",
    "acc": "accompagnato",
    "inv": "invalidità",
    "civ": "civile",
}


@dataclass(frozen=True)
class Attributo:
    nome: str
    obbligatorio: bool
    codici: dict[str, str] = field(default_factory=dict)
    pattern: str | None = None
    base: str = "xs:string"
    lunghezza_min: int | None = None
    lunghezza_max: int | None = None
    minimo: int | None = None
    massimo: int | None = None
    multiplo: bool = False

    @property
    def etichetta(self) -> str:
        return etichetta_attributo(self.nome)

    @property
    def enumerato(self) -> bool:
        return bool(self.codici)

    def descrivi_ammessi(self) -> str:
        if self.codici:
            return ", ".join(f"{c} ({e})" if e != c else c for c, e in self.codici.items())
        if self.pattern == r"((0[1-9])|(1[0-2]))[/](19|20)[0-9]{2}":
            return "mese e anno nel formato MM/AAAA"
        if self.pattern:
            return f"un valore nel formato {self.pattern}"
        if self.minimo is not None or self.massimo is not None:
            return f"un numero intero da {self.minimo if self.minimo is not None else 0} a {self.massimo}"
        if self.lunghezza_min is not None or self.lunghezza_max is not None:
            return f"un testo da {self.lunghezza_min or 0} a {self.lunghezza_max} caratteri"
        return "un testo"


def etichetta_attributo(nome: str) -> str:
    """'MinoreStranieroNoAcc' -> 'Minore straniero non accompagnato' (for labels and messages)."""
    parole = re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z]*|[a-z]+|\d+", nome)
    if not parole:
        return nome
    out = []
    for i, p in enumerate(parole):
        if p.isupper() and len(p) > 1:  # acronyms: ISEE, ID, SSN
            out.append(p)
            continue
        w = _ACCENTI.get(p.lower(), p.lower())
        out.append(w.capitalize() if i == 0 else w)
    return " ".join(out)


def _ripara(testo: str) -> str:
    """Undo UTF-8 read as Latin-1 ('DisabilitÃ\xa0' -> 'Disabilità'), found in INPS's files."""
    if "Ã" in testo or "â€" in testo:
        for codifica in ("cp1252", "latin-1"):
            try:
                return " ".join(testo.encode(codifica).decode("utf-8").split())
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
    return " ".join(testo.split())


def _documentazione(nodo) -> str:
    doc = nodo.find(f"{XS}annotation/{XS}documentation")
    return _ripara(doc.text or "") if doc is not None and doc.text else ""


def _leggi_restrizione(tipo_semplice) -> dict:
    r = tipo_semplice.find(f"{XS}restriction")
    if r is None:
        return {}
    out: dict = {"base": r.get("base", "xs:string"), "codici": {}}
    for e in r.findall(f"{XS}enumeration"):
        codice = e.get("value")
        out["codici"][codice] = _documentazione(e) or codice
    p = r.find(f"{XS}pattern")
    if p is not None:
        out["pattern"] = p.get("value")
    for tag, chiave in (
        ("minLength", "lunghezza_min"),
        ("maxLength", "lunghezza_max"),
        ("minInclusive", "minimo"),
        ("maxInclusive", "massimo"),
    ):
        n = r.find(f"{XS}{tag}")
        if n is not None:
            out[chiave] = int(n.get("value"))
    n = r.find(f"{XS}length")
    if n is not None:
        out["lunghezza_min"] = out["lunghezza_max"] = int(n.get("value"))
    return out


def _tipo(nodo, tipi: dict) -> dict:
    nome_tipo = nodo.get("type")
    if nome_tipo:
        nome_tipo = nome_tipo.split(":")[-1]
        if nome_tipo in tipi:
            return _leggi_restrizione(tipi[nome_tipo])
        return {"base": nodo.get("type")}
    inline = nodo.find(f"{XS}simpleType")
    return _leggi_restrizione(inline) if inline is not None else {}


def _obbligatorio_elemento(el, radice) -> bool:
    nodo = el
    while nodo is not None and nodo is not radice:
        if nodo.tag == f"{XS}element" and nodo.get("minOccurs") == "0":
            return False
        nodo = nodo.getparent()
    return True


@cache
def attributi(schema: str) -> dict[str, Attributo]:
    """Every attribute (and repeated simple element) of the SINA section or the SINBA record."""
    if schema not in _SCHEMI:
        raise ValueError(f"Schema sconosciuto: {schema!r} (ammessi: sina, sinba).")
    nome_file, nome_complesso, _ = _SCHEMI[schema]
    radice = etree.parse(str(XSD_DIR / nome_file)).getroot()
    tipi = {t.get("name"): t for t in radice.findall(f"{XS}simpleType")}
    complesso = radice.find(f"{XS}complexType[@name='{nome_complesso}']")
    if complesso is None:
        raise ValueError(f"{nome_file}: manca il tipo {nome_complesso}.")
    out: dict[str, Attributo] = {}
    for el in complesso.iter(f"{XS}element"):
        if el.find(f"{XS}complexType") is not None:
            continue  # a container (Prestazioni, Famiglia): its children are read on their own
        out[el.get("name")] = Attributo(
            nome=el.get("name"),
            obbligatorio=_obbligatorio_elemento(el, complesso),
            multiplo=True,
            **_tipo(el, tipi),
        )
    for a in complesso.findall(f"{XS}attribute"):
        out[a.get("name")] = Attributo(
            nome=a.get("name"), obbligatorio=a.get("use") == "required", **_tipo(a, tipi)
        )
    return out


def codici_attributo(schema: str, attributo: str) -> dict[str, str]:
    """Codes of an attribute, code -> label (the code itself when the XSD gives no label)."""
    try:
        return dict(attributi(schema)[attributo].codici)
    except KeyError:
        raise KeyError(f"{schema.upper()}: attributo sconosciuto «{attributo}».") from None


def attributi_sinba() -> list[tuple[str, bool, dict[str, str]]]:
    """(name, required, codes) of every SINBA attribute, in the XSD's order."""
    return [(a.nome, a.obbligatorio, dict(a.codici)) for a in attributi("sinba").values()]


def attributi_sina() -> list[tuple[str, bool, dict[str, str]]]:
    return [(a.nome, a.obbligatorio, dict(a.codici)) for a in attributi("sina").values()]


def _errori_valore(prefisso: str, a: Attributo, valore) -> list[str]:
    valori = valore if isinstance(valore, (list, tuple)) else [valore]
    if a.multiplo is False and isinstance(valore, (list, tuple)):
        return [f"{prefisso}, «{a.nome}» ({a.etichetta}): è ammesso un solo valore."]
    errori = []
    for v in valori:
        v = "" if v is None else str(v).strip()
        if a.codici:
            ok = v in a.codici
        elif a.base in ("xs:int", "xs:integer"):
            ok = re.fullmatch(r"-?\d+", v) is not None and (
                (a.minimo is None or int(v) >= a.minimo) and (a.massimo is None or int(v) <= a.massimo)
            )
        else:
            ok = (
                (a.pattern is None or re.fullmatch(a.pattern, v) is not None)
                and (a.lunghezza_min is None or len(v) >= a.lunghezza_min)
                and (a.lunghezza_max is None or len(v) <= a.lunghezza_max)
            )
        if not ok:
            errori.append(
                f"{prefisso}, «{a.nome}» ({a.etichetta}): il valore «{v}» non è ammesso; "
                f"valori ammessi: {a.descrivi_ammessi()}."
            )
    return errori


def _valida(schema: str, dati: dict, *, esclusi_obbligo: frozenset[str] = frozenset()) -> list[str]:
    prefisso = _SCHEMI[schema][2]
    definiti = attributi(schema)
    errori = []
    for nome in dati:
        if nome not in definiti:
            errori.append(f"{prefisso}: attributo sconosciuto «{nome}».")
    for nome, a in definiti.items():
        valore = dati.get(nome)
        vuoto = valore is None or valore == "" or valore == [] or valore == ()
        if vuoto:
            if a.obbligatorio and nome not in esclusi_obbligo:
                errori.append(
                    f"{prefisso}, «{nome}» ({a.etichetta}) è obbligatorio; "
                    f"valori ammessi: {a.descrivi_ammessi()}."
                )
            continue
        errori.extend(_errori_valore(prefisso, a, valore))
    return errori


def valida_sina(dati: dict) -> list[str]:
    """Errors (Italian) of a SINA section, keyed by the XSD's names (Mobilita, InvCiv: [...], ...).
    Empty when valid."""
    return _valida("sina", dati)


def valida_sinba(dati: dict, *, completo: bool = False) -> list[str]:
    """Errors (Italian) of SINBA data keyed by the XSD's names. By default the attributes the
    export derives from the person and the ISEE (`SINBA_DERIVATI`) are not required."""
    return _valida("sinba", dati, esclusi_obbligo=frozenset() if completo else SINBA_DERIVATI)
