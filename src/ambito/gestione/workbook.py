"""The riparto workbook (.xlsx): reading and validation into engine inputs, and a writer.

The format is documented in docs/formats/riparto.md. `leggi(percorso)` returns a `Cartella`
(the engine's `DatiRiparto` plus the Comuni's names and the parameters) or raises
`ErroriCartella` listing every problem with its sheet, row and column: nothing is computed when
there is any error. No Django import: the future `ambito riparto importa` reuses this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ambito.core.errori import ErroriElenco, con_posizione
from ambito.core.formats import numero_da_cella
from ambito.gestione import engine as e

# sheet -> (required columns, optional columns)
FOGLI: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "servizi": (
        ("codice", "nome", "metodo"),
        (
            "porta_costi_indiretti",
            "costi_indiretti_speciali",
            "data_popolazione",
            "quota_capitaria",
            "costo_equipe",
            "quota_equipe_non_conferenti",
            "fondo_equipe_non_conferenti",
            "nota",
        ),
    ),
    "costi": (("servizio", "costo_diretto"), ("nota",)),
    "costi_indiretti": (("voce", "importo"), ("nota",)),
    "fondi": (("fondo", "servizio", "importo"), ("nota",)),
    "fondi_vincolati": (("fondo", "comune"), ("nota",)),
    "comuni": (("codice_istat", "nome"), ("socio", "nota")),
    "conferimenti": (("servizio", "comune"), ("nota",)),
    "popolazione": (("data_riferimento", "comune", "abitanti"), ("nota",)),
    "popolazione_servizio": (("servizio", "comune", "abitanti"), ("nota",)),
    "consumi": (("servizio", "comune", "unita"), ("nota",)),
    "pacchetti": (("servizio", "comune", "importo"), ("nota",)),
    "tariffe": (("servizio", "comune", "tariffa", "unita"), ("nota",)),
    "parametri": (("parametro", "valore"), ("nota",)),
    "note": ((), ("nota",)),
}
FOGLI_OBBLIGATORI = ("servizi", "costi", "conferimenti")
NON_SCRITTE = ("nota", "socio")  # columns read from a workbook that `fogli_da_dati` does not write


def intestazione(foglio: str) -> list[str]:
    """The header `fogli_da_dati` writes for a sheet: its columns but the free notes."""
    obbligatorie, facoltative = FOGLI[foglio]
    return [*obbligatorie, *(c for c in facoltative if c not in NON_SCRITTE)]


PARAMETRI = ("aliquota_costi_indiretti", "esercizio", "versione", "ente", "fonte")
VERO = {"sì", "si", "s", "x", "1", "vero", "true", "yes", "y"}
FALSO = {"no", "n", "0", "falso", "false", ""}


@dataclass(frozen=True)
class Errore:
    foglio: str
    riga: int | None = None
    colonna: str | None = None
    messaggio: str = ""

    def __str__(self) -> str:
        dove = f"foglio «{self.foglio}»" if self.foglio else ""
        return con_posizione(self.messaggio, dove, self.riga, self.colonna)


class ErroriCartella(ErroriElenco):
    """Every `Errore` of a riparto workbook."""


@dataclass(frozen=True)
class Cartella:
    dati: e.DatiRiparto
    nomi_comuni: Mapping[str, str] = field(default_factory=dict)
    parametri: Mapping[str, str] = field(default_factory=dict)

    def nome_comune(self, codice: str) -> str:
        return self.nomi_comuni.get(codice, codice)

    def cerca_comune(self, testo: str) -> str | None:
        """A Comune by ISTAT code (leading zeros optional) or by name (case-insensitive)."""
        t = testo.strip()
        if t.isdigit() and t.zfill(6) in self._codici():
            return t.zfill(6)
        for codice, nome in self.nomi_comuni.items():
            if nome.casefold() == t.casefold():
                return codice
        return t if t in self._codici() else None

    def _codici(self) -> set[str]:
        out = set(self.nomi_comuni)
        for comuni in self.dati.conferimenti.values():
            out |= comuni
        out |= {t.comune for t in self.dati.tariffe}
        return out


# ----------------------------------------------------------------------------------- cell parsing


numero = numero_da_cella  # a number from a cell, as the accounting import reads it


def testo(valore) -> str:
    if valore is None:
        return ""
    if isinstance(valore, float) and valore.is_integer():
        valore = int(valore)
    if hasattr(valore, "date") and hasattr(valore, "isoformat"):  # datetime from a date cell
        return valore.date().isoformat() if hasattr(valore, "hour") else valore.isoformat()
    return str(valore).strip()


def codice_comune(valore) -> str:
    """ISTAT codes keep their leading zeros even when the cell holds a number."""
    t = testo(valore)
    return t.zfill(6) if t.isdigit() and len(t) < 6 else t


# ---------------------------------------------------------------------------------------- reader


class _Lettore:
    def __init__(self, wb):
        self.wb = wb
        self.errori: list[Errore] = []

    def righe(self, foglio: str) -> list[tuple[int, dict]]:
        """Rows of a sheet as dicts by header (lowercase); [] if it is absent and optional."""
        obbligatorie, facoltative = FOGLI[foglio]
        if foglio not in self.wb.sheetnames:
            if foglio in FOGLI_OBBLIGATORI:
                self.errori.append(Errore(foglio, None, None, "foglio mancante"))
            return []
        ws = self.wb[foglio]
        righe = ws.iter_rows(values_only=True)
        intestazione = next(righe, None) or ()
        colonne = [testo(x).lower() for x in intestazione]
        mancanti = [c for c in obbligatorie if c not in colonne]
        for c in mancanti:
            self.errori.append(Errore(foglio, 1, c, "colonna mancante"))
        if mancanti:
            return []
        out = []
        for n, valori in enumerate(righe, start=2):
            if valori is None or all(v is None or testo(v) == "" for v in valori):
                continue
            out.append((n, {c: v for c, v in zip(colonne, valori, strict=False) if c}))
        return out

    def num(self, foglio, n, riga, colonna, *, obbligatorio=True, negativo=False) -> Decimal | None:
        v = riga.get(colonna)
        if v is None or testo(v) == "":
            if obbligatorio:
                self.errori.append(Errore(foglio, n, colonna, "valore mancante"))
            return None
        try:
            d = numero(v)
        except ValueError:
            self.errori.append(Errore(foglio, n, colonna, f"«{testo(v)}» non è un numero"))
            return None
        if d < 0 and not negativo:
            self.errori.append(Errore(foglio, n, colonna, f"numero negativo ({testo(v)})"))
            return None
        return d

    def txt(self, foglio, n, riga, colonna, *, obbligatorio=True) -> str:
        t = testo(riga.get(colonna))
        if not t and obbligatorio:
            self.errori.append(Errore(foglio, n, colonna, "valore mancante"))
        return t


def leggi(percorso: str | Path) -> Cartella:
    """Read and validate a riparto workbook; raise `ErroriCartella` with every problem found."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(percorso, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one clear error
        raise ErroriCartella([Errore("", None, None, f"file non leggibile come .xlsx: {exc}")]) from exc
    try:
        return _leggi(_Lettore(wb))
    finally:
        wb.close()


def _leggi(lt: _Lettore) -> Cartella:
    E = lt.errori

    # servizi
    servizi: list[e.Servizio] = []
    riga_servizio: dict[str, int] = {}
    for n, r in lt.righe("servizi"):
        codice = lt.txt("servizi", n, r, "codice")
        nome = lt.txt("servizi", n, r, "nome", obbligatorio=False) or codice
        metodo = testo(r.get("metodo")).lower()
        if not metodo:
            E.append(Errore("servizi", n, "metodo", f"il servizio {codice} non ha un metodo di riparto"))
        elif metodo not in e.METODI:
            E.append(
                Errore(
                    "servizi",
                    n,
                    "metodo",
                    f"metodo sconosciuto «{metodo}» (ammessi: {', '.join(sorted(e.METODI))})",
                )
            )
        porta = testo(r.get("porta_costi_indiretti")).lower()
        if porta not in VERO | FALSO:
            E.append(Errore("servizi", n, "porta_costi_indiretti", f"«{porta}» non è sì/no"))
        speciali = lt.num("servizi", n, r, "costi_indiretti_speciali", obbligatorio=False)
        quota = lt.num("servizi", n, r, "quota_capitaria", obbligatorio=False)
        if quota is not None and quota > 1:
            E.append(Errore("servizi", n, "quota_capitaria", "deve essere tra 0 e 1"))
        if metodo in e.METODI_MISTI and quota is None:
            E.append(
                Errore("servizi", n, "quota_capitaria", f"il metodo {metodo} richiede la quota capitaria")
            )
        equipe = lt.num("servizi", n, r, "costo_equipe", obbligatorio=False)
        quota_equipe = lt.num("servizi", n, r, "quota_equipe_non_conferenti", obbligatorio=False)
        fondo_equipe = testo(r.get("fondo_equipe_non_conferenti"))
        if quota_equipe is not None:
            if quota_equipe > 1:
                E.append(Errore("servizi", n, "quota_equipe_non_conferenti", "deve essere tra 0 e 1"))
            if equipe is None:
                E.append(
                    Errore(
                        "servizi", n, "costo_equipe", "la quota dei non conferenti richiede il costo d'équipe"
                    )
                )
            if not fondo_equipe:
                E.append(
                    Errore(
                        "servizi",
                        n,
                        "fondo_equipe_non_conferenti",
                        "indicare il fondo che paga la quota d'équipe",
                    )
                )
        if not codice:
            continue
        if codice in riga_servizio:
            E.append(
                Errore(
                    "servizi",
                    n,
                    "codice",
                    f"servizio {codice} ripetuto (già alla riga {riga_servizio[codice]})",
                )
            )
            continue
        riga_servizio[codice] = n
        servizi.append(
            e.Servizio(
                codice=codice,
                nome=nome,
                metodo=metodo,
                porta_costi_indiretti=porta in VERO,
                costi_indiretti_speciali=speciali,
                data_popolazione=testo(r.get("data_popolazione")),
                quota_capitaria=quota,
                costo_equipe=equipe,
                quota_equipe_non_conferenti=quota_equipe,
                fondo_equipe_non_conferenti=fondo_equipe,
            )
        )
    noti = set(riga_servizio)

    def servizio_noto(foglio, n, r) -> str | None:
        s = lt.txt(foglio, n, r, "servizio")
        if s and s not in noti:
            E.append(Errore(foglio, n, "servizio", f"servizio {s} non presente nel foglio «servizi»"))
            return None
        return s or None

    # comuni (names), parametri
    nomi: dict[str, str] = {}
    for n, r in lt.righe("comuni"):
        c = codice_comune(r.get("codice_istat"))
        if not c:
            E.append(Errore("comuni", n, "codice_istat", "valore mancante"))
            continue
        nomi[c] = lt.txt("comuni", n, r, "nome", obbligatorio=False) or c
    parametri: dict[str, str] = {}
    for n, r in lt.righe("parametri"):
        p = lt.txt("parametri", n, r, "parametro").lower()
        if p and p not in PARAMETRI:
            E.append(
                Errore(
                    "parametri",
                    n,
                    "parametro",
                    f"parametro sconosciuto «{p}» (ammessi: {', '.join(PARAMETRI)})",
                )
            )
        parametri[p] = testo(r.get("valore"))
        riga_parametro = n
    aliquota = None
    if parametri.get("aliquota_costi_indiretti"):
        aliquota = lt.num(
            "parametri", riga_parametro, {"valore": parametri["aliquota_costi_indiretti"]}, "valore"
        )

    # costi
    costi: dict[str, Decimal] = {}
    for n, r in lt.righe("costi"):
        s = servizio_noto("costi", n, r)
        v = lt.num("costi", n, r, "costo_diretto")
        if s and v is not None:
            if s in costi:
                E.append(Errore("costi", n, "servizio", f"costo del servizio {s} ripetuto"))
            costi[s] = v
    pool = None
    righe_indiretti = lt.righe("costi_indiretti")
    if righe_indiretti:
        pool = Decimal(0)
        for n, r in righe_indiretti:
            lt.txt("costi_indiretti", n, r, "voce")
            v = lt.num("costi_indiretti", n, r, "importo")
            pool += v or 0
    if pool is not None and aliquota is not None:
        E.append(
            Errore(
                "parametri",
                None,
                "valore",
                "indicare il foglio «costi_indiretti» oppure l'aliquota, non entrambi",
            )
        )

    # conferimenti
    conferimenti: dict[str, set[str]] = {s: set() for s in noti}
    for n, r in lt.righe("conferimenti"):
        s = servizio_noto("conferimenti", n, r)
        c = codice_comune(r.get("comune"))
        if not c:
            E.append(Errore("conferimenti", n, "comune", "valore mancante"))
        elif s:
            conferimenti[s].add(c)

    # fondi
    vincoli: dict[str, set[str]] = {}
    for n, r in lt.righe("fondi_vincolati"):
        f = lt.txt("fondi_vincolati", n, r, "fondo")
        c = codice_comune(r.get("comune"))
        if not c:
            E.append(Errore("fondi_vincolati", n, "comune", "valore mancante"))
        if f and c:
            vincoli.setdefault(f, set()).add(c)
    fondi: list[e.Fondo] = []
    riga_fondo: dict[str, int] = {}
    for n, r in lt.righe("fondi"):
        f = lt.txt("fondi", n, r, "fondo")
        s = servizio_noto("fondi", n, r)
        v = lt.num("fondi", n, r, "importo")
        if f and s and v is not None:
            fondi.append(e.Fondo(f, s, v, frozenset(vincoli.get(f, ()))))
            riga_fondo.setdefault(s, n)
    usati = {f.codice for f in fondi}
    for f in vincoli:
        if f not in usati:
            E.append(Errore("fondi_vincolati", None, "fondo", f"fondo {f} non presente nel foglio «fondi»"))

    # popolazione
    popolazione: dict[str, dict[str, Decimal]] = {}
    for n, r in lt.righe("popolazione"):
        d = lt.txt("popolazione", n, r, "data_riferimento")
        c = codice_comune(r.get("comune"))
        v = lt.num("popolazione", n, r, "abitanti")
        if not c:
            E.append(Errore("popolazione", n, "comune", "valore mancante"))
        if d and c and v is not None:
            popolazione.setdefault(d, {})[c] = v
    pop_servizio: dict[tuple[str, str], Decimal] = {}
    consumi: dict[tuple[str, str], Decimal] = {}
    pacchetti: dict[tuple[str, str], Decimal] = {}
    for foglio, colonna, dest in (
        ("popolazione_servizio", "abitanti", pop_servizio),
        ("consumi", "unita", consumi),
        ("pacchetti", "importo", pacchetti),
    ):
        for n, r in lt.righe(foglio):
            s = servizio_noto(foglio, n, r)
            c = codice_comune(r.get("comune"))
            v = lt.num(foglio, n, r, colonna)
            if not c:
                E.append(Errore(foglio, n, "comune", "valore mancante"))
            elif s and c not in conferimenti.get(s, ()) and foglio != "popolazione_servizio":
                E.append(
                    Errore(foglio, n, "comune", f"il Comune {nomi.get(c, c)} non conferisce il servizio {s}")
                )
            elif s and v is not None:
                dest[(s, c)] = dest.get((s, c), Decimal(0)) + v
    tariffe: list[e.Tariffa] = []
    for n, r in lt.righe("tariffe"):
        s = servizio_noto("tariffe", n, r)
        c = codice_comune(r.get("comune"))
        t = lt.num("tariffe", n, r, "tariffa")
        u = lt.num("tariffe", n, r, "unita")
        if not c:
            E.append(Errore("tariffe", n, "comune", "valore mancante"))
        elif s and t is not None and u is not None:
            tariffe.append(e.Tariffa(s, c, t, u))
    lt.righe("note")

    # what each method needs
    for s in servizi:
        n = riga_servizio[s.codice]
        if s.codice not in costi:
            E.append(Errore("costi", None, "servizio", f"manca il costo diretto del servizio {s.codice}"))
        if s.metodo in e.METODI_CAPITARI | e.METODI_MISTI:
            if s.data_popolazione not in popolazione:
                E.append(
                    Errore(
                        "servizi",
                        n,
                        "data_popolazione",
                        f"il servizio {s.codice} è a quota capitaria: la data «{s.data_popolazione}» "
                        "non è nel foglio «popolazione»",
                    )
                )
            else:
                snap = popolazione[s.data_popolazione]
                for c in sorted(conferimenti[s.codice]):
                    if c not in snap and (s.codice, c) not in pop_servizio:
                        E.append(
                            Errore(
                                "popolazione",
                                None,
                                "abitanti",
                                f"manca la popolazione del Comune {nomi.get(c, c)} al {s.data_popolazione} "
                                f"(servizio {s.codice})",
                            )
                        )

    if E:
        raise ErroriCartella(E)
    dati = e.DatiRiparto(
        servizi=tuple(servizi),
        costi_diretti=costi,
        conferimenti={s: frozenset(c) for s, c in conferimenti.items()},
        fondi=tuple(fondi),
        costi_indiretti=pool,
        aliquota_costi_indiretti=aliquota,
        popolazione=popolazione,
        popolazione_servizio=pop_servizio,
        consumi=consumi,
        pacchetti=pacchetti,
        tariffe=tuple(tariffe),
        nomi_comuni=nomi,
    )
    # funds greater than the cost: named on the first row of that service in «fondi»
    indiretti = e.costi_indiretti_per_servizio(dati)
    for s in servizi:
        totale = costi.get(s.codice, Decimal(0)) + indiretti[s.codice]
        somma = sum((f.importo for f in fondi if f.servizio == s.codice), Decimal(0))
        if somma > totale:
            E.append(
                Errore(
                    "fondi",
                    riga_fondo.get(s.codice),
                    "importo",
                    f"i fondi del servizio {s.codice} ({somma}) superano il suo costo totale "
                    f"({totale.quantize(Decimal('0.01'))})",
                )
            )
    if E:
        raise ErroriCartella(E)
    return Cartella(dati=dati, nomi_comuni=nomi, parametri=parametri)


def calcola_file(percorso: str | Path) -> tuple[Cartella, e.Risultato]:
    """Read, validate and compute; the engine's own refusals become `ErroriCartella` too."""
    cartella = leggi(percorso)
    try:
        return cartella, e.calcola(cartella.dati)
    except e.ErroreRiparto as exc:
        raise ErroriCartella([Errore("", None, None, m) for m in exc.errori]) from exc


# ---------------------------------------------------------------------------------------- writer


def fogli_da_dati(
    dati: e.DatiRiparto, *, parametri: Mapping[str, str] | None = None
) -> dict[str, list[Sequence]]:
    """The rows (header first) of every sheet that represents `dati`."""

    def si_no(b: bool) -> str:
        return "sì" if b else "no"

    vincolati: dict[str, frozenset[str]] = {}
    for f in dati.fondi:
        if f.vincolato:
            vincolati[f.codice] = vincolati.get(f.codice, frozenset()) | f.comuni
    fogli: dict[str, list[Sequence]] = {
        "servizi": [intestazione("servizi")]
        + [
            [
                s.codice,
                s.nome,
                s.metodo,
                si_no(s.porta_costi_indiretti),
                s.costi_indiretti_speciali,
                s.data_popolazione,
                s.quota_capitaria,
                s.costo_equipe,
                s.quota_equipe_non_conferenti,
                s.fondo_equipe_non_conferenti,
            ]
            for s in dati.servizi
        ],
        "costi": [intestazione("costi")] + [[s, v] for s, v in dati.costi_diretti.items()],
        "fondi": [intestazione("fondi")] + [[f.codice, f.servizio, f.importo] for f in dati.fondi],
        "fondi_vincolati": [intestazione("fondi_vincolati")]
        + [[f, c] for f, cs in vincolati.items() for c in sorted(cs)],
        "comuni": [intestazione("comuni")] + [[c, n] for c, n in sorted(dati.nomi_comuni.items())],
        "conferimenti": [intestazione("conferimenti")]
        + [[s, c] for s, cs in dati.conferimenti.items() for c in sorted(cs)],
        "popolazione": [intestazione("popolazione")]
        + [[d, c, v] for d, snap in dati.popolazione.items() for c, v in sorted(snap.items())],
        "popolazione_servizio": [intestazione("popolazione_servizio")]
        + [[s, c, v] for (s, c), v in dati.popolazione_servizio.items()],
        "consumi": [intestazione("consumi")] + [[s, c, v] for (s, c), v in dati.consumi.items()],
        "pacchetti": [intestazione("pacchetti")] + [[s, c, v] for (s, c), v in dati.pacchetti.items()],
        "tariffe": [intestazione("tariffe")]
        + [[t.servizio, t.comune, t.tariffa, t.unita] for t in dati.tariffe],
        "parametri": [intestazione("parametri")] + [[k, v] for k, v in (parametri or {}).items()],
    }
    if dati.costi_indiretti is not None:
        fogli["costi_indiretti"] = [
            intestazione("costi_indiretti"),
            ["costi indiretti da ripartire", dati.costi_indiretti],
        ]
    if dati.aliquota_costi_indiretti is not None:
        fogli["parametri"].append(["aliquota_costi_indiretti", dati.aliquota_costi_indiretti])
    return fogli


def scrivi(percorso: str | Path, fogli: Mapping[str, Iterable[Sequence]]) -> None:
    """Write sheets (first row = header, in bold) to an .xlsx; Decimals become numbers.

    The file is reproducible: fixed document properties, so the same input gives the same bytes
    apart from the zip timestamps openpyxl sets.
    """
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for nome, righe in fogli.items():
        ws = wb.create_sheet(nome)
        larghezze: dict[int, int] = {}
        for i, riga in enumerate(righe):
            valori = [_cella(v) for v in riga]
            ws.append(valori)
            for j, v in enumerate(valori, start=1):
                larghezze[j] = max(larghezze.get(j, 8), min(len(str(v if v is not None else "")) + 2, 80))
            if i == 0:
                for cell in ws[1]:
                    cell.font = Font(bold=True)
        for j, w in larghezze.items():
            ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = w
        ws.freeze_panes = "A2"
    fisso = dt.datetime(2023, 1, 1)
    wb.properties.created = fisso
    wb.properties.modified = fisso
    wb.properties.creator = "ambito"
    wb.save(percorso)


def _cella(v):
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v
