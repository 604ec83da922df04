"""SIUSS flows as XML, from plain dicts: no Django here (pure engine).

- `xml_ps(...)`: a PS/PSA/SINA `Flusso` (PS_PSA_SINA201812.xsd), one or more beneficiaries,
  each with one or more `PrestazioniSociali` (optional `SINA` child);
- `xml_sinba(...)`: a SINBA `Flusso` (SINBA.xsd), one or more `SINBA` records;
- `documento_ps(...)`, `documento_sinba(...)`, `valida_documento(tipo, doc)`, `imposta_nome`,
  `serializza`: the same flows as trees, so that a generation validates each tree with the
  compiled schema and serialises it once (no serialise-and-parse round trips);
- `valida(tipo, xml)`: the XSD's errors, in Italian-prefixed form ("Elemento PrestazioniSociali,
  attributo CodicePrestazione: ..."), each also as a dict (elemento, attributo, messaggio);
- `id_flusso(...)`: 'EEEEE.TIPO.AAAAMMGG.NNNNNNN' (technical specification v2.0.1, §3.2);
- `id_beneficiario_sinba(cf, chiave)`: the pseudonymous, keyed (HMAC-SHA256) SINBA id;
- `prestazione_da_riga(...)`, `beneficiario_da_riga(...)`, `sinba_da_riga(...)`: the mapping from
  the plain dict of `erogazioni_per_siuss` to the XSD's attributes, with the checks the XSD
  cannot express (the specification's conditional rules) as `Problema`s.

The XSDs are INPS's own, vendored in `ambito/cartella/xsd/` and loaded once per process.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import operator
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import cache, lru_cache
from json.encoder import c_make_encoder, encode_basestring
from pathlib import Path

from lxml import etree

NS = "http://inps.it/Casellario"
XSD_DIR = Path(__file__).resolve().parent.parent / "cartella" / "xsd"
PS = "PS_PSA_SINA"
SINBA = "SINBA"
TIPI = (PS, SINBA)
SIGLA = {PS: "PS", SINBA: "SINBA"}  # the TIPO part of id_flusso
_FILE_XSD = {PS: "PS_PSA_SINA201812.xsd", SINBA: "SINBA.xsd"}
LUNGHEZZA_ID_SINBA = 20  # SinbaType/@IDBeneficiario maxLength
ITALIA_ISO = "380"
CENTESIMO = Decimal("0.01")

# ISTAT code of the province (first three digits of a Comune's ISTAT code) -> ISTAT region code
# (two digits, the coding SIUSS asks for in Indirizzo/@CodiceRegione).
_REGIONI_PROVINCE = {
    "01": "001 002 003 004 005 006 096 103",
    "02": "007",
    "03": "012 013 014 015 016 017 018 019 020 097 098 108",
    "04": "021 022",
    "05": "023 024 025 026 027 028 029",
    "06": "030 031 032 093",
    "07": "008 009 010 011",
    "08": "033 034 035 036 037 038 039 040 099",
    "09": "045 046 047 048 049 050 051 052 053 100",
    "10": "054 055",
    "11": "041 042 043 044 109",
    "12": "056 057 058 059 060",
    "13": "066 067 068 069",
    "14": "070 094",
    "15": "061 062 063 064 065",
    "16": "071 072 073 074 075 110",
    "17": "076 077",
    "18": "078 079 080 101 102",
    "19": "081 082 083 084 085 086 087 088 089",
    "20": "090 091 092 095 104 105 106 107 111",
}
REGIONE_DI_PROVINCIA = {p: r for r, ps in _REGIONI_PROVINCE.items() for p in ps.split()}

# Citizenship: the case record keeps ISTAT's 3-digit code of the State (100 = Italia); SIUSS wants
# ISO 3166-1 numeric (380 = Italia). Only the codes listed here are converted; any other is
# reported on the data-quality page rather than guessed.
CITTADINANZA_ISTAT_ISO = {
    "100": "380", "201": "008", "203": "040", "206": "056", "209": "100", "212": "208",
    "214": "246", "215": "250", "216": "276", "219": "826", "220": "300", "221": "372",
    "226": "442", "227": "470", "231": "578", "232": "528", "233": "616", "234": "620",
    "235": "642", "236": "674", "239": "724", "240": "752", "241": "756", "243": "804",
    "244": "348", "245": "643", "247": "233", "248": "428", "249": "440", "250": "191",
    "251": "705", "252": "070", "253": "807", "254": "498", "255": "703", "256": "112",
    "257": "203", "270": "499", "271": "688",
    "301": "004", "305": "050", "311": "144", "314": "156", "323": "608", "330": "356",
    "332": "364", "333": "368", "344": "586",
    "401": "012", "404": "384", "419": "818", "436": "504", "443": "566", "450": "686",
    "460": "788",
    "536": "840", "602": "032", "604": "068", "605": "076", "606": "152", "608": "170",
    "609": "218", "615": "604",
}  # fmt: skip


# --- problems ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problema:
    """One reason a flow is not sendable. `oggetto` says where to fix it: persona, residenza,
    caso, intervento, isee, servizio (the catalogue's crosswalk), valutazione, comune, xsd."""

    oggetto: str
    campo: str
    messaggio: str
    elemento: str = ""
    attributo: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


# Where each XSD attribute comes from in the case record: (oggetto, field label).
ORIGINE_ATTRIBUTO = {
    "CodiceFiscale": ("persona", "codice fiscale"),
    "Cognome": ("persona", "cognome"),
    "Nome": ("persona", "nome"),
    "AnnoNascita": ("persona", "data di nascita"),
    "LuogoNascita": ("persona", "codice catastale del luogo di nascita"),
    "Genere": ("persona", "sesso"),
    "CodiceCittadinanza": ("persona", "cittadinanza"),
    "CodiceSecondaCittadinanza": ("persona", "seconda cittadinanza"),
    "CodiceRegione": ("residenza", "Comune di residenza"),
    "CodiceComune": ("residenza", "Comune di residenza"),
    "CodiceNazione": ("residenza", "Stato di residenza"),
    "PresenzaProvaMezzi": ("intervento", "prova dei mezzi"),
    "CaratterePrestazione": ("intervento", "carattere della prestazione"),
    "ProtocolloDomanda": ("intervento", "protocollo della domanda"),
    "NumeroProtocolloDSU": ("isee", "protocollo DSU dell'ISEE"),
    "AnnoProtocolloDSU": ("isee", "data della DSU"),
    "DataDSU": ("isee", "data della DSU"),
    "CodicePrestazione": ("servizio", "codice prestazione SIUSS (corrispondenza nel catalogo)"),
    "DenominazionePrestazione": ("servizio", "denominazione della prestazione SIUSS"),
    "AreaUtenza": ("servizio", "area di utenza SIUSS (corrispondenza nel catalogo)"),
    "DataInizioPrestazione": ("erogazione", "periodo dell'erogazione"),
    "DataFinePrestazione": ("erogazione", "periodo dell'erogazione"),
    "DataErogazionePrestazione": ("erogazione", "data di erogazione"),
    "ImportoPrestazione": ("erogazione", "importo"),
    "ImportoMensile": ("erogazione", "importo"),
    "ImportoQuotaEnte": ("erogazione", "quota ente"),
    "ImportoQuotaUtente": ("erogazione", "quota utente"),
    "ImportoQuotaSSN": ("erogazione", "quota SSN"),
    "Codice": ("comune", "codice catastale del Comune"),
    "Indirizzo": ("comune", "codice catastale del Comune"),
    "Denominazione": ("comune", "denominazione del Comune"),
    "CFOperatore": ("comune", "codice fiscale del Comune (CFOperatore)"),
    "IDBeneficiario": ("persona", "codice fiscale"),
    "FasciaEtaBeneficiario": ("persona", "data di nascita"),
    "FasciaISEEBeneficiario": ("isee", "valore ISEE"),
    "CodiceNazioneResidenza": ("residenza", "Stato di residenza"),
    "CodiceRegioneResidenza": ("residenza", "Comune di residenza"),
}


def denominazione_prestazione(r: dict) -> str | None:
    """The SIUSS table's name, completed with the service's own name when it is shorter than the
    10 characters the XSD requires (the catch-all Z9.99 is just "Altro")."""
    nome = (r.get("denominazione_prestazione") or "").strip()
    servizio = (r.get("servizio_nome") or "").strip()
    if len(nome) < 10 and servizio:
        nome = f"{nome} – {servizio}" if nome else servizio
    return nome[:200] or None


def origine(elemento: str, attributo: str) -> tuple[str, str]:
    if elemento == "SINA" or elemento in ("InvCiv", "NecessitaInterventiSociali", "InvaliditaCivile"):
        return "valutazione", f"valutazione UVM (SINA): {attributo or elemento}"
    if elemento in ("SINBA", "ComposizioneFamiglia", "Famiglia") and attributo not in ORIGINE_ATTRIBUTO:
        return "valutazione", f"valutazione del minore (SINBA): {attributo or elemento}"
    return ORIGINE_ATTRIBUTO.get(attributo, ("xsd", attributo or elemento))


# --- ids ---------------------------------------------------------------------------------------


def id_flusso(codice_ente: str, tipo: str, giorno: dt.date, progressivo: int) -> str:
    """'F100.PS.20250131.0000007': Ente code, PS or SINBA, creation day, daily progressive."""
    if not 0 < progressivo <= 9_999_999:
        raise ValueError(f"Progressivo giornaliero fuori intervallo: {progressivo}.")
    return f"{codice_ente}.{SIGLA[tipo]}.{giorno:%Y%m%d}.{progressivo:07d}"


def id_beneficiario_sinba(codice_fiscale: str, chiave: bytes) -> str:
    """Keyed pseudonym of a minor: HMAC-SHA256 of the normalised codice fiscale, base32 (A-Z, 2-7),
    first 20 characters (100 bits). Same minor and key -> same id; without the key it can be
    neither reversed nor recomputed from a list of codici fiscali."""
    if not chiave:
        raise ValueError("Manca la chiave per lo pseudonimo SINBA.")
    cf = "".join(codice_fiscale.split()).upper()
    digest = hmac.new(chiave, cf.encode("ascii"), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii")[:LUNGHEZZA_ID_SINBA]


# json.dumps(dati, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":")), with
# one encoder for the process instead of one per call (same text).
_ENCODER_IMPRONTA = json.JSONEncoder(sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
if c_make_encoder is not None:
    # The C encoder JSONEncoder.encode would build at every call, built once (no circular-reference
    # markers: the data are plain dicts and lists). Same text, checked in test_engine.
    _c_impronta = c_make_encoder(None, str, encode_basestring, None, ":", ",", True, False, True)

    def json_impronta(dati) -> str:
        if dati.__class__ is str:
            return _ENCODER_IMPRONTA.encode(dati)
        return "".join(_c_impronta(dati, 0))

else:  # pragma: no cover - CPython always has the C encoder
    json_impronta = _ENCODER_IMPRONTA.encode


def impronta(dati) -> str:
    """A stable hash of plain data (dates and decimals as strings): unchanged content, same hash."""
    return hashlib.sha256(json_impronta(dati).encode("utf-8")).hexdigest()


@cache
def _chiave_json(k: str) -> str:
    return json_impronta(k)


def impronta_di_parti(parti: dict[str, str]) -> str:
    """`impronta` of a dict whose values are given already encoded with `json_impronta` (so that
    a part shared by many flows, such as the Ente, is encoded once): the same hash as
    `impronta({k: v ...})` on the decoded values, since the keys are sorted the same way."""
    chiavi = _chiavi_ordinate(tuple(parti))
    testo = "{" + ",".join([f"{_chiave_json(k)}:{parti[k]}" for k in chiavi]) + "}"
    return hashlib.sha256(testo.encode("utf-8")).hexdigest()


def _json_valore(v) -> str:
    """json_impronta(v), without the encoder's call for a delivery's own values: str(Decimal) and
    str(date) (what default=str gives) hold no character JSON escapes."""
    c = v.__class__
    if c is Decimal or c is dt.date:
        return f'"{v}"'
    if c is int:
        return int.__repr__(v)
    return json_impronta(v)


class ModelloJson:
    """json_impronta({**fisse, **variabili}) for many `variabili` with the same keys: the text of
    the fixed entries (the intervention's attributes, SINA) is encoded once, in the sorted order
    json_impronta uses, with a slot for each variable key."""

    def __init__(self, fisse: dict, chiavi_variabili: Iterable[str]):
        self.chiavi = tuple(sorted(chiavi_variabili))
        if set(self.chiavi) & set(fisse):
            raise ValueError("Una chiave non può essere sia fissa sia variabile.")
        pezzi, testo = [], "{"
        for i, k in enumerate(sorted([*fisse, *self.chiavi])):
            testo += ("," if i else "") + _chiave_json(k) + ":"
            if k in fisse:
                testo += json_impronta(fisse[k])
            else:
                pezzi.append(testo)
                testo = ""
        pezzi.append(testo + "}")
        self.pezzi = pezzi

    def testo(self, variabili: dict) -> str:
        pezzi = self.pezzi
        out = [pezzi[0]]
        for k, pezzo in zip(self.chiavi, pezzi[1:], strict=True):
            out.append(_json_valore(variabili[k]))
            out.append(pezzo)
        return "".join(out)


def prefisso_impronta(parti: dict[str, str], ultima: str) -> str:
    """The start of the text `impronta_di_parti` hashes for `parti` plus a part `ultima` whose key
    sorts after all of theirs, up to that part's value: parts shared by many flows (the Ente, the
    person) joined once; `impronta_da_prefisso` ends it."""
    if any(k >= ultima for k in parti):
        raise ValueError(f"La parte {ultima!r} deve seguire le altre nell'ordine delle chiavi.")
    testi = [f"{_chiave_json(k)}:{parti[k]}," for k in sorted(parti)]
    return "{" + "".join(testi) + f"{_chiave_json(ultima)}:"


def impronta_da_prefisso(prefisso: str, ultima_json: str) -> str:
    """= impronta_di_parti({**parti, ultima: ultima_json}) for prefisso_impronta(parti, ultima)."""
    return hashlib.sha256(f"{prefisso}{ultima_json}}}".encode()).hexdigest()


@cache
def _chiavi_ordinate(chiavi: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(chiavi))


def sha256(xml: bytes | str) -> str:
    return hashlib.sha256(xml.encode("utf-8") if isinstance(xml, str) else xml).hexdigest()


# --- values ------------------------------------------------------------------------------------


def _testo(v) -> str | None:
    """XSD text of a value; None and "" mean 'absent' (the attribute is left out)."""
    if v.__class__ is str:  # most values: the fast path first
        return v.strip() or None
    if v is None:
        return None
    if isinstance(v, bool):
        return "1" if v else "2"
    if isinstance(v, Decimal):
        return f"{v.quantize(CENTESIMO)}"
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    s = str(v).strip()
    return s or None


_TESTI_DECIMALI: dict[Decimal, str] = {}  # `_testo` of the amounts met (bounded, see `_valori`)


def _valori(attrs: dict, salta: str | None = None) -> dict[str, str]:
    """The attributes as XSD text, absent ones left out (and the key `salta`): given whole to lxml
    at the element's creation (one call instead of one `set` per attribute; same order, same
    bytes). Amounts repeat: their text is remembered (non-zero ones only, so that Decimal("-0")
    and Decimal("0"), equal as keys, never share an entry; "1.0" and "1.00" give the same text)."""
    out = {}
    for k, v in attrs.items():
        if k == salta:
            continue
        c = v.__class__
        if c is str:  # `_testo`'s fast path, inline (most values)
            v = v.strip()
            if v:
                out[k] = v
        elif v is None:
            continue
        elif c is Decimal and v:
            t = _TESTI_DECIMALI.get(v)
            if t is None:
                t = _testo(v)
                if len(_TESTI_DECIMALI) < 100_000:
                    _TESTI_DECIMALI[v] = t
            out[k] = t
        elif c is dt.date:  # `_testo` of a date (not a datetime: exact class)
            out[k] = v.isoformat()
        elif c is int:  # not bool (exact class)
            out[k] = str(v)
        else:
            t = _testo(v)
            if t is not None:
                out[k] = t
    return out


def _q(nome: str) -> str:
    return f"{{{NS}}}{nome}"


_Q_PRESTAZIONI, _Q_BENEFICIARIO, _Q_ANAGRAFICA, _Q_INDIRIZZO = (
    _q("PrestazioniSociali"),
    _q("Beneficiario"),
    _q("Anagrafica"),
    _q("Indirizzo"),
)


@lru_cache(maxsize=1024)
def _modello(codice, denominazione, indirizzo, cf_operatore) -> etree._Element:
    """An empty Flusso with the Ente's header, built once per Ente and copied for each flow (a C
    deep copy costs less than building the three elements again)."""
    radice = etree.Element(_q("Flusso"), nsmap={None: NS})
    ident = etree.SubElement(radice, _q("IdentificazioneFlusso"), {"Nome": "-"})
    etree.SubElement(
        ident,
        _q("Ente"),
        _valori(
            {
                "Codice": codice,
                "Denominazione": (denominazione or "")[:100],
                "Indirizzo": indirizzo,
                "CFOperatore": cf_operatore,
            }
        ),
    )
    return radice


def _radice(nome: str, ente: dict) -> etree._Element:
    """Flusso and IdentificazioneFlusso/Ente, named `nome`."""
    modello = _modello(
        ente.get("Codice"), ente.get("Denominazione"), ente.get("Indirizzo"), ente.get("CFOperatore")
    )
    radice = modello.__deepcopy__(None)  # = deepcopy(modello), without the copy module's dispatch
    imposta_nome(radice, nome)
    return radice


def elemento_sina(sina: dict) -> etree._Element:
    """The SINA element of an assessment, on its own: a generation builds it once per assessment
    and copies it into its flow templates (`modello_prestazione`). Appended under a
    PrestazioniSociali, its namespace declaration is the parent's and is dropped: same bytes as
    an element built in place."""
    s = etree.Element(
        _q("SINA"),
        _valori({k: v for k, v in sina.items() if k not in ("NecessitaInterventiSociali", "InvCiv")}),
        nsmap={None: NS},
    )
    necessari = sina.get("NecessitaInterventiSociali") or []
    if necessari:
        n = etree.SubElement(s, _q("NecessitaInterventiSociali"))
        for c in necessari:
            etree.SubElement(n, _q("CodicePrestazione")).text = str(c)
    invalidita = sina.get("InvCiv") or []
    if invalidita:
        inv = etree.SubElement(s, _q("InvaliditaCivile"))
        for c in invalidita:
            etree.SubElement(inv, _q("InvCiv")).text = str(c)
    return s


def testi_xsd(attrs: dict) -> dict[str, str]:
    """An element's attributes as the XSD text lxml is given (absent ones left out)."""
    return _valori(attrs, salta="SINA")


def _prestazione(padre, p: dict) -> None:
    el = etree.SubElement(padre, _Q_PRESTAZIONI, _valori(p, salta="SINA"))
    if p.get("SINA"):
        el.append(elemento_sina(p["SINA"]))


def _beneficiario(radice, b: dict) -> etree._Element:
    be = etree.SubElement(radice, _Q_BENEFICIARIO, _valori({"CodiceFiscale": b.get("CodiceFiscale")}))
    etree.SubElement(be, _Q_ANAGRAFICA, _valori(b.get("Anagrafica", {})))
    for ind in b.get("Indirizzi", []):
        etree.SubElement(be, _Q_INDIRIZZO, _valori(ind))
    return be


def documento_ps(nome: str, ente: dict, beneficiari: Iterable[dict]) -> etree._Element:
    """A PS/PSA/SINA flow as a tree (validated and serialised once by the caller). `ente`: Codice,
    Denominazione, Indirizzo, CFOperatore. Each beneficiary: CodiceFiscale, Anagrafica {…},
    Indirizzi [{…}], Prestazioni [{XSD attributes…, SINA: {…}}]."""
    radice = _radice(nome, ente)
    for b in beneficiari:
        be = _beneficiario(radice, b)
        for p in b.get("Prestazioni", []):
            _prestazione(be, p)
    return radice


def modello_ps(ente: dict, beneficiario: dict) -> etree._Element:
    """A PS flow with the Ente's header and one Beneficiario (Anagrafica, Indirizzi) but no
    delivery (the Prestazioni of `beneficiario` are left out): see `modello_prestazione`."""
    radice = _radice("-", ente)
    _beneficiario(radice, beneficiario)
    return radice


def modello_prestazione(
    ente: dict, beneficiario: dict, testi_fissi: dict[str, str], sina_el: etree._Element | None = None
) -> etree._Element:
    """A PS flow whose one PrestazioniSociali has only the intervention's attributes
    (`testi_xsd(prestazione_fissa(...)[0])`) and its SINA: the deliveries of one intervention
    differ only by the attributes of `prestazione_variabile`, which come after those in the XML
    (the order of `prestazione_da_riga`) and which `documento_da_modello_prestazione` adds to a
    copy."""
    radice = modello_ps(ente, beneficiario)
    el = etree.SubElement(radice[1], _Q_PRESTAZIONI, testi_fissi)
    if sina_el is not None:
        el.append(sina_el.__deepcopy__(None))
    return radice


def documento_da_modello_prestazione(
    nome: str, modello: etree._Element, testi_variabili: dict[str, str]
) -> etree._Element:
    """What `documento_ps` builds for one delivery, from its intervention's
    `modello_prestazione` and `testi_xsd(prestazione_variabile(...)[0])`: a C deep copy, the
    name, and the delivery's attributes appended (libxml2 adds a new attribute last)."""
    doc = modello.__deepcopy__(None)
    imposta_nome(doc, nome)
    el = doc[1][-1]
    for k, v in testi_variabili.items():
        el.set(k, v)
    return doc


def xml_ps(nome: str, ente: dict, beneficiari: Iterable[dict]) -> bytes:
    """A PS/PSA/SINA flow as bytes (see `documento_ps`)."""
    return serializza(documento_ps(nome, ente, beneficiari))


def documento_sinba(nome: str, ente: dict, records: Iterable[dict]) -> etree._Element:
    """A SINBA flow as a tree. Each record: the SinbaType attributes, plus CodicePrestazione [..]
    and ComposizioneFamiglia [..] (the two repeated elements)."""
    radice = _radice(nome, ente)
    for r in records:
        el = etree.SubElement(
            radice,
            _q("SINBA"),
            _valori({k: v for k, v in r.items() if k not in ("CodicePrestazione", "ComposizioneFamiglia")}),
        )
        pr = etree.SubElement(el, _q("Prestazioni"))
        for c in r.get("CodicePrestazione") or []:
            etree.SubElement(pr, _q("CodicePrestazione")).text = str(c)
        fam = etree.SubElement(el, _q("Famiglia"))
        for c in r.get("ComposizioneFamiglia") or []:
            etree.SubElement(fam, _q("ComposizioneFamiglia")).text = str(c)
    return radice


def xml_sinba(nome: str, ente: dict, records: Iterable[dict]) -> bytes:
    """A SINBA flow as bytes (see `documento_sinba`)."""
    return serializza(documento_sinba(nome, ente, records))


def serializza(doc: etree._Element) -> bytes:
    return etree.tostring(doc, xml_declaration=True, encoding="UTF-8")


def imposta_nome(doc: etree._Element, nome: str) -> None:
    """IdentificazioneFlusso/@Nome (the Flusso's first child): the flow's id, known only once the
    flow is valid."""
    testo = _testo(nome)
    if testo is None:
        doc[0].attrib.pop("Nome", None)
    else:
        doc[0].set("Nome", testo)


# --- validation --------------------------------------------------------------------------------


@cache
def schema(tipo: str) -> etree.XMLSchema:
    """INPS's XSD for the flow type, parsed once per process."""
    return etree.XMLSchema(etree.parse(str(XSD_DIR / _FILE_XSD[tipo])))


_RE_ELEMENTO = re.compile(
    r"^Element '(?:\{[^}]*\})?(?P<el>[^']+)'(?:, attribute '(?P<at>[^']+)')?: (?P<msg>.*)$"
)
_RE_MANCANTE = re.compile(r"The attribute '(?P<at>[^']+)' is required but missing")
_RE_FIGLIO = re.compile(r"Missing child element\(s\)\. Expected is \( (?:\{[^}]*\})?(?P<el>[^ ]+) \)")


def _traduci(messaggio: str) -> str:
    m = _RE_MANCANTE.search(messaggio)
    if m:
        return "attributo obbligatorio mancante"
    m = _RE_FIGLIO.search(messaggio)
    if m:
        return f"manca l'elemento obbligatorio {m.group('el')}"
    messaggio = re.sub(r"\{https?://[^}]*\}", "", messaggio)
    m = re.search(
        r"\[facet 'enumeration'\] The value '([^']*)' is not an element of the set \{(.*)\}", messaggio
    )
    if m:
        return f"il valore «{m.group(1)}» non è tra quelli ammessi ({m.group(2)})"
    return f"valore non ammesso ({messaggio})"


def problemi_xsd(errori) -> list[Problema]:
    out = []
    for err in errori:
        m = _RE_ELEMENTO.match(err.message)
        elemento, attributo, msg = (
            (m.group("el"), m.group("at") or "", m.group("msg")) if m else ("", "", err.message)
        )
        mancante = _RE_MANCANTE.search(msg)
        if mancante:
            attributo = mancante.group("at")
        prefisso = f"Elemento {elemento}" + (f", attributo {attributo}" if attributo else "")
        oggetto, campo = origine(elemento, attributo)
        out.append(
            Problema(
                oggetto=oggetto,
                campo=campo,
                messaggio=f"{prefisso}: {_traduci(msg)}",
                elemento=elemento,
                attributo=attributo,
            )
        )
    return out


def valida(tipo: str, xml: bytes) -> list[Problema]:
    """The XSD's errors for a flow (empty when valid)."""
    try:
        doc = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        return [Problema("xsd", "XML", f"XML non ben formato: {exc}")]
    return valida_documento(tipo, doc)


def valida_documento(tipo: str, doc: etree._Element) -> list[Problema]:
    """The XSD's errors for a flow already in memory: no serialise-and-parse round trip."""
    s = schema(tipo)
    if s.validate(doc):
        return []
    return problemi_xsd(s.error_log)


def messaggi(problemi: Iterable[Problema]) -> list[str]:
    return [p.messaggio for p in problemi]


# --- from a delivery's plain dict to the XSD's attributes ---------------------------------------


def codice_regione(codice_istat_comune: str | None) -> str | None:
    if not codice_istat_comune or len(codice_istat_comune) != 6:
        return None
    return REGIONE_DI_PROVINCIA.get(codice_istat_comune[:3])


def _mesi(dal: dt.date, al: dt.date) -> int:
    return (al.year - dal.year) * 12 + al.month - dal.month + 1


def _manca(oggetto, campo, attributo, elemento="PrestazioniSociali") -> Problema:
    return Problema(
        oggetto, campo, f"Elemento {elemento}, attributo {attributo}: manca «{campo}»", elemento, attributo
    )


def ente_flusso(ente: dict, cf_operatore_predefinito: str = "") -> tuple[dict, list[Problema]]:
    """Ente element from a Comune's plain dict (nome, codice_catastale, codice_fiscale)."""
    cf = (ente.get("codice_fiscale") or cf_operatore_predefinito or "").strip()
    attrs = {
        "Codice": ente.get("codice_catastale"),
        "Denominazione": ente.get("nome"),
        "Indirizzo": ente.get("codice_catastale"),
        "CFOperatore": cf,
    }
    problemi = []
    if not ente.get("codice_catastale"):
        problemi.append(_manca("comune", "codice catastale del Comune", "Codice", "Ente"))
    if not cf:
        problemi.append(_manca("comune", "codice fiscale del Comune (CFOperatore)", "CFOperatore", "Ente"))
    return attrs, problemi


# The only keys of a row `beneficiario_da_riga` reads (pinned by test_engine): rows equal on these
# give the same Beneficiario, so that a generation maps and builds it once per person.
CAMPI_BENEFICIARIO = (
    "codice_fiscale",
    "cf_temporaneo",
    "cognome",
    "nome",
    "anno_nascita",
    "codice_belfiore_nascita",
    "genere",
    "cittadinanza",
    "seconda_cittadinanza",
    "residenza_istat",
)


chiave_beneficiario = operator.itemgetter(*CAMPI_BENEFICIARIO)  # of a row with all of them


def beneficiario_da_riga(r: dict) -> tuple[dict, list[Problema]]:
    """Beneficiario (without prestazioni) from a row of `erogazioni_per_siuss`; reads only the
    keys of CAMPI_BENEFICIARIO."""
    problemi = []
    if r.get("cf_temporaneo"):
        problemi.append(
            Problema(
                "persona",
                "codice fiscale",
                "Elemento Beneficiario, attributo CodiceFiscale: la persona ha un codice temporaneo, "
                "non un codice fiscale",
                "Beneficiario",
                "CodiceFiscale",
            )
        )
    cittadinanza = CITTADINANZA_ISTAT_ISO.get(r.get("cittadinanza") or "")
    if not r.get("cittadinanza"):
        problemi.append(_manca("persona", "cittadinanza", "CodiceCittadinanza", "Anagrafica"))
    elif cittadinanza is None:
        problemi.append(
            Problema(
                "persona",
                "cittadinanza",
                f"Elemento Anagrafica, attributo CodiceCittadinanza: il codice ISTAT «{r['cittadinanza']}» "
                "non ha una corrispondenza ISO 3166 nella tabella dei flussi",
                "Anagrafica",
                "CodiceCittadinanza",
            )
        )
    seconda = CITTADINANZA_ISTAT_ISO.get(r.get("seconda_cittadinanza") or "")
    residenza = r.get("residenza_istat")
    indirizzi = []
    if not residenza:
        problemi.append(
            _manca("residenza", "residenza alla data dell'erogazione", "CodiceComune", "Indirizzo")
        )
    else:
        regione = codice_regione(residenza)
        if regione is None:
            problemi.append(
                Problema(
                    "residenza",
                    "Comune di residenza",
                    f"Elemento Indirizzo, attributo CodiceRegione: il codice ISTAT «{residenza}» non "
                    "corrisponde a una provincia nota",
                    "Indirizzo",
                    "CodiceRegione",
                )
            )
        indirizzi.append({"CodiceRegione": regione, "CodiceComune": residenza, "CodiceNazione": ITALIA_ISO})
    if not r.get("codice_belfiore_nascita"):
        problemi.append(
            _manca("persona", "codice catastale del luogo di nascita", "LuogoNascita", "Anagrafica")
        )
    b = {
        "CodiceFiscale": (r.get("codice_fiscale") or "").upper(),
        "Anagrafica": {
            "Cognome": (r.get("cognome") or "")[:36],
            "Nome": (r.get("nome") or "")[:36],
            "AnnoNascita": r.get("anno_nascita"),
            "LuogoNascita": r.get("codice_belfiore_nascita"),
            "Genere": r.get("genere"),
            "CodiceCittadinanza": cittadinanza,
            "CodiceSecondaCittadinanza": seconda,
        },
        "Indirizzi": indirizzi,
    }
    return b, problemi


# The keys of a row `prestazione_fissa` reads: the intervention's, the same for all its deliveries
# (pinned by test_engine), so that a generation maps that part once per intervention.
CAMPI_PRESTAZIONE_FISSA = (
    "presenza_prova_mezzi",
    "carattere_prestazione",
    "codice_prestazione",
    "denominazione_prestazione",
    "servizio_nome",
    "protocollo_domanda",
    "presa_in_carico",
    "area_utenza",
    "isee_protocollo_dsu",
    "anno_dsu",
    "isee_data_dsu",
)
chiave_prestazione_fissa = operator.itemgetter(*CAMPI_PRESTAZIONE_FISSA)  # of a row with all of them


def _senza_vuoti(p: dict) -> dict:
    return {k: v for k, v in p.items() if v is not None and v != ""}


def prestazione_fissa(r: dict, tipo_operazione: str = "I") -> tuple[dict, list[Problema], list[Problema]]:
    """The PrestazioniSociali attributes that come from the intervention (kind, codes, protocol,
    ISEE), and their problems: those `prestazione_da_riga` lists before the delivery's own and
    those it lists after. Reads only CAMPI_PRESTAZIONE_FISSA."""
    prima, dopo = [], []
    p = {
        "TipoOperazione": tipo_operazione,
        "PresenzaProvaMezzi": r.get("presenza_prova_mezzi") or None,
        "CaratterePrestazione": r.get("carattere_prestazione") or None,
        "CodicePrestazione": r.get("codice_prestazione"),
        "DenominazionePrestazione": denominazione_prestazione(r),
        "ProtocolloDomanda": r.get("protocollo_domanda") or None,
        "PresaCarico": "1" if r.get("presa_in_carico") else "2",
        "AreaUtenza": r.get("area_utenza"),
    }
    if r.get("isee_protocollo_dsu"):
        p["NumeroProtocolloDSU"] = r["isee_protocollo_dsu"]
        p["AnnoProtocolloDSU"] = r.get("anno_dsu")
        p["DataDSU"] = r.get("isee_data_dsu")
    elif r.get("presenza_prova_mezzi") == "1":
        prima.append(
            _manca("isee", "ISEE dell'intervento (prestazione soggetta a ISEE)", "NumeroProtocolloDSU")
        )
    if not r.get("codice_prestazione"):
        dopo.append(
            _manca("servizio", "codice prestazione SIUSS (corrispondenza nel catalogo)", "CodicePrestazione")
        )
    if not r.get("protocollo_domanda"):
        dopo.append(_manca("intervento", "protocollo della domanda", "ProtocolloDomanda"))
    return _senza_vuoti(p), prima, dopo


def prestazione_variabile(r: dict) -> tuple[dict, list[Problema]]:
    """The PrestazioniSociali attributes that come from the delivery itself (period or date,
    amounts, quotas, hours), in the order the XSD lists them, and their problems. Runs for every
    delivery: each attribute is set only when it has a value (no filtering pass)."""
    problemi = []
    importo = r.get("importo")
    p = {}
    if r.get("carattere_prestazione") == "1":
        dal, al = r.get("dal"), r.get("al")
        if dal is not None:
            p["DataInizioPrestazione"] = dal
        if al and dal and al.year == dal.year:
            p["DataFinePrestazione"] = al
            mesi = _mesi(dal, al)
            if 1 <= mesi <= 12:
                p["PeriodoErogazione"] = mesi
        else:
            mesi = 1
        if importo is not None and importo > 0:
            p["ImportoMensile"] = (importo / max(mesi, 1)).quantize(CENTESIMO)
    else:
        data = r.get("data_erogazione")
        if data is not None:
            p["DataErogazionePrestazione"] = data
        if importo is not None:
            p["ImportoPrestazione"] = importo
        if importo is None or importo <= 0:
            problemi.append(_manca("erogazione", "importo maggiore di zero", "ImportoPrestazione"))
    v = r.get("quota_ente")
    if v is not None and v > 0:
        p["ImportoQuotaEnte"] = v
    v = r.get("quota_utente")
    if v is not None and v > 0:
        p["ImportoQuotaUtente"] = v
    v = r.get("quota_ssn")
    if v is not None and v > 0:
        p["ImportoQuotaSSN"] = v
    if r.get("unita_misura") == "ore":
        v = r.get("quantita")
        if v:
            p["OreServizioMensile"] = v
    return p, problemi


def prestazione_da_riga(r: dict, *, tipo_operazione: str = "I", sina: dict | None = None):
    """PrestazioniSociali attributes from a row of `erogazioni_per_siuss` (the intervention's part,
    then the delivery's, then SINA), and the problems the XSD cannot see (the specification's
    conditional rules)."""
    fissa, prima, dopo = prestazione_fissa(r, tipo_operazione)
    variabile, problemi = prestazione_variabile(r)
    p = {**fissa, **variabile}
    if sina:
        p["SINA"] = sina
    return p, prima + problemi + dopo


def sina_da_valutazione(v: dict) -> dict:
    """SINA element from an UVM assessment's plain dict (the Valutazione's field names)."""
    return {
        "Mobilita": v.get("mobilita"),
        "AttivitaVitaQuotidiana": v.get("attivita_vita_quotidiana"),
        "DisturbiAreaCognitiva": v.get("disturbi_area_cognitiva"),
        "DisturbiComportamentali": v.get("disturbi_comportamentali"),
        "NecessitaCureSanitarie": v.get("necessita_cure_sanitarie"),
        "AreaReddituale": v.get("area_reddituale"),
        "AreaSupporto": v.get("area_supporto"),
        "FonteDerivazioneValutazione": v.get("fonte_derivazione_valutazione"),
        "StrumentoValutazione": v.get("strumento_valutazione"),
        "FonteDerivazioneInvalidita": v.get("fonte_derivazione_invalidita"),
        "InvCiv": list(v.get("invalidita_civile") or []),
        "NecessitaInterventiSociali": list(v.get("necessita_interventi") or []),
    }


def fascia_eta(nascita: dt.date, data: dt.date) -> str | None:
    eta = data.year - nascita.year - ((data.month, data.day) < (nascita.month, nascita.day))
    if eta < 0 or eta >= 18:
        return None
    return str(min(eta // 3 + 1, 6))


def fascia_isee(valore: Decimal | None) -> str | None:
    if valore is None:
        return None
    if valore <= 0:
        return "1"
    for fascia, soglia in ((2, 3000), (3, 6000), (4, 9000), (5, 12000), (6, 15000), (7, 20000)):
        if valore <= soglia:
            return str(fascia)
    return "8"


def sinba_da_riga(r: dict, dati_sinba: dict, *, chiave: bytes, codici_prestazione: list[str]):
    """A SINBA record from a delivery row (a minor) and the minor's assessment (`dati_sinba`,
    keyed by the XSD's names)."""
    problemi = []
    residenza = r.get("residenza_istat")
    rec = {k: v for k, v in (dati_sinba or {}).items() if v not in (None, "", [])}
    rec.update(
        {
            "IDBeneficiario": id_beneficiario_sinba(r["codice_fiscale"], chiave),
            "AnnoNascita": r.get("anno_nascita"),
            "CodiceNazioneResidenza": ITALIA_ISO if residenza else None,
            "CodiceRegioneResidenza": codice_regione(residenza),
            "FasciaEtaBeneficiario": fascia_eta(r["data_nascita"], r["data_erogazione"])
            if r.get("data_nascita")
            else None,
            "FasciaISEEBeneficiario": fascia_isee(r.get("isee_valore")),
            "CodicePrestazione": list(codici_prestazione),
        }
    )
    if not residenza:
        problemi.append(
            _manca("residenza", "residenza alla data dell'erogazione", "CodiceNazioneResidenza", "SINBA")
        )
    if not codici_prestazione:
        problemi.append(
            _manca(
                "servizio",
                "codice prestazione SIUSS (corrispondenza nel catalogo)",
                "CodicePrestazione",
                "SINBA",
            )
        )
    return {k: v for k, v in rec.items() if v is not None and v != ""}, problemi
