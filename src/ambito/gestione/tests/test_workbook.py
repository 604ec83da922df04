"""The riparto workbook: reading, validation messages with sheet/row/column, writer round trip."""

from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from ambito.gestione import engine as e
from ambito.gestione import workbook as w


def fogli_base():
    return {
        "servizi": [
            ["codice", "nome", "metodo", "porta_costi_indiretti", "data_popolazione"],
            ["CAT", "Centro affidi", "capitaria", "sì", "2022-01-01"],
            ["CDD", "Centri diurni", "consumo", "sì", ""],
        ],
        "costi": [["servizio", "costo_diretto"], ["CAT", "1.000,50"], ["CDD", 2000]],
        "costi_indiretti": [["voce", "importo"], ["personale amministrativo", "300.25"]],
        "fondi": [["fondo", "servizio", "importo"], ["FNPS", "CAT", 100], ["FSR_B", "CDD", 50]],
        "fondi_vincolati": [["fondo", "comune"], ["FSR_B", 15002]],
        "comuni": [["codice_istat", "nome"], ["015001", "Alfa"], ["015002", "Beta"]],
        "conferimenti": [
            ["servizio", "comune"],
            ["CAT", "015001"],
            ["CAT", "015002"],
            ["CDD", "015001"],
            ["CDD", "015002"],
        ],
        "popolazione": [
            ["data_riferimento", "comune", "abitanti"],
            ["2022-01-01", "015001", 1000],
            ["2022-01-01", "015002", 3000],
        ],
        "consumi": [["servizio", "comune", "unita"], ["CDD", "015001", "10"], ["CDD", "015002", "30,0"]],
    }


@pytest.fixture
def scrivi(tmp_path):
    def _scrivi(fogli):
        p = tmp_path / "r.xlsx"
        w.scrivi(p, fogli)
        return p

    return _scrivi


def messaggi(scrivi, fogli):
    with pytest.raises(w.ErroriCartella) as exc:
        w.calcola_file(scrivi(fogli))
    return [str(x) for x in exc.value.errori]


def test_legge_e_calcola(scrivi):
    cartella, r = w.calcola_file(scrivi(fogli_base()))
    assert cartella.dati.costi_diretti == {"CAT": D("1000.50"), "CDD": D(2000)}
    assert cartella.dati.costi_indiretti == D("300.25")
    assert cartella.nome_comune("015002") == "Beta"
    assert cartella.cerca_comune("beta") == "015002" and cartella.cerca_comune("15001") == "015001"
    # overhead 300.25 split 1000.50 : 2000
    riga = {x.servizio: x for x in r.prospetto}
    assert riga["CAT"].totale + riga["CDD"].totale == D("3300.75")
    assert r.totale_servizio("CDD") == e.arrotonda_euro(riga["CDD"].comuni)
    assert dict(r.spiegazioni[("015002", "CDD")].fondi_vincolati)["FSR_B"] == D(50)


def test_numeri(scrivi):
    assert w.numero("1.234,56") == D("1234.56")
    assert w.numero("1234.56") == D("1234.56")
    assert w.numero("1.234.567") == D(1234567)
    assert w.numero(" 12 € ") == D(12)
    with pytest.raises(ValueError):
        w.numero("dodici")


def test_foglio_mancante(scrivi):
    f = fogli_base()
    del f["costi"]
    assert "foglio «costi»: foglio mancante" in messaggi(scrivi, f)


def test_colonna_mancante(scrivi):
    f = fogli_base()
    f["consumi"] = [["servizio", "comune"], ["CDD", "015001"]]
    assert "foglio «consumi», riga 1, colonna «unita»: colonna mancante" in messaggi(scrivi, f)


def test_servizio_senza_metodo_e_metodo_sconosciuto(scrivi):
    f = fogli_base()
    f["servizi"][1][2] = ""
    f["servizi"][2][2] = "a_occhio"
    m = messaggi(scrivi, f)
    assert "foglio «servizi», riga 2, colonna «metodo»: il servizio CAT non ha un metodo di riparto" in m
    assert any(
        x.startswith("foglio «servizi», riga 3, colonna «metodo»: metodo sconosciuto «a_occhio»") for x in m
    )


def test_fondi_superiori_al_costo(scrivi):
    f = fogli_base()
    f["fondi"][1][2] = 5000
    m = messaggi(scrivi, f)
    assert any(
        x.startswith("foglio «fondi», riga 2, colonna «importo»: i fondi del servizio CAT (5000)") for x in m
    )


def test_consumo_di_un_comune_che_non_conferisce(scrivi):
    f = fogli_base()
    f["conferimenti"] = [r for r in f["conferimenti"] if r != ["CDD", "015002"]]
    m = messaggi(scrivi, f)
    assert "foglio «consumi», riga 3, colonna «comune»: il Comune Beta non conferisce il servizio CDD" in m


def test_negativi_e_non_numerici_tutti_insieme(scrivi):
    f = fogli_base()
    f["costi"][1][1] = -3
    f["popolazione"][2][2] = "tremila"
    m = messaggi(scrivi, f)
    assert "foglio «costi», riga 2, colonna «costo_diretto»: numero negativo (-3)" in m
    assert "foglio «popolazione», riga 3, colonna «abitanti»: «tremila» non è un numero" in m


def test_popolazione_mancante_per_capitaria(scrivi):
    f = fogli_base()
    f["popolazione"] = f["popolazione"][:2]
    m = messaggi(scrivi, f)
    assert any("manca la popolazione del Comune Beta al 2022-01-01" in x for x in m)


def test_fondo_vincolato_oltre_la_quota_rifiutato_dal_motore(scrivi):
    f = fogli_base()
    f["fondi"][2][2] = 1900  # Beta's share of CDD is about 1.590
    m = messaggi(scrivi, f)
    assert any("fondo vincolato FSR_B" in x for x in m)


def test_file_non_xlsx(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_text("non sono un xlsx")
    with pytest.raises(w.ErroriCartella, match="non leggibile"):
        w.leggi(p)


def test_scrittura_e_rilettura(scrivi, tmp_path):
    cartella = w.leggi(scrivi(fogli_base()))
    p2 = tmp_path / "copia.xlsx"
    w.scrivi(p2, w.fogli_da_dati(cartella.dati))
    assert w.leggi(p2).dati == cartella.dati
    assert load_workbook(p2)["servizi"]["A1"].font.bold
