"""Page, export and buttons of advances and balance; who sees and does what."""

import io
from decimal import Decimal as D

import pytest
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from ambito.gestione import services
from ambito.gestione import services_acconti as srv
from ambito.gestione.models import Addebito, PianoAcconti, QuotaRiparto, TipoVersione
from ambito.utenti import ruoli as R

from .conftest import ESEMPIO, entra, utente


@pytest.fixture
def preventivo(ambito, comuni):
    v = services.importa_riparto(
        ambito=ambito,
        file=ESEMPIO,
        esercizio=2023,
        versione="preventivo",
        tipo=TipoVersione.PREVENTIVO,
        attore=None,
    )
    return services.approva_versione(versione=v, attore=None)


@pytest.fixture
def emessi(preventivo):
    srv.emetti_acconto(esercizio=preventivo.esercizio, rata=1, attore=None)
    return Addebito.objects.order_by("numero")


def url(nome, *args):
    return reverse(f"gestione:{nome}", args=args)


def test_amministrazione_emette_dalla_pagina(client, amministrazione, preventivo):
    c = entra(client, amministrazione)
    r = c.get(url("acconti", 2023))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Emetti 1° acconto" in html and "31/01/2023" in html and "30/09/2023" in html
    assert 'id="modulo-piano"' in html  # plan editable before any advance
    r = c.post(url("acconti_emetti", 2023), {"rata": "1"}, follow=True)
    n = Addebito.objects.count()
    assert n > 0 and "emessi" in r.content.decode()
    assert all(d.emesso_da == amministrazione for d in Addebito.objects.all())
    r = c.post(url("acconti_emetti", 2023), {"rata": "1"}, follow=True)
    assert Addebito.objects.count() == n and "già emesso" in r.content.decode()
    r = c.get(url("acconti", 2023))
    html = r.content.decode()
    assert 'id="modulo-piano"' not in html  # frozen once issued
    assert "Emetti 1° acconto" not in html and "Emetti 2° acconto" in html
    r = c.post(url("acconti_emetti", 2023), {"rata": "saldo"}, follow=True)
    assert "non è ancora approvato" in r.content.decode() and Addebito.objects.count() == n


def test_storna_dalla_pagina(client, amministrazione, emessi):
    c = entra(client, amministrazione)
    d = emessi.first()
    r = c.post(url("acconti_storna", d.pk), {"motivo": "errore di calcolo"}, follow=True)
    assert r.status_code == 200
    nota = Addebito.objects.get(storna=d)
    assert nota.importo == -d.importo and nota.emesso_da == amministrazione
    assert "stornato" in r.content.decode()


def test_piano_dalla_pagina(client, amministrazione, preventivo):
    c = entra(client, amministrazione)
    dati = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "0",
        "form-0-nome": "Unico",
        "form-0-scadenza": "2023-02-28",
        "form-0-percentuale": "95",
        "form-0-base": "preventivo",
        "form-1-nome": "Altro",
        "form-1-scadenza": "2023-09-30",
        "form-1-percentuale": "10",
        "form-1-base": "aggiornato",
    }
    r = c.post(url("acconti_piano", 2023), dati)
    assert r.status_code == 400 and "non può superare il 100%" in r.content.decode()
    assert not PianoAcconti.objects.exists()
    dati["form-1-nome"] = ""
    r = c.post(url("acconti_piano", 2023), dati)
    assert r.status_code == 302
    assert list(PianoAcconti.objects.values_list("nome", "percentuale")) == [("Unico", D(95))]


def test_comune_vede_solo_la_sua_riga(client, comunale, emessi, comuni):
    c = entra(client, comunale)
    r = c.get(url("acconti", 2023))
    assert r.status_code == 200
    html = r.content.decode()
    assert "San Giuliano Milanese" in html
    assert "Melegnano" not in html and "Emetti" not in html and "Storna" not in html
    proprio = Addebito.objects.get(comune=comuni["015195"])
    assert f"2023/{proprio.numero:04d}" in html
    assert c.post(url("acconti_emetti", 2023), {"rata": "1"}).status_code == 403
    assert c.post(url("acconti_storna", proprio.pk), {"motivo": "x"}).status_code == 403
    wb = load_workbook(io.BytesIO(c.get(url("acconti_xlsx", 2023)).content))
    nomi = [r[0] for r in wb.active.iter_rows(min_row=2, values_only=True) if r and r[0]]
    assert nomi == ["San Giuliano Milanese", "Totale"]


def test_altri_utenti_no(client, ambito, emessi):
    R.assicura_ruoli()
    op = utente(ambito, "operatore", R.OPERATORE)
    c = entra(client, op)
    assert c.get(url("acconti", 2023)).status_code in (403, 404)
    assert c.get(url("acconti_xlsx", 2023)).status_code in (403, 404)
    assert c.post(url("acconti_emetti", 2023), {"rata": "1"}).status_code in (403, 404)


def test_direzione_legge_ma_non_emette(client, ambito, emessi):
    R.assicura_ruoli()
    c = entra(client, utente(ambito, "direzione", R.DIREZIONE))
    r = c.get(url("acconti", 2023))
    assert r.status_code == 200 and "Melegnano" in r.content.decode() and "Emetti" not in r.content.decode()
    assert c.post(url("acconti_emetti", 2023), {"rata": "2"}).status_code == 403


def test_xlsx_totali_uguali_al_database(client, amministrazione, emessi, preventivo):
    c = entra(client, amministrazione)
    r = c.get(url("acconti_xlsx", 2023))
    assert r.status_code == 200 and "acconti-2023.xlsx" in r["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    righe = list(ws.iter_rows(values_only=True))
    intest, *corpo = righe
    assert ws["A1"].font.bold and ws.cell(row=len(righe), column=1).font.bold
    totale = corpo[-1]
    assert totale[0] == "Totale"
    col = {n: i for i, n in enumerate(intest)}
    prev = QuotaRiparto.objects.filter(versione=preventivo).aggregate(t=Sum("importo"))["t"]
    fatt = Addebito.objects.aggregate(t=Sum("importo"))["t"]
    assert D(str(totale[col["Preventivo"]])) == prev
    assert D(str(totale[col["1° acconto (50%)"]])) == fatt
    assert D(str(totale[col["Totale fatturato"]])) == fatt
    assert sum(D(str(x[col["1° acconto (50%)"]])) for x in corpo[:-1]) == fatt
    assert ws.cell(row=2, column=2).number_format == "#,##0.00"
    assert totale[col["Consuntivo"]] is None


def test_indice_porta_all_ultimo_esercizio(client, amministrazione, preventivo):
    r = entra(client, amministrazione).get(url("acconti_indice"))
    assert r.status_code == 302 and r["Location"].endswith("/2023/")
    assert entra(client, amministrazione).get(url("acconti", 1999)).status_code == 404


def test_un_altro_ambito_non_vede_ne_storna(client, emessi):
    from ambito.core.models import Ambito

    R.assicura_ruoli()
    altro = Ambito.objects.create(codice="ALTRO", nome="Altro Ambito")
    c = entra(client, utente(altro, "amm.altro", R.AMMINISTRAZIONE))
    assert c.get(url("acconti", 2023)).status_code == 404
    assert c.post(url("acconti_storna", emessi.first().pk), {"motivo": "x"}).status_code == 404
    assert c.post(url("acconti_emetti", 2023), {"rata": "1"}).status_code == 404
    assert not Addebito.objects.filter(tipo="nota_credito").exists()


def test_pagina_query_costanti(client, amministrazione, emessi, preventivo, django_assert_num_queries):
    c = entra(client, amministrazione)
    c.get(url("acconti", 2023))  # warm the session and the permissions
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as prima:
        c.get(url("acconti", 2023))
    srv.emetti_acconto(esercizio=preventivo.esercizio, rata=2, attore=None)
    srv.storna(addebito=emessi.first(), motivo="x", attore=None)
    with django_assert_num_queries(len(prima)):
        assert c.get(url("acconti", 2023)).status_code == 200
