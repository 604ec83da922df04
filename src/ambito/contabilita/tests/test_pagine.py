"""Pages: permissions by role, the table with totals, upload errors, apply button, comparison."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ambito.contabilita.models import ImportazioneContabile
from ambito.gestione.models import QuotaRiparto
from ambito.gestione.tests.conftest import utente
from ambito.utenti import ruoli as R

from .conftest import CONTABILITA


@pytest.fixture
def utenti(ambito):
    R.assicura_ruoli()
    return {
        "amministrazione": utente(ambito, "amministrazione", R.AMMINISTRAZIONE),
        "udp": utente(ambito, "udp", R.UFFICIO_DI_PIANO),
        "direzione": utente(ambito, "direzione", R.DIREZIONE),
        "operatore": utente(ambito, "operatore", R.OPERATORE),
    }


def entra(client, u):
    client.force_login(u)
    return client


def carica(nome, testo: bytes):
    return SimpleUploadedFile(nome, testo, content_type="text/csv")


def test_chi_vede_e_chi_importa(client, utenti, importazione):
    indice = reverse("contabilita:indice")
    dettaglio = reverse("contabilita:importazione", args=[importazione.pk])
    for nome in ("amministrazione", "udp", "direzione"):
        c = entra(client, utenti[nome])
        assert c.get(indice).status_code == 200, nome
        assert c.get(dettaglio).status_code == 200, nome
    c = entra(client, utenti["operatore"])
    assert c.get(indice).status_code == 403
    assert c.get(dettaglio).status_code == 403
    for nome in ("udp", "direzione"):
        c = entra(client, utenti[nome])
        f = carica("x.csv", CONTABILITA.read_bytes())
        r = c.post(reverse("contabilita:importa"), {"file": f, "esercizio": 2023, "versione": "consuntivo"})
        assert r.status_code == 403, nome
        assert "modulo-importa" not in c.get(indice).content.decode()
        assert "modulo-applica" not in c.get(dettaglio).content.decode()
    assert ImportazioneContabile.objects.count() == 1


def test_tabella_con_totali(client, utenti, importazione):
    c = entra(client, utenti["amministrazione"])
    with CaptureQueriesContext(connection) as q:
        r = c.get(reverse("contabilita:importazione", args=[importazione.pk]))
    html = r.content.decode()
    assert "9.513.717,00" in html  # total costs
    assert '<strong id="costi-indiretti">693.043,00 €</strong>' in html
    assert "Costi delle risorse umane" in html
    assert "121.517,00" in html  # CAT's direct cost
    assert len(q) < 25


def test_importa_dalla_pagina_con_errori(client, utenti, configurato):
    c = entra(client, utenti["amministrazione"])
    f = carica("righe.csv", b"conto;centro;importo\n60101;CS.CAT;1.000,00\n60101;CS.CAT;x\n")
    r = c.post(reverse("contabilita:importa"), {"file": f, "esercizio": 2023, "versione": "preventivo"})
    assert r.status_code == 400
    assert "righe.csv, riga 3, colonna «importo»: «x» non è un numero" in r.content.decode()
    assert not ImportazioneContabile.objects.exists()
    f = carica("righe.csv", b"conto;centro;importo\n60101;CS.CAT;1.000,00\n")
    r = c.post(reverse("contabilita:importa"), {"file": f, "esercizio": 2023, "versione": "preventivo"})
    i = ImportazioneContabile.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("contabilita:importazione", args=[i.pk])
    assert i.caricata_da == utenti["amministrazione"]


def test_importa_piano_e_centri_dalla_pagina(client, utenti, configurato):
    c = entra(client, utenti["amministrazione"])
    f = carica("p.csv", b"conto;categoria\n99;NO\n")
    r = c.post(reverse("contabilita:importa_piano"), {"piano-file": f})
    assert r.status_code == 400 and "p.csv, riga 2, colonna «categoria»" in r.content.decode()
    f = carica("c.csv", b"codice;nome;tipo\nST.NUOVO;Nuovo;struttura\n")
    r = c.post(reverse("contabilita:importa_centri"), {"centri-file": f})
    assert r.status_code == 302
    assert "ST.NUOVO" in c.get(reverse("contabilita:indice")).content.decode()
    c = entra(client, utenti["udp"])
    assert c.post(reverse("contabilita:importa_centri"), {"centri-file": f}).status_code == 403


def test_bottone_applica(client, utenti, importazione, versione):
    prima = {q.pk: q.importo for q in QuotaRiparto.objects.filter(versione=versione)}
    c = entra(client, utenti["udp"])
    url = reverse("contabilita:applica", args=[importazione.pk])
    assert c.post(url, {"versione": versione.pk}).status_code == 403
    c = entra(client, utenti["amministrazione"])
    html = c.get(reverse("contabilita:importazione", args=[importazione.pk])).content.decode()
    assert "modulo-applica" in html and f'value="{versione.pk}"' in html
    r = c.post(url, {"versione": versione.pk})
    assert r.status_code == 302 and r["Location"] == reverse("gestione:versione", args=[versione.pk])
    dopo = [q.importo for q in QuotaRiparto.objects.filter(versione=versione)]
    assert sorted(dopo) == sorted(prima.values())


def test_confronto(client, utenti, importazione, configurato):
    from ambito.contabilita import services

    f = carica("consuntivo.csv", b"conto;centro;importo\n60101;CS.CAT;130.000,00\n70201;CS.CAT;1.000,00\n")
    b = services.importa_contabilita(
        ambito=configurato, file=f, esercizio=2023, tipo_versione="consuntivo", attore=None
    )
    c = entra(client, utenti["direzione"])
    r = c.get(reverse("contabilita:confronta") + f"?a={importazione.pk}&b={b.pk}")
    html = r.content.decode()
    assert r.status_code == 200
    assert "Costo netto per centro di costo" in html
    assert "CS.CAT – Centro affido familiare" in html
    assert "121.517,00" in html and "129.000,00" in html and "7.483,00" in html and "6,16%" in html
    assert c.get(reverse("contabilita:confronta") + "?a=1").status_code == 404
