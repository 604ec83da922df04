"""The ISTAT survey and SIOSS workbook: the same tables as the page, plus a Note sheet."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from . import istat, segreto

FORMATI = {"euro": "#,##0.00", "intero": "#,##0"}
NOMI_FOGLI = {
    "area": "Per area",
    "comune": "Per Comune",
    "servizio": "Per servizio",
    "dettaglio": "Servizi per Comune",
    "sioss": "SIOSS",
    "non_classificate": "Non classificate",
}


def _foglio(wb: Workbook, tabella: istat.Tabella, avviso: str | None):
    ws = wb.create_sheet(NOMI_FOGLI.get(tabella.chiave, tabella.chiave)[:31])
    ws.append([tabella.titolo])
    ws["A1"].font = Font(bold=True, size=12)
    if avviso:
        ws.append([avviso])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True, color="C00000")
    ws.append(tabella.intestazioni)
    intestazione = ws.max_row
    for cella in ws[intestazione]:
        cella.font = Font(bold=True)
        cella.fill = PatternFill("solid", fgColor="DDEBF7")
    for riga in tabella.righe:
        ws.append(riga.celle)
        r = ws.max_row
        for j, tipo in enumerate(tabella.tipi, start=1):
            if tipo in FORMATI:
                ws.cell(row=r, column=j).number_format = FORMATI[tipo]
        if riga.stile:
            for cella in ws[r]:
                cella.font = Font(bold=True)
    ws.freeze_panes = ws.cell(row=intestazione + 1, column=1)
    for j, testo in enumerate(tabella.intestazioni, start=1):
        ws.column_dimensions[get_column_letter(j)].width = max(12, min(40, len(str(testo)) + 2))
    return ws


def scrivi_xlsx(
    ind: istat.Indagine,
    sioss: istat.Sioss,
    *,
    ambito_nome: str,
    comune_id: int | None = None,
    oscurato: bool = True,
) -> bytes:
    """The workbook, published (suppressed) by default; `oscurato=False` is for internal use only
    and says so on every sheet."""
    wb = Workbook()
    wb.remove(wb.active)
    avviso = None if oscurato else istat.USO_INTERNO
    for t in istat.tabelle_indagine(ind, comune_id=comune_id, oscurato=oscurato):
        _foglio(wb, t, avviso)
    _foglio(wb, istat.tabella_sioss(sioss, comune_id=comune_id, oscurato=oscurato), avviso)
    if not oscurato and ind.non_classificati:
        _foglio(wb, tabella_non_classificati(ind), avviso)
    note = wb.create_sheet("Note")
    righe = [
        ("Indagine ISTAT sugli interventi e servizi sociali dei Comuni singoli e associati – SIOSS", ""),
        ("Ambito", ambito_nome),
        ("Anno", ind.anno),
        ("Versione", "pubblicabile (oscurata)" if oscurato else istat.USO_INTERNO),
        ("Fonte", "Cartella sociale dell'Ambito: erogazioni e prese in carico."),
        ("Spesa", istat.FONTE_SPESA),
        ("Utenti", istat.CONTEGGIO_UTENTI),
        ("SIOSS", istat.DEFINIZIONE_SIOSS),
        ("Classificazione", "Aree di utenza e macro-aree dalle corrispondenze del catalogo dei servizi."),
        *[("Tabella di corrispondenza", v) for v in ind.versioni],
        *[("Corrispondenza cambiata nell'anno", c) for c in ind.cambi_nell_anno],
        (
            "Non classificate",
            f"{ind.totale_non_classificati.erogazioni} erogazioni di {len(ind.non_classificati)} servizi "
            f"senza corrispondenza ISTAT, escluse dalle tabelle (spesa totale "
            f"{ind.totale_non_classificati.spesa_totale} €).",
        ),
        ("Segreto statistico", segreto.REGOLA if oscurato else "Non applicato: " + istat.USO_INTERNO),
        ("Legenda", istat.LEGENDA if oscurato else ""),
    ]
    for r in righe:
        note.append(list(r))
    note["A1"].font = Font(bold=True, size=12)
    for r in range(2, note.max_row + 1):
        note.cell(row=r, column=1).font = Font(bold=True)
    note.column_dimensions["A"].width = 32
    note.column_dimensions["B"].width = 120
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def tabella_non_classificati(ind: istat.Indagine) -> istat.Tabella:
    righe = [
        istat.Riga([n.codice, n.nome, n.motivo, n.valori.utenti, n.valori.erogazioni, *istat.soldi(n.valori)])
        for n in ind.non_classificati
    ]
    return istat.Tabella(
        "non_classificate",
        "Erogazioni di servizi senza corrispondenza ISTAT (escluse dalle tabelle)",
        ["Codice", "Servizio", "Motivo", "Utenti", "Erogazioni", *istat.SOLDI],
        ["testo"] * 3 + ["intero"] * 2 + ["euro"] * 4,
        righe,
    )
