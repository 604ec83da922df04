"""The page of a version's inputs: who may see it, editing in place with messages, read-only
approved versions, duplication, the workbook download and the history of changes."""

import io
from decimal import Decimal as D

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from ambito.core.models import Ambito, EventoAudit
from ambito.gestione import services
from ambito.gestione import workbook as w
from ambito.gestione.models import QuotaRiparto, VersioneBilancio
from ambito.utenti import ruoli as R

from .conftest import entra, utente

MELEGNANO = "015140"


@pytest.fixture
def v(versione):
    """The shared 2023 example version (conftest), under this module's short name."""
    return versione


@pytest.fixture
def amm(amministrazione):
    return amministrazione


def _messaggi(r):
    return [str(m) for m in get_messages(r.wsgi_request)]


def _totale(v, istat):
    return sum(q.importo for q in QuotaRiparto.objects.filter(versione=v, comune__codice_istat=istat))


def test_pagina_dati_per_sezioni(client, amm, v):
    r = entra(client, amm).get(reverse("gestione:dati", args=[v.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    for titolo in ("Costi per servizio", "Costi indiretti", "Fondi per servizio", "Popolazione per Comune"):
        assert titolo in html
    assert 'aria-label="Abitanti di Melegnano al 2022-01-01"' in html
    assert 'value="17972"' in html  # unlocalised in the text box, so it is read back as 17972
    assert 'aria-label="Unità di SAD di Melegnano"' in html
    assert "Nessuna modifica dei dati" in html
    assert (
        reverse("gestione:dati", args=[v.pk])
        in entra(client, amm).get(reverse("gestione:versione", args=[v.pk])).content.decode()
    )


def test_pagina_dati_query_costanti(client, amm, v, django_assert_num_queries):
    c = entra(client, amm)
    c.post(
        reverse("gestione:modifica_dati", args=[v.pk]),
        {"campo": "costo", "servizio": "CAT", "valore": "150000"},
    )
    c.post(
        reverse("gestione:modifica_dati", args=[v.pk]),
        {"campo": "costo", "servizio": "CAT", "valore": "160000"},
    )
    c.get(reverse("gestione:dati", args=[v.pk]))
    # session, user, permissions, visibility, menu, version, input, overhead rows, history, …
    with django_assert_num_queries(13):
        c.get(reverse("gestione:dati", args=[v.pk]))


def test_operatore_comunale_e_altri_non_entrano(client, ambito, comuni, v):
    R.assicura_ruoli()
    comunale = utente(ambito, "comune.melegnano", R.OPERATORE_COMUNALE, comuni[MELEGNANO])
    c = entra(client, comunale)
    assert c.get(reverse("gestione:dati", args=[v.pk])).status_code == 403
    assert c.get(reverse("gestione:scarica_cartella", args=[v.pk])).status_code == 403
    r = c.post(
        reverse("gestione:modifica_dati", args=[v.pk]),
        {"campo": "costo", "servizio": "CAT", "valore": "1"},
    )
    assert r.status_code == 403
    assert (
        c.post(reverse("gestione:duplica", args=[v.pk]), {"nome": "x", "tipo": "assestamento"}).status_code
        == 403
    )
    assert not EventoAudit.objects.filter(azione__startswith="gestione.modifica_").exists()
    altro = Ambito.objects.create(codice="ALTRO", nome="Altro")
    c = entra(client, utente(altro, "amm.altro", R.AMMINISTRAZIONE))
    assert c.get(reverse("gestione:dati", args=[v.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("gestione:dati", args=[v.pk])).status_code == 302  # to the login


def test_modifica_popolazione_dal_browser(client, amm, v):
    prima = _totale(v, MELEGNANO)
    r = entra(client, amm).post(
        reverse("gestione:modifica_dati", args=[v.pk]),
        {"campo": "popolazione", "data": "2022-01-01", "comune": MELEGNANO, "valore": "20.000"},
    )
    assert r.status_code == 302 and r["Location"].endswith("/dati/#popolazione")
    (m,) = _messaggi(r)
    assert m.startswith("Abitanti di Melegnano al 2022-01-01: 17.972 → 20.000. Ricalcolato: Melegnano +")
    assert _totale(v, MELEGNANO) > prima
    html = client.get(reverse("gestione:dati", args=[v.pk])).content.decode()
    # the confirmation once, in the population section, with the link to the updated table
    sezione = html.split('id="popolazione"')[1].split('data-testid="popolazione"')[0]
    assert sezione.count("Ricalcolato: Melegnano +") == 1 and html.count("Ricalcolato:") == 1
    assert reverse("gestione:versione", args=[v.pk]) + '" class="alert-link"' in sezione
    assert "Abitanti di Melegnano al 2022-01-01: 17.972 → 20.000" in html.split('data-testid="storia"')[1]
    assert "amministrazione" in html
    # the same form posted again: same figures, an information, no new event
    r = client.post(
        reverse("gestione:modifica_dati", args=[v.pk]),
        {"campo": "popolazione", "data": "2022-01-01", "comune": MELEGNANO, "valore": "20000"},
    )
    assert "nulla da ricalcolare" in _messaggi(r)[-1]
    assert EventoAudit.objects.filter(azione="gestione.modifica_popolazione").count() == 1


@pytest.mark.parametrize(
    ("dati", "messaggio"),
    [
        ({"campo": "costo", "servizio": "CAT", "valore": "tanti"}, "non è un numero"),
        ({"campo": "costo", "servizio": "CAT", "valore": "-10"}, "negativo"),
        ({"campo": "consumo", "servizio": "SAD", "comune": "999999", "valore": "1"}, "non conferisce"),
        ({"campo": "popolazione", "data": "2022-01-01", "comune": "999999", "valore": "1"}, "sconosciuto"),
        ({"campo": "boh"}, "non riconosciuta"),
    ],
)
def test_valori_errati_messaggio_e_nulla_cambia(client, amm, v, dati, messaggio):
    prima = _totale(v, MELEGNANO)
    r = entra(client, amm).post(reverse("gestione:modifica_dati", args=[v.pk]), dati)
    assert r.status_code == 302
    assert any(messaggio in m and "Nulla è cambiato" in m for m in _messaggi(r))
    assert _totale(v, MELEGNANO) == prima
    assert not EventoAudit.objects.filter(azione__startswith="gestione.modifica_").exists()


def test_versione_approvata_sola_lettura_e_duplica(client, amm, v):
    services.approva_versione(versione=v, attore=None)
    c = entra(client, amm)
    html = c.get(reverse("gestione:dati", args=[v.pk])).content.decode()
    assert "duplicarla per modificarla" in html
    assert 'name="valore"' not in html and reverse("gestione:duplica", args=[v.pk]) in html
    r = c.post(
        reverse("gestione:modifica_dati", args=[v.pk]), {"campo": "costo", "servizio": "CAT", "valore": "1"}
    )
    assert "approvata" in _messaggi(r)[-1]
    r = c.post(
        reverse("gestione:duplica", args=[v.pk]), {"nome": "Assestamento al 30/06", "tipo": "assestamento"}
    )
    nuova = VersioneBilancio.objects.get(nome="Assestamento al 30/06")
    assert r["Location"] == reverse("gestione:dati", args=[nuova.pk])
    assert "Creata la versione «Assestamento al 30/06» 2023" in _messaggi(r)[-1]
    assert 'name="valore"' in c.get(r["Location"]).content.decode()
    r = c.post(
        reverse("gestione:duplica", args=[v.pk]), {"nome": "Assestamento al 30/06", "tipo": "assestamento"}
    )
    assert "Esiste già" in _messaggi(r)[-1]
    assert VersioneBilancio.objects.count() == 2


def test_scarica_la_cartella_aggiornata(client, amm, v):
    c = entra(client, amm)
    c.post(
        reverse("gestione:modifica_dati", args=[v.pk]),
        {"campo": "costo", "servizio": "CAT", "valore": "131.517"},
    )
    r = c.get(reverse("gestione:scarica_cartella", args=[v.pk]))
    assert r.status_code == 200
    assert r["Content-Disposition"] == f'attachment; filename="riparto-2023-{v.pk}.xlsx"'
    assert w.leggi(io.BytesIO(r.content)).dati.costi_diretti["CAT"] == D(131517)
