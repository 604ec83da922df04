"""The three commands: import, natural movements, indices (CSV and JSON)."""

import csv
import io
import json

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from ambito.territorio.models import PopolazioneEta, RilevazionePopolazione

from .conftest import csv_popolazione

INTESTAZIONE = (
    "codice_istat,comune,indice_vecchiaia,indice_dipendenza,indice_ricambio,indice_struttura,"
    "carico_figli,natalita,mortalita"
)


def scrivi(tmp_path, nome, dati: bytes | str):
    p = tmp_path / nome
    p.write_bytes(dati if isinstance(dati, bytes) else dati.encode())
    return str(p)


def esegui(*argomenti) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*argomenti, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# Carpiano: 700 over-65 / 670 under-15 (AC10); San Giuliano: 300 / 100.
CARPIANO = {0: (300, 370), 70: (400, 300), 17: (50, 50), 62: (60, 40), 30: (500, 500), 50: (400, 400)}
SAN_GIULIANO = {5: (50, 50), 80: (150, 150), 17: (100, 100), 60: (100, 100), 25: (300, 300), 45: (300, 300)}


@pytest.fixture
def popolazione(tmp_path, ambito, comuni):
    f = scrivi(tmp_path, "pop.csv", csv_popolazione({"015050": CARPIANO, "015195": SAN_GIULIANO}))
    esegui("importa_popolazione", f, "--data-riferimento", "2023-01-01", "--fonte", "ISTAT prova")


def test_indici_csv(popolazione):
    out, _ = esegui("indici_demografici", "--data-riferimento", "2023-01-01", "--formato", "csv")
    righe = out.splitlines()
    assert righe[0] == INTESTAZIONE
    # Carpiano: 0-14 670, 65+ 700, 15-64 2000, 15-19 100, 60-64 100, 15-39 1100, 40-64 900, F15-49 550
    assert righe[1] == "015050,Carpiano,104.48,68.50,100.00,81.82,121.82,,"
    # San Giuliano: 0-14 100, 65+ 300, 15-64 1600, 15-39 800, 40-64 800, 0-4 none over F15-49 700
    assert righe[2] == "015195,San Giuliano Milanese,300.00,25.00,100.00,100.00,0.00,,"
    # Summed: 1000/770, 1770/3600, 300/300, 1700/1900, 670/1250
    assert righe[3] == "AMBITO,Ambito (ponderato sulla popolazione),129.87,49.17,100.00,89.47,53.60,,"
    # Unrounded means: (104.477…+300)/2, (68.5+25)/2, 100, (81.818…+100)/2, (121.818…+0)/2
    assert righe[4] == (
        'MEDIA_COMUNI,"Media semplice dei Comuni, come nel Piano di Zona",202.24,46.75,100.00,90.91,60.91,,'
    )
    assert len(righe) == 5


def test_indici_json_con_metadati(popolazione):
    out, _ = esegui("indici_demografici", "--data-riferimento", "2023-01-01", "--formato", "json")
    dati = json.loads(out)
    assert dati["metadati"]["data_riferimento"] == "2023-01-01"
    assert dati["metadati"]["fonte"] == "ISTAT prova"
    assert dati["metadati"]["natalita_mortalita"]["anno_eventi"] == 2022
    assert dati["metadati"]["natalita_mortalita"]["denominatore"].startswith(
        "popolazione alla data di riferimento"
    )
    assert dati["comuni"][0]["indice_vecchiaia"] == 104.48
    assert dati["comuni"][0]["natalita"] is None
    assert dati["comuni"][0]["popolazione"] == 3370
    assert dati["ambito"]["codice_istat"] == "AMBITO"
    assert dati["media_comuni"]["codice_istat"] == "MEDIA_COMUNI"


def test_natalita_con_movimenti_e_popolazione_media(tmp_path, popolazione):
    # The year before: Carpiano 3.000 residents, San Giuliano 2.000.
    prima = scrivi(
        tmp_path, "p22.csv", csv_popolazione({"015050": {30: (1500, 1500)}, "015195": {30: (1000, 1000)}})
    )
    esegui("importa_popolazione", prima, "--data-riferimento", "2022-01-01", "--fonte", "ISTAT")
    mov = scrivi(tmp_path, "mov.csv", "codice_istat,anno,nati,morti\n015050,2022,32,16\n015195,2022,20,30\n")
    out, _ = esegui("importa_movimenti", mov, "--fonte", "ISTAT bilancio")
    assert "Importate 2 righe" in out
    out, _ = esegui("indici_demografici", "--data-riferimento", "2023-01-01")
    righe = list(csv.DictReader(io.StringIO(out)))
    # Carpiano: mean population (3000 + 3370) / 2 = 3185 → 32 / 3185 × 1000 = 10,047 ; 16 → 5,023
    assert (righe[0]["natalita"], righe[0]["mortalita"]) == ("10.05", "5.02")
    # San Giuliano: (2000 + 2000) / 2 = 2000 → 20 → 10,00 ; 30 → 15,00
    assert (righe[1]["natalita"], righe[1]["mortalita"]) == ("10.00", "15.00")
    # Ambito: 52 / (3185 + 2000) × 1000 = 10,029 ; 46 / 5185 × 1000 = 8,872
    assert (righe[2]["natalita"], righe[2]["mortalita"]) == ("10.03", "8.87")
    # Simple mean of the unrounded rates: (10,0471 + 10) / 2 ; (5,0235 + 15) / 2
    assert (righe[3]["natalita"], righe[3]["mortalita"]) == ("10.02", "10.01")
    out, _ = esegui("indici_demografici", "--data-riferimento", "2023-01-01", "--formato", "json")
    meta = json.loads(out)["metadati"]["natalita_mortalita"]
    assert meta["denominatore"].startswith("popolazione media dell'anno degli eventi")
    assert meta["fonte"] == ["ISTAT bilancio"]


def test_file_rotto_uscita_non_zero_e_niente_salvato(tmp_path, ambito, comuni, capsys, monkeypatch):
    # run_from_argv closes every connection when it ends; keep the test's transaction open.
    from django.core.management import base

    monkeypatch.setattr(base.connections, "close_all", lambda: None)
    buono = scrivi(tmp_path, "b.csv", csv_popolazione({"015050": CARPIANO}))
    esegui("importa_popolazione", buono, "--data-riferimento", "2023-01-01", "--fonte", "buona")
    rotto = csv_popolazione({"015050": {0: (1, 1)}}).decode().replace("015050,7,0,0", "015050,7,sette,0")
    rotto_f = scrivi(tmp_path, "r.csv", rotto)
    utility = ManagementUtility(
        ["ambito", "importa_popolazione", rotto_f, "--data-riferimento", "2023-01-01", "--fonte", "rotta"]
    )
    with pytest.raises(SystemExit) as exc:
        utility.execute()
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "riga 9: maschi «sette» non valido: serve un numero intero non negativo" in err
    assert "nessun dato è stato modificato" in err
    ril = RilevazionePopolazione.objects.get()
    assert ril.fonte == "buona"
    assert PopolazioneEta.objects.get(eta=0).maschi == 300


def test_data_non_valida(tmp_path, ambito, comuni):
    f = scrivi(tmp_path, "b.csv", csv_popolazione({"015050": CARPIANO}))
    with pytest.raises(CommandError, match="data non valida «01/01/2023»: usare il formato AAAA-MM-GG"):
        esegui("importa_popolazione", f, "--data-riferimento", "01/01/2023", "--fonte", "x")


def test_ambito_predefinito_e_ambiguo(tmp_path, ambito, altro_ambito, comuni):
    f = scrivi(tmp_path, "b.csv", csv_popolazione({"015050": CARPIANO}))
    with pytest.raises(CommandError, match=r"Ci sono più Ambiti \(PAU, SGM\): indicare quale con --ambito"):
        esegui("importa_popolazione", f, "--data-riferimento", "2023-01-01", "--fonte", "x")
    with pytest.raises(CommandError, match="Ambito «XXX» inesistente"):
        esegui(
            "importa_popolazione", f, "--data-riferimento", "2023-01-01", "--fonte", "x", "--ambito", "XXX"
        )
    out, _ = esegui(
        "importa_popolazione", f, "--data-riferimento", "2023-01-01", "--fonte", "x", "--ambito", "SGM"
    )
    assert "Importate 101 righe per 1 Comuni" in out


def test_indici_data_non_caricata(popolazione):
    with pytest.raises(
        CommandError, match="Nessuna popolazione caricata al 01/01/2024.*Date disponibili: 2023-01-01"
    ):
        esegui("indici_demografici", "--data-riferimento", "2024-01-01")


def test_movimenti_file_inesistente(ambito):
    with pytest.raises(CommandError, match="non trovato"):
        esegui("importa_movimenti", "/nonesiste.csv", "--fonte", "x")
