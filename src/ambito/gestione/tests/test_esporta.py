"""The XLSX and CSV writers: formats, SUM totals, Italian CSV, names that look like formulas."""

import io
from decimal import Decimal as D

import openpyxl

from ambito.gestione import esporta as e


def foglio():
    return e.Foglio(
        "Prova: a/b [1]",
        [
            e.Colonna("Voce"),
            e.Colonna("Importo", e.EURO, True),
            e.Colonna("Euro", e.EURO_INTERO, True),
            e.Colonna("%", e.PERCENTUALE),
            e.Colonna("N", e.INTERO, True),
        ],
        [
            ["uno", D("1234.5"), D("10"), D("12.34"), 3],
            ['=HYPERLINK("x")', D("-0.25"), None, None, None],
        ],
        totale="Totale",
        dopo=[["Arrotondamento", D("0.40"), None, None, None]],
    )


def test_xlsx_formati_totali_e_testo_non_formula():
    wb = openpyxl.load_workbook(io.BytesIO(e.xlsx([foglio()], [("Fonte", "prova")])))
    assert wb.sheetnames == ["Prova  a b  1", "Note"]
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == ["Voce", "Importo", "Euro", "%", "N"]
    assert all(c.font.bold for c in ws[1]) and ws.freeze_panes == "B2"
    assert ws["B2"].number_format == "#,##0.00" and ws["C2"].number_format == "#,##0"
    assert ws["D2"].number_format == "0.00%" and D(str(ws["D2"].value)) == D("0.1234")
    assert ws["A3"].value == '\'=HYPERLINK("x")' and ws["A3"].data_type == "s"
    assert [c.value for c in ws[4]] == ["Totale", "=SUM(B2:B3)", "=SUM(C2:C3)", None, "=SUM(E2:E3)"]
    assert ws["A5"].value == "Arrotondamento" and D(str(ws["B5"].value)) == D("0.40")
    assert ws["C5"].number_format == "#,##0.00"  # the rounding row shows the cents
    assert ws.column_dimensions["A"].width >= 14


def test_csv_italiano():
    dati = e.csv_(foglio())
    assert dati.startswith(b"\xef\xbb\xbf")
    righe = dati.decode("utf-8-sig").split("\r\n")
    assert righe[0] == "Voce;Importo;Euro;%;N"
    assert righe[1] == "uno;1234,50;10,00;12,34;3"
    assert righe[2] == '"\'=HYPERLINK(""x"")";-0,25;;;'
    assert righe[3] == "Totale;1234,25;10,00;;3"  # the sums computed, as the CSV has no formulas
    assert righe[4] == "Arrotondamento;0,40;;;"
