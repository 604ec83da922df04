"""KPIs of a tiny riparto whose arithmetic can be checked by hand: cost per user and per hour from
deliveries in the case record, revenue share by source, Comuni per capita."""

import datetime as dt
import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.db.models import Sum
from django.urls import reverse

from ambito.cartella.tests.conftest import Mondo
from ambito.cartella.tests.test_erogazioni_letture import riga
from ambito.catalogo.models import UnitaMisura
from ambito.gestione import prospetti, services
from ambito.gestione import workbook as w
from ambito.gestione.models import QuotaRiparto, VoceRiparto

C = D("0.01")
A, B = "015140", "015195"


def fogli(popolazione=(1000, 3000)):
    return {
        "servizi": [
            ["codice", "nome", "metodo", "porta_costi_indiretti", "data_popolazione"],
            ["SAD", "Assistenza domiciliare", "capitaria", "sì", "2024-01-01"],
            ["MINORI", "Servizi minori", "capitaria", "sì", "2024-01-01"],
            ["UDP", "Ufficio di piano", "capitaria", "no", "2024-01-01"],
        ],
        "costi": [["servizio", "costo_diretto"], ["SAD", "10000"], ["MINORI", "5000"], ["UDP", "2000"]],
        "costi_indiretti": [["voce", "importo"], ["amministrazione", "1500"]],
        "fondi": [["fondo", "servizio", "importo"], ["FNPS", "SAD", "1000"], ["FSR", "UDP", "500"]],
        "comuni": [["codice_istat", "nome"], [A, "Comune A"], [B, "Comune B"]],
        "conferimenti": [["servizio", "comune"]] + [[s, c] for s in ("SAD", "MINORI", "UDP") for c in (A, B)],
        "popolazione": [
            ["data_riferimento", "comune", "abitanti"],
            ["2024-01-01", A, popolazione[0]],
            ["2024-01-01", B, popolazione[1]],
        ],
    }


@pytest.fixture
def mondo(db):
    m = Mondo("AMB-K", (A, B))
    m.sad.unita_misura = UnitaMisura.ORE
    m.sad.save()
    return m


@pytest.fixture
def versione(mondo, tmp_path):
    p = tmp_path / "k.xlsx"
    w.scrivi(p, fogli())
    return services.importa_riparto(
        ambito=mondo.ambito, file=p, esercizio=2024, versione="preventivo", attore=None
    )


@pytest.fixture
def consegne(mondo):
    """SAD hours in 2024: persons 1 and 2 of Comune A (10 + 2.5 and 4 h), person 3 of Comune B (3 h);
    plus hours outside the year and an annulled delivery, which do not count."""
    m = dt.date
    p1, p2, p3 = (mondo.persona(cognome=c) for c in ("Verdi", "Neri", "Gialli"))
    i1 = mondo.intervento(mondo.caso(servizio=mondo.sad, persona=p1))
    i2 = mondo.intervento(mondo.caso(servizio=mondo.sad, persona=p2))
    i3 = mondo.intervento(mondo.caso(servizio=mondo.sad, persona=p3, comune=mondo.altro_comune))
    riga(mondo, i1, m(2024, 3, 1), m(2024, 3, 31), quantita="10")
    riga(mondo, i1, m(2024, 4, 1), m(2024, 4, 30), quantita="2.5")
    riga(mondo, i2, m(2024, 5, 1), m(2024, 5, 31), quantita="4")
    riga(mondo, i3, m(2024, 6, 1), m(2024, 6, 30), quantita="3")
    riga(mondo, i3, m(2023, 6, 1), m(2023, 6, 30), quantita="50")  # the year before
    riga(mondo, i2, m(2024, 7, 1), m(2024, 7, 31), quantita="99", annullata=True)
    return {"persone": 3, "ore": D("10") + D("2.5") + D("4") + D("3")}


def test_indicatori_a_mano(versione, consegne, mondo):
    k = prospetti.indicatori(versione)
    per = {s.voce.codice: s for s in k.servizi}
    sad = VoceRiparto.objects.get(versione=versione, codice="SAD")
    assert sad.servizio_id == mondo.sad.pk
    # cost = 10.000 direct + 1.500 × 10.000 / (10.000 + 5.000) overhead (UDP carries none)
    assert sad.costo_totale == D("11000")
    assert per["SAD"].persone == consegne["persone"] == 3
    assert per["SAD"].unita == consegne["ore"] == D("19.5")
    assert per["SAD"].costo_per_utente == (D("11000") / 3).quantize(C) == D("3666.67")
    assert per["SAD"].costo_orario == (D("11000") / D("19.5")).quantize(C) == D("564.10")
    assert per["SAD"].unita_misura == "ore"
    # MINORI is in the catalogue but has no deliveries; UDP is not in the catalogue
    assert per["MINORI"].persone == 0 and per["MINORI"].costo_per_utente is None
    assert per["MINORI"].costo_orario is None  # measured in cases, not hours
    assert per["UDP"].persone is None and per["UDP"].costo_per_utente is None
    # revenue by source: funds 1.000 + 500, Comuni = total cost − funds = 18.500 − 1.500
    fonti = {f: (x, pct) for f, x, pct in k.fonti}
    assert fonti["FNPS"] == (D("1000.00"), (D("1000") * 100 / D("18500")).quantize(C))
    assert fonti["FSR"][0] == D("500.00")
    assert fonti["Comuni"][0] == D("17000")
    assert k.totale_fonti == D("18500")
    # per Comune: split per capita 1.000 : 3.000
    comuni = {c.comune.codice_istat: c for c in k.comuni}
    assert k.data_popolazione == "2024-01-01"
    assert comuni[A].totale == D("4250") and comuni[B].totale == D("12750")
    assert comuni[A].abitanti == 1000 and comuni[A].pro_capite == D("4.25")
    assert comuni[B].pro_capite == D("4.25") and k.pro_capite == D("4.25")
    assert comuni[A].percentuale == D("25.00") and comuni[B].percentuale == D("75.00")
    assert k.totale_comuni == QuotaRiparto.objects.filter(versione=versione).aggregate(t=Sum("importo"))["t"]


def test_indicatori_pagina_ed_export(client, versione, consegne, mondo):
    c = mondo.client(mondo.amministrazione)
    html = c.get(reverse("gestione:indicatori", args=[versione.pk])).content.decode()
    assert "3.666,67 €" in html and "564,10 €" in html and "n.d." in html
    r = c.get(reverse("gestione:indicatori_esporta", args=[versione.pk, "xlsx"]))
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Indicatori per servizio", "Ricavi per fonte", "Indicatori per Comune", "Note"]
    ws = wb["Indicatori per servizio"]
    assert [ws.cell(2, i).value for i in (1, 5)] == ["SAD", 3]
    assert D(str(ws.cell(2, 7).value)) == D("3666.67") and D(str(ws.cell(2, 8).value)) == D("564.1")
    f = wb["Ricavi per fonte"]
    assert f.cell(2, 3).number_format == "0.00%"
    assert f.cell(f.max_row, 2).value == f"=SUM(B2:B{f.max_row - 1})"
    assert sum(D(str(f.cell(i, 2).value)) for i in range(2, f.max_row)) == D("18500")
    r_csv = c.get(reverse("gestione:indicatori_esporta", args=[versione.pk, "csv"]) + "?foglio=2")
    testo = r_csv.content.decode("utf-8-sig").splitlines()
    assert testo[0] == "Comune;Totale;Abitanti;Pro capite;% del totale"
    assert f"{mondo.comune.nome};4250,00;1000;4,25;25,00" in testo
    assert testo[-1] == "Totale;17000,00;4000;;100,00"
    assert r_csv["Content-Disposition"].endswith('-indicatori-per-comune.csv"')


def test_indicatori_senza_popolazione_ne_erogazioni(versione, mondo):
    k = prospetti.indicatori(versione)
    assert all(s.costo_per_utente is None for s in k.servizi)
    assert prospetti.data_popolazione(None) == ""


def test_a_person_followed_by_two_comuni_is_one_user(versione, consegne, mondo):
    """Person 1 also has a SAD case with Comune B (moved, or followed by both): the service's
    users stay 3 persons, not 4, and the cost per user is unchanged; the hours add up."""
    from ambito.cartella.models import Persona

    p1 = Persona.objects.get(ambito=mondo.ambito, cognome="Verdi")
    i = mondo.intervento(mondo.caso(servizio=mondo.sad, persona=p1, comune=mondo.altro_comune))
    riga(mondo, i, dt.date(2024, 9, 1), dt.date(2024, 9, 30), quantita="1")
    per = {s.voce.codice: s for s in prospetti.indicatori(versione).servizi}
    assert per["SAD"].persone == 3 and per["SAD"].costo_per_utente == D("3666.67")
    assert per["SAD"].unita == consegne["ore"] + 1
