"""Pages: who reads, who writes, Italian input and messages, constant query counts, and the
spending from the case record's deliveries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from ambito.cartella.models import Erogazione, FinanziamentoErogazione
from ambito.cartella.tests.conftest import Mondo
from ambito.fondi import selectors, services
from ambito.fondi.models import AttoAssegnazione, Destinazione, MovimentoFondo, QuotaEsercizio

from .conftest import assegna, movimento


@pytest.fixture
def mondo(db):
    return Mondo("AMB-A", ("015140", "015195"))


@pytest.fixture
def altro_mondo(db):
    return Mondo("AMB-B", ("015192", "015050"))


def erogazione(mondo, intervento, data, ente, fondo=None, annullata=False):
    e = Erogazione.objects.create(
        ambito=mondo.ambito,
        intervento=intervento,
        dal=data,
        al=data,
        data_erogazione=data,
        quantita=D("1"),
        importo=D(ente),
        quota_ente=D(ente),
        annullato_il=timezone.now() if annullata else None,
    )
    FinanziamentoErogazione.objects.create(erogazione=e, fondo=fondo or mondo.fnps, importo=D(ente))
    return e


def test_utilizzo_da_erogazioni_per_data_ambito_e_annullamento(mondo, altro_mondo, django_assert_num_queries):
    i = mondo.intervento(mondo.caso(servizio=mondo.sad))
    erogazione(mondo, i, dt.date(2024, 1, 1), "100.10")
    erogazione(mondo, i, dt.date(2024, 12, 31), "50.05")
    erogazione(mondo, i, dt.date(2023, 12, 31), "7.00")  # other year
    erogazione(mondo, i, dt.date(2024, 6, 1), "999.00", annullata=True)
    erogazione(mondo, i, dt.date(2024, 6, 1), "3.00", fondo=mondo.bilancio)  # other fund
    j = altro_mondo.intervento(altro_mondo.caso(servizio=altro_mondo.sad))
    erogazione(altro_mondo, j, dt.date(2024, 6, 1), "11.00")
    with django_assert_num_queries(1):
        assert selectors.utilizzo_da_erogazioni(mondo.ambito, mondo.fnps, 2024) == D("150.15")
    assert selectors.utilizzo_da_erogazioni(mondo.ambito, mondo.fnps, 2023) == D("7.00")
    assert selectors.utilizzo_da_erogazioni(altro_mondo.ambito, mondo.fnps, 2024) == D("0.00")
    per_servizio = selectors.utilizzo_da_erogazioni_per_servizio(mondo.ambito, mondo.fnps, 2024)
    assert [(r["erogazione__intervento__servizio__codice"], r["importo"]) for r in per_servizio] == [
        ("SAD", D("150.15"))
    ]


@pytest.mark.parametrize(
    "ruolo, stato",
    [
        ("amministrazione", 200),
        ("ufficiodipiano", 200),
        ("direzione", 200),
        # operators get fondi.view_fondo from the case record (to pick a fund in a delivery)
        ("operatore", 200),
        ("comunale", 403),
        ("cittadino", 403),
    ],
)
def test_chi_legge_le_pagine(mondo, ruolo, stato):
    c = mondo.client(getattr(mondo, ruolo))
    assert c.get(reverse("fondi:elenco")).status_code == stato
    assert c.get(reverse("fondi:fondo", args=[mondo.fnps.pk])).status_code == stato


def test_solo_amministrazione_scrive(mondo):
    assegna(mondo.fnps, "1000", annualita=2024)
    url = reverse("fondi:nuovo_movimento", args=[mondo.fnps.pk])
    dati = {
        "tipo": "impegno",
        "esercizio": "2024",
        "data": "2024-03-01",
        "importo": "100,00",
        "riferimento": "Det. 1",
    }
    for ruolo in ("ufficiodipiano", "direzione"):
        assert mondo.client(getattr(mondo, ruolo)).post(url, dati).status_code == 403
    assert not MovimentoFondo.objects.exists()
    pagina = mondo.client(mondo.ufficiodipiano).get(
        reverse("fondi:fondo", args=[mondo.fnps.pk]) + "?anno=2024"
    )
    assert b"Nuovo movimento" not in pagina.content
    r = mondo.client(mondo.amministrazione).post(url, dati)
    assert r.status_code == 302
    assert MovimentoFondo.objects.get().importo == D("100.00")


def test_fondo_di_altro_ambito_non_si_vede(mondo, altro_mondo):
    c = mondo.client(mondo.amministrazione)
    assert c.get(reverse("fondi:fondo", args=[altro_mondo.fnps.pk])).status_code == 404
    assert c.get(reverse("fondi:nuovo_movimento", args=[altro_mondo.fnps.pk])).status_code == 404


def test_assegnazione_con_quote_dalla_pagina(mondo):
    c = mondo.client(mondo.amministrazione)
    url = reverse("fondi:nuova_assegnazione", args=[mondo.fnps.pk])
    assert c.get(url).status_code == 200
    dati = {
        "tipo_atto": "dgr",
        "numero": "XI/6573",
        "data": "30/06/2022",
        "annualita": "2021",
        "importo": "617.025,92",
        "quote-TOTAL_FORMS": "3",
        "quote-INITIAL_FORMS": "0",
        "quote-MIN_NUM_FORMS": "0",
        "quote-MAX_NUM_FORMS": "10",
        "quote-0-esercizio": "2021",
        "quote-0-importo": "202.025,92",
        "quote-1-esercizio": "2022",
        "quote-1-importo": "414.999,99",
    }
    r = c.post(url, dati)
    assert r.status_code == 400
    assert "deve essere uguale all&#x27;importo assegnato" in r.content.decode()
    assert not AttoAssegnazione.objects.exists()
    r = c.post(url, dati | {"quote-1-importo": "415.000,00"})
    assert r.status_code == 302
    assert sorted(QuotaEsercizio.objects.values_list("esercizio", "importo")) == [
        (2021, D("202025.92")),
        (2022, D("415000.00")),
    ]
    pagina = c.get(reverse("fondi:fondo", args=[mondo.fnps.pk]) + "?anno=2021").content.decode()
    assert "617.025,92 €" in pagina and "202.025,92 €" in pagina
    elenco = c.get(reverse("fondi:elenco") + "?anno=2022").content.decode()
    assert "415.000,00 €" in elenco


def test_importo_non_valido_messaggio_italiano(mondo):
    c = mondo.client(mondo.amministrazione)
    url = reverse("fondi:nuovo_movimento", args=[mondo.fnps.pk])
    dati = {"tipo": "impegno", "esercizio": "2024", "data": "2024-03-01", "importo": "-5", "riferimento": "x"}
    r = c.post(url, dati)
    assert r.status_code == 400 and "maggiore di zero" in r.content.decode()
    r = c.post(url, dati | {"importo": "abc"})
    assert "Inserire un importo valido" in r.content.decode()
    r = c.post(url, dati | {"importo": "10,00"})
    assert r.status_code == 400 and "residuo da impegnare" in r.content.decode()
    assert not MovimentoFondo.objects.exists()


def test_destinazione_e_annullamento_dalla_pagina(mondo):
    assegna(mondo.fnps, "1000", annualita=2024)
    c = mondo.client(mondo.amministrazione)
    r = c.post(
        reverse("fondi:nuova_destinazione", args=[mondo.fnps.pk]),
        {"esercizio": "2024", "servizio": mondo.sad.pk, "importo": "600", "comuni": [mondo.comune.pk]},
    )
    assert r.status_code == 302
    assert list(Destinazione.objects.get().comuni.all()) == [mondo.comune]
    m = movimento(mondo.fnps, "impegno", "100", esercizio=2024)
    r = c.post(reverse("fondi:annulla_movimento", args=[m.pk]), {"motivo": "registrato due volte"})
    assert r.status_code == 302
    pagina = c.get(reverse("fondi:fondo", args=[mondo.fnps.pk]) + "?anno=2024").content.decode()
    assert "errore – annullato" in pagina and "registrato due volte" in pagina


def test_elenco_ordinabile_e_kpi(mondo):
    assegna(mondo.fnps, "1000", annualita=2024)
    assegna(mondo.bilancio, "2000", annualita=2024)
    movimento(mondo.fnps, "impegno", "500", esercizio=2024)
    movimento(mondo.fnps, "pagamento", "250", esercizio=2024)
    c = mondo.client(mondo.direzione)
    righe, totale = selectors.elenco(mondo.ambito, 2024, "-assegnato")
    assert [r.fondo.codice for r in righe] == ["COMUNI", "FNPS"]
    righe, _ = selectors.elenco(mondo.ambito, 2024, "-kpi")
    assert righe[0].fondo.codice == "FNPS" and righe[0].situazione.kpi_pagato_su_assegnato == D("25.00")
    assert totale.assegnato == D("3000.00") and totale.kpi_pagato_su_assegnato == D("8.33")
    pagina = c.get(reverse("fondi:elenco") + "?anno=2024&ordina=-pagato").content.decode()
    assert "25,00%" in pagina and "3.000,00 €" in pagina
    assert pagina.index("FNPS") < pagina.index("COMUNI")


def _popola(mondo, n):
    for k in range(n):
        assegna(mondo.fnps, f"{1000 + k}", quote=[(2024, D("500")), (2025, D(f"{500 + k}"))], annualita=2024)
        services.registra_destinazione(
            attore=None,
            fondo=mondo.fnps,
            esercizio=2024,
            servizio=mondo.sad,
            importo=D("10"),
            comuni=[mondo.comune],
        )
        acc = services.registra_accantonamento(
            attore=None, fondo=mondo.fnps, esercizio=2024, importo=D("5"), motivo="m"
        )
        services.utilizza_accantonamento(attore=None, accantonamento=acc, esercizio=2025, importo=D("1"))
        movimento(mondo.fnps, "impegno", "20", esercizio=2024)
        movimento(mondo.fnps, "pagamento", "5", esercizio=2024)
        assegna(mondo.bilancio, f"{100 + k}", annualita=2024)
    i = mondo.intervento(mondo.caso(servizio=mondo.sad))
    for k in range(n):
        erogazione(mondo, i, dt.date(2024, 3, 1 + k), "12.00")


def test_numero_di_query_costante(mondo, django_assert_num_queries):
    c = mondo.client(mondo.amministrazione)
    url_elenco = reverse("fondi:elenco") + "?anno=2024"
    url_fondo = reverse("fondi:fondo", args=[mondo.fnps.pk]) + "?anno=2024"
    _popola(mondo, 1)
    c.get(url_elenco), c.get(url_fondo)  # warm the session and permission caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as q_elenco:
        c.get(url_elenco)
    with CaptureQueriesContext(connection) as q_fondo:
        c.get(url_fondo)
    _popola(mondo, 6)
    with django_assert_num_queries(len(q_elenco)):
        assert c.get(url_elenco).status_code == 200
    with django_assert_num_queries(len(q_fondo)):
        r = c.get(url_fondo)
    assert r.status_code == 200
    assert len(q_elenco) <= 16 and len(q_fondo) <= 24


def test_moduli_si_aprono_e_nuovo_fondo(mondo):
    assegna(mondo.fnps, "1000", annualita=2024)
    acc = services.registra_accantonamento(
        attore=None, fondo=mondo.fnps, esercizio=2024, importo=D("10"), motivo="m"
    )
    m = movimento(mondo.fnps, "impegno", "5", esercizio=2024)
    c = mondo.client(mondo.amministrazione)
    for url in (
        reverse("fondi:nuovo"),
        reverse("fondi:nuova_assegnazione", args=[mondo.fnps.pk]),
        reverse("fondi:nuovo_accantonamento", args=[mondo.fnps.pk]),
        reverse("fondi:utilizza_accantonamento", args=[acc.pk]),
        reverse("fondi:nuova_destinazione", args=[mondo.fnps.pk]),
        reverse("fondi:nuovo_movimento", args=[mondo.fnps.pk]),
        reverse("fondi:annulla_movimento", args=[m.pk]),
    ):
        r = c.get(url)
        assert r.status_code == 200, url
        assert mondo.client(mondo.ufficiodipiano).get(url).status_code == 403, url
    r = c.post(
        reverse("fondi:nuovo"), {"codice": "dopo_di_noi", "nome": "Fondo Dopo di Noi", "tipo": "statale"}
    )
    assert r.status_code == 302
    r = c.post(
        reverse("fondi:utilizza_accantonamento", args=[acc.pk]), {"esercizio": "2025", "importo": "10,01"}
    )
    assert r.status_code == 400 and "restano 10,00" in r.content.decode()
    menu = c.get(reverse("fondi:elenco")).content.decode()
    assert "DOPO_DI_NOI" in menu and 'href="/fondi/"' in menu
