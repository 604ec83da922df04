"""`ambito riparto calcola`: CSV/JSON, --spiega, errors with exit code 1, no database."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ambito.gestione import workbook as w
from ambito.gestione.tests.test_workbook import fogli_base


@pytest.fixture
def cartella(tmp_path):
    p = tmp_path / "r.xlsx"
    w.scrivi(p, fogli_base())
    return p


def esegui(*args):
    out, err = StringIO(), StringIO()
    call_command("riparto", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_csv_senza_database(cartella):
    # no django_db mark: pytest-django makes any database access raise here
    out, _ = esegui("calcola", "--da-file", str(cartella))
    righe = out.splitlines()
    assert righe[0] == "comune,servizio,importo"
    assert righe[1].startswith("015001,CAT,")
    assert len(righe) == 5
    _cartella, r = w.calcola_file(cartella)
    assert sum(int(x.split(",")[2]) for x in righe[1:]) == r.totale


def test_json(cartella):
    out, _ = esegui("calcola", "--da-file", str(cartella), "--formato", "json")
    d = json.loads(out)
    assert d["righe"][0]["nome_comune"] == "Alfa"
    assert d["totale"] == sum(x["importo"] for x in d["righe"])
    assert {p["servizio"] for p in d["prospetto"]} == {"CAT", "CDD"}


def test_spiega(cartella):
    out, _ = esegui("calcola", "--da-file", str(cartella), "--spiega", "Beta", "CDD")
    assert "Comune: Beta (015002)" in out
    assert "Metodo: al consumo (consumo)" in out
    assert "Peso: 30 unità su 40 (75,0000%)" in out
    assert "Fondo vincolato FSR_B: −50,00 €" in out
    assert "Arrotondamento (resti maggiori):" in out
    out, _ = esegui("calcola", "--da-file", str(cartella), "--spiega", "015001", "CAT", "--formato", "json")
    assert json.loads(out)["metodo"] == "capitaria"
    with pytest.raises(CommandError, match="Comune «Gamma»"):
        esegui("calcola", "--da-file", str(cartella), "--spiega", "Gamma", "CAT")


def test_errori_cartella(tmp_path):
    f = fogli_base()
    del f["costi"]
    p = tmp_path / "errata.xlsx"
    w.scrivi(p, f)
    err = StringIO()
    with pytest.raises(CommandError, match="nessun calcolo eseguito") as exc:
        call_command("riparto", "calcola", "--da-file", str(p), stdout=StringIO(), stderr=err)
    assert exc.value.returncode == 1
    assert "foglio «costi»: foglio mancante" in err.getvalue()


def test_processo_con_database_irraggiungibile(cartella, tmp_path):
    """The real entry point, with a DATABASE_URL nobody listens on: it must not need it."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="ambito.settings",
        DATABASE_URL="postgres://nessuno:x@127.0.0.1:9/inesistente",
        SECRET_KEY="prova",
    )
    ambito = Path(sys.executable).with_name("ambito")
    comando = [str(ambito)] if ambito.exists() else [sys.executable, "-m", "ambito.manage"]
    r = subprocess.run(
        [*comando, "riparto", "calcola", "--da-file", str(cartella)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("comune,servizio,importo")
    f = fogli_base()
    f["servizi"][1][2] = ""
    p = tmp_path / "errata.xlsx"
    w.scrivi(p, f)
    r = subprocess.run(
        [*comando, "riparto", "calcola", "--da-file", str(p)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 1
    assert "foglio «servizi», riga 2, colonna «metodo»" in r.stderr
