import csv
from pathlib import Path

import pytest

from ambito.core.models import Ambito
from ambito.territorio.models import Ente, TipoEnte

RADICE = Path(__file__).resolve().parents[4]
ESEMPIO = RADICE / "docs" / "examples" / "riparto-2023-assemi.xlsx"
COMUNI_DEMO = RADICE / "src" / "ambito" / "demo" / "data" / "comuni_demo.csv"


def crea_comuni(ambito) -> dict[str, Ente]:
    with open(COMUNI_DEMO, encoding="utf-8") as f:
        return {
            r["codice_istat"]: Ente.objects.create(
                ambito=ambito,
                tipo=TipoEnte.COMUNE,
                nome=r["nome"],
                codice_istat=r["codice_istat"],
                codice_catastale=r["codice_catastale"],
                provincia=r["provincia"],
            )
            for r in csv.DictReader(f)
        }


@pytest.fixture
def ambito(db):
    return Ambito.objects.create(codice="ASSEMI", nome="Ambito di San Giuliano Milanese")


@pytest.fixture
def comuni(ambito):
    return crea_comuni(ambito)
