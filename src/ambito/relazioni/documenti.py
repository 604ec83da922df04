"""The documents: PDF (WeasyPrint, from HTML templates) and XLSX (openpyxl) of the reports.

Every table is checked with `engine.verifica_tutte` right before rendering: a document whose
tables do not add up is never produced (TabellaNonQuadra is raised instead).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from . import engine as e
from . import selectors

FORMATI_XLSX = {
    e.EURO: "#,##0.00",
    e.DECIMALE: "#,##0.00",
    e.INTERO: "#,##0",
    e.PERCENTUALE: '0.00"%"',
}


def _vista(t: e.Tabella) -> dict:
    """A table shaped for the templates: each cell with its column's kind."""
    tipi = [c.tipo for c in t.colonne]
    return {
        "t": t,
        "intestazioni": [(c.titolo, c.tipo) for c in t.colonne],
        "righe": [list(zip(r, tipi, strict=True)) for r in t.righe],
        "totale": list(zip(t.totale, tipi, strict=True)) if t.totale is not None else None,
    }


def _pdf(template: str, contesto: dict) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, not needed by the rest of the app

    with translation.override("it"):
        html = render_to_string(template, contesto)
    return HTML(string=html).write_pdf()


# --- the per-Comune pack ------------------------------------------------------------------------


def pdf_comune(p: selectors.PacchettoComune) -> bytes:
    e.verifica_tutte(p.tabelle)
    return _pdf(
        "relazioni/pdf/comune.html",
        {
            "p": p,
            "tabelle": [_vista(t) for t in (p.servizi, p.costi, p.riparto)],
            "sintesi": _vista(p.sintesi),
            "azienda": p.azienda,
            "generato_il": p.generato_il,
        },
    )


def _scrivi_tabella(ws, riga: int, t: e.Tabella) -> int:
    """Write a table from `riga`: title, bold header, rows, bold totals, notes. Returns the next row."""
    ws.cell(row=riga, column=1, value=t.titolo).font = Font(bold=True, size=12)
    riga += 1
    for j, c in enumerate(t.colonne, 1):
        cella = ws.cell(row=riga, column=j, value=f"{c.titolo} (€)" if c.tipo == e.EURO else c.titolo)
        cella.font = Font(bold=True)
        cella.alignment = Alignment(wrap_text=True, vertical="top")
    riga += 1
    righe = list(t.righe) + ([t.totale] if t.totale is not None else [])
    for k, r in enumerate(righe):
        totale = t.totale is not None and k == len(righe) - 1
        for j, (v, c) in enumerate(zip(r, t.colonne, strict=True), 1):
            if isinstance(v, Decimal):
                v = float(v) if c.tipo in (e.DECIMALE, e.PERCENTUALE) else v
            cella = ws.cell(row=riga, column=j, value=v)
            if c.tipo in FORMATI_XLSX:
                cella.number_format = FORMATI_XLSX[c.tipo]
            if totale:
                cella.font = Font(bold=True)
        riga += 1
    if not t.righe:
        ws.cell(row=riga, column=1, value="Nessun dato per l'anno.")
        riga += 1
    for n in t.note:
        ws.cell(row=riga, column=1, value=n).font = Font(italic=True, size=9)
        riga += 1
    return riga + 1


def _larghezze(ws, prima: int = 60) -> None:
    ws.column_dimensions["A"].width = prima
    for j in range(2, ws.max_column + 1):
        ws.column_dimensions[get_column_letter(j)].width = 18


def xlsx_comune(p: selectors.PacchettoComune) -> bytes:
    e.verifica_tutte(p.tabelle)
    wb = Workbook()
    ws = wb.active
    ws.title = "Rendiconto"
    ws["A1"] = f"{p.azienda} – Rendiconto annuale al Comune (art. 23 del contratto di servizio)"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = f"Comune di {p.comune.nome} (ISTAT {p.comune.codice_istat}) – anno {p.anno}"
    ws["A3"] = f"Generato il {p.generato_il:%d/%m/%Y %H:%M} dai dati del sistema informativo."
    riga = 5
    for t in (p.sintesi, p.servizi, p.costi, p.riparto):
        riga = _scrivi_tabella(ws, riga, t)
    _larghezze(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def nome_file_comune(p_or_comune, anno: int, estensione: str) -> str:
    comune = getattr(p_or_comune, "comune", p_or_comune)
    return f"rendiconto-{anno}-{comune.codice_istat or comune.pk}.{estensione}"


class _Pezzi(io.RawIOBase):
    """An unseekable sink whose bytes are taken out as they come (zipfile then writes each
    entry's sizes after its data, as it does on a pipe)."""

    def __init__(self):
        super().__init__()
        self.pezzi: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.pezzi.append(bytes(b))
        return len(b)

    def prendi(self) -> bytes:
        out = b"".join(self.pezzi)
        self.pezzi.clear()
        return out


def zip_comuni_a_pezzi(ambito, anno: int) -> Iterator[bytes]:
    """PDF and XLSX of every Comune of the Ambito, in one zip produced Comune by Comune, so that a
    download starts at once instead of after every PDF is rendered, and memory holds one
    Comune's files. Every Comune's tables are read and checked before the first byte: a table
    that does not add up refuses the whole zip here (TabellaNonQuadra), never half-way."""
    pacchetti = [selectors.pacchetto_comune(ambito, comune, anno) for comune in selectors.comuni(ambito)]
    for p in pacchetti:
        e.verifica_tutte(p.tabelle)
    return _zip(pacchetti, anno)


def _zip(pacchetti, anno: int) -> Iterator[bytes]:
    uscita = _Pezzi()
    with zipfile.ZipFile(uscita, "w", zipfile.ZIP_DEFLATED) as z:
        for p in pacchetti:
            z.writestr(nome_file_comune(p, anno, "pdf"), pdf_comune(p))
            z.writestr(nome_file_comune(p, anno, "xlsx"), xlsx_comune(p))
            yield uscita.prendi()
    yield uscita.prendi()


# --- the management report ----------------------------------------------------------------------


def pdf_gestione(r: selectors.RelazioneGestione) -> bytes:
    e.verifica_tutte(r.tabelle)
    v = {t.codice: _vista(t) for t in r.tabelle}
    return _pdf(
        "relazioni/pdf/gestione.html", {"r": r, "v": v, "azienda": r.azienda, "generato_il": r.generato_il}
    )
