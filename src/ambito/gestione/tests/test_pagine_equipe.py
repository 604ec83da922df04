"""The So.Le. team rule through the workbook, the database and the pages."""

from decimal import Decimal as D

import pytest

from ambito.gestione import services
from ambito.gestione import workbook as w
from ambito.gestione.models import QuotaRiparto
from ambito.utenti import ruoli as R

from .conftest import entra, utente

A, B, N = "015195", "015140", "015082"  # San Giuliano and Melegnano confer SAD; Colturano does not


def fogli():
    return {
        "servizi": [
            [
                "codice",
                "nome",
                "metodo",
                "porta_costi_indiretti",
                "data_popolazione",
                "costo_equipe",
                "quota_equipe_non_conferenti",
                "fondo_equipe_non_conferenti",
            ],
            ["SAD", "Assistenza domiciliare", "consumo", "no", "2025-01-01", "87.331,08", "0,20", "FNPS"],
            ["CAT", "Centro affidi", "capitaria", "no", "2025-01-01", "", "", ""],
        ],
        "costi": [["servizio", "costo_diretto"], ["SAD", "110.011,08"], ["CAT", 9000]],
        "conferimenti": [["servizio", "comune"], ["SAD", A], ["SAD", B], ["CAT", A], ["CAT", B], ["CAT", N]],
        "popolazione": [
            ["data_riferimento", "comune", "abitanti"],
            ["2025-01-01", A, 38000],
            ["2025-01-01", B, 18000],
            ["2025-01-01", N, 6000],
        ],
        "consumi": [["servizio", "comune", "unita"], ["SAD", A, 700], ["SAD", B, 300]],
        "tariffe": [
            ["servizio", "comune", "tariffa", "unita"],
            ["SAD", A, "22,68", 700],
            ["SAD", B, "22,68", 300],
        ],
    }


@pytest.fixture
def versione(ambito, comuni, tmp_path):
    p = tmp_path / "sad.xlsx"
    w.scrivi(p, fogli())
    return services.importa_riparto(ambito=ambito, file=p, esercizio=2025, versione="preventivo", attore=None)


def test_la_cartella_legge_la_regola_e_la_riscrive(tmp_path, versione):
    dati = services.dati_versione(versione)
    sad = next(s for s in dati.servizi if s.codice == "SAD")
    assert (sad.costo_equipe, sad.quota_equipe_non_conferenti, sad.fondo_equipe_non_conferenti) == (
        D("87331.08"),
        D("0.20"),
        "FNPS",
    )
    p = tmp_path / "di-nuovo.xlsx"
    w.scrivi(p, w.fogli_da_dati(dati))
    assert w.leggi(p).dati == dati


def test_la_quota_riduce_i_conferenti(comuni, versione):
    voce = versione.voci.get(codice="SAD")
    assert [(f, D(x)) for f, x in voce.fondi] == [("FNPS", D("17466.216"))]
    pagato = sum(q.importo for q in QuotaRiparto.objects.filter(versione=versione, voce=voce))
    assert pagato == voce.comuni_arrotondato == round(D("110011.08") - D("17466.216"))
    assert not QuotaRiparto.objects.filter(versione=versione, voce=voce, comune=comuni[N]).exists()


def test_pagine(client, ambito, comuni, versione):
    R.assicura_ruoli()
    entra(client, utente(ambito, "amministrazione", R.AMMINISTRAZIONE))
    r = client.get(f"/gestione/riparto/{versione.pk}/comuni/{comuni[A].pk}/SAD/")
    assert r.status_code == 200
    assert "pagata dal fondo FNPS" in r.content.decode() and "87.331,08" in r.content.decode()
    r = client.get(f"/gestione/riparto/{versione.pk}/comuni/{comuni[N].pk}/")
    testo = r.content.decode()
    assert 'id="quote-equipe"' in testo and "FNPS" in testo
    # N is the only non-conferring Comune: the whole 20% quota (17.466,22 €) is assigned to it
    assert "17.466,22 €" in testo
    r = client.get(f"/gestione/riparto/{versione.pk}/comuni/{comuni[B].pk}/")
    assert 'id="quote-equipe"' not in r.content.decode()
