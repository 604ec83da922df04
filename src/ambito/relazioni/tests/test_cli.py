"""`ambito relazioni comune|gestione` writes the files; an unknown Comune is an error."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook


def test_cli_writes_the_pack_and_the_report(demo, tmp_path):
    out = io.StringIO()
    pdf, xlsx = tmp_path / "c.pdf", tmp_path / "c.xlsx"
    call_command(
        "relazioni",
        "comune",
        "--anno",
        "2025",
        "--comune",
        "015140",
        "--pdf",
        pdf,
        "--xlsx",
        xlsx,
        stdout=out,
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    assert load_workbook(xlsx).active["A2"].value.startswith("Comune di Melegnano")
    assert "Melegnano 2025" in out.getvalue()
    g = tmp_path / "g.pdf"
    call_command("relazioni", "gestione", "--anno", "2023", "--pdf", g, stdout=out)
    assert g.read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError, match="non trovato"):
        call_command("relazioni", "comune", "--anno", "2025", "--comune", "999999", "--pdf", pdf)
