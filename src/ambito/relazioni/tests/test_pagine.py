"""Who downloads what: whole-Ambito roles everything, a Comune operator only its own pack."""

import datetime as dt

import pytest
from django.urls import reverse

from ambito.relazioni.models import EventoRilevante
from ambito.territorio.models import Ente

ANNO = 2023


@pytest.fixture
def melegnano(demo):
    return Ente.objects.get(ambito=demo, codice_istat="015140")


@pytest.fixture
def altro(demo):
    return Ente.objects.filter(ambito=demo, tipo="comune").exclude(codice_istat="015140").first()


def entra(client, utente):
    client.force_login(utente)
    return client


def test_a_comune_operator_downloads_only_its_own_pack(client, utenti, melegnano, altro):
    c = entra(client, utenti["comune.melegnano"])
    r = c.get(reverse("relazioni:indice") + f"?anno={ANNO}")
    assert r.status_code == 200
    html = r.content.decode()
    assert melegnano.nome in html and altro.nome not in html
    assert "relazione-gestione.pdf" not in html
    pdf = c.get(reverse("relazioni:comune_pdf", args=[ANNO, melegnano.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert c.get(reverse("relazioni:comune_xlsx", args=[ANNO, melegnano.pk])).status_code == 200
    assert c.get(reverse("relazioni:comune_pdf", args=[ANNO, altro.pk])).status_code == 404
    assert c.get(reverse("relazioni:comune_xlsx", args=[ANNO, altro.pk])).status_code == 404
    assert c.get(reverse("relazioni:comuni_zip", args=[ANNO])).status_code == 404
    assert c.get(reverse("relazioni:gestione_pdf", args=[ANNO])).status_code == 404
    assert c.get(reverse("relazioni:eventi")).status_code == 404


@pytest.mark.parametrize("username", ["assistente", "coordinatore", "erogatore", "cittadino"])
def test_other_roles_get_404(client, utenti, melegnano, username):
    c = entra(client, utenti[username])
    assert c.get(reverse("relazioni:indice")).status_code == 404
    assert c.get(reverse("relazioni:comune_pdf", args=[ANNO, melegnano.pk])).status_code == 404
    assert c.get(reverse("relazioni:gestione_pdf", args=[ANNO])).status_code == 404


def test_whole_ambito_roles_see_every_comune_and_the_report(client, utenti, demo, altro):
    c = entra(client, utenti["ufficiodipiano"])
    html = c.get(reverse("relazioni:indice") + f"?anno={ANNO}").content.decode()
    assert all(e.nome in html for e in Ente.objects.filter(ambito=demo, tipo="comune"))
    assert c.get(reverse("relazioni:comune_pdf", args=[ANNO, altro.pk])).status_code == 200
    r = c.get(reverse("relazioni:gestione_pdf", args=[ANNO]))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_amministrazione_downloads_the_zip_of_all_comuni(client, utenti, demo):
    import io
    import zipfile

    r = entra(client, utenti["amministrazione"]).get(reverse("relazioni:comuni_zip", args=[ANNO]))
    assert r.status_code == 200 and r.streaming  # the files leave Comune by Comune
    pezzi = list(r.streaming_content)
    z = zipfile.ZipFile(io.BytesIO(b"".join(pezzi)))
    assert z.testzip() is None  # every entry's CRC checks out
    nomi = z.namelist()
    n = Ente.objects.filter(ambito=demo, tipo="comune").count()
    assert len(nomi) == 2 * n and "rendiconto-2023-015140.pdf" in nomi
    assert len([p for p in pezzi if p]) > n  # one piece per Comune at least, not one blob
    assert z.read("rendiconto-2023-015140.pdf").startswith(b"%PDF")


def test_direzione_records_a_main_event_and_amministrazione_cannot(client, utenti):
    dati = {"anno": "2023", "data": "2023-06-30", "titolo": "Nuova sede a San Giuliano", "testo": "Trasloco."}
    c = entra(client, utenti["amministrazione"])
    assert c.get(reverse("relazioni:eventi")).status_code == 200
    assert c.post(reverse("relazioni:eventi"), dati).status_code == 404
    c = entra(client, utenti["direzione"])
    r = c.post(reverse("relazioni:eventi"), dati)
    assert r.status_code == 302
    ev = EventoRilevante.objects.get()
    assert (ev.anno, ev.data, ev.inserito_da) == (2023, dt.date(2023, 6, 30), utenti["direzione"])
    assert "Nuova sede a San Giuliano" in c.get(reverse("relazioni:eventi")).content.decode()
    r = c.post(reverse("relazioni:eventi"), {**dati, "data": "2021-01-01"})
    assert r.status_code == 200 and EventoRilevante.objects.count() == 1  # date outside the year
