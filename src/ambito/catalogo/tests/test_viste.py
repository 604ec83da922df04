import datetime as dt

import pytest
from django.urls import reverse

from ambito.catalogo import services
from ambito.catalogo.models import Servizio

from .conftest import utente_con

D = dt.date


@pytest.fixture
def caricato(ambito, comuni, file_catalogo):
    services.carica_catalogo_da_file(ambito=ambito, percorso_json=file_catalogo())


@pytest.mark.django_db
def test_le_pagine_richiedono_login(client):
    for nome in ("catalogo:servizi", "catalogo:matrice", "catalogo:codici"):
        r = client.get(reverse(nome))
        assert r.status_code == 302 and "/accesso/" in r["Location"]


@pytest.mark.django_db
def test_senza_permesso_403(client, ambito):
    client.force_login(utente_con(ambito, "nessuno"))
    assert client.get(reverse("catalogo:servizi")).status_code == 403
    assert client.get(reverse("catalogo:matrice")).status_code == 403
    client.force_login(utente_con(ambito, "solocatalogo", "view_servizio"))
    assert client.get(reverse("catalogo:servizi")).status_code == 200
    assert client.get(reverse("catalogo:matrice")).status_code == 403


@pytest.mark.django_db
def test_elenco_servizi_con_codici_e_filtro_area(client, utente, caricato, ambito):
    client.force_login(utente)
    r = client.get(reverse("catalogo:servizi"))
    testo = r.content.decode()
    assert r.status_code == 200
    assert "Area Gestione Servizi" in testo and "Minori e Famiglia" in testo
    assert "Centro affidi familiari territoriale" in testo
    assert "A2.02" in testo and "FAM" in testo and ">SAD</abbr>" in testo
    assert "Al consumo sino a capienza" in testo and "Tariffa distrettuale" in testo
    assert "pop. al 01/01/2021" in testo
    area_as = ambito.area_set.get(codice="AS")
    r = client.get(reverse("catalogo:servizi"), {"area": area_as.pk}, HTTP_HX_REQUEST="true")
    testo = r.content.decode()
    assert "<html" not in testo  # htmx partial
    assert "Ufficio di Piano" in testo and "Centro affidi" not in testo


@pytest.mark.django_db
def test_elenco_servizi_query_costanti(client, utente, caricato, ambito, django_assert_max_num_queries):
    client.force_login(utente)
    client.get(reverse("catalogo:servizi"))
    with django_assert_max_num_queries(12) as primo:
        client.get(reverse("catalogo:servizi"))
    for i in range(5):
        s, _ = services.salva_servizio(ambito=ambito, codice=f"N{i}", nome=f"Nuovo {i}")
        services.aggiungi_corrispondenza(servizio=s, tabella="leps", codice="PIPPI", valido_dal=D(2022, 1, 1))
    with django_assert_max_num_queries(len(primo.captured_queries)):
        client.get(reverse("catalogo:servizi"))


@pytest.mark.django_db
def test_dettaglio_servizio(client, utente, caricato, ambito):
    client.force_login(utente)
    cat = Servizio.objects.get(ambito=ambito, codice="CAT")
    r = client.get(reverse("catalogo:servizio", args=[cat.pk]))
    testo = r.content.decode()
    assert r.status_code == 200
    assert "STANZIAMENTO BILANCIO ENTE LOCALE" in testo
    assert "Sostegno socio-educativo territoriale o domiciliare" in testo
    assert "01/01/2022" in testo


@pytest.mark.django_db
def test_servizio_di_altro_ambito_404_e_non_elencato(client, ambito, altro_ambito, caricato):
    estraneo = Servizio.objects.create(
        ambito=altro_ambito, codice="SEGRETO", nome="Servizio di un altro Ambito"
    )
    client.force_login(utente_con(altro_ambito, "altro", "view_servizio", "view_contrattoservizio"))
    r = client.get(reverse("catalogo:servizio", args=[Servizio.objects.get(ambito=ambito, codice="CAT").pk]))
    assert r.status_code == 404
    testo = client.get(reverse("catalogo:servizi")).content.decode()
    assert "SEGRETO" in testo and "Centro affidi" not in testo
    assert "Melegnano" not in client.get(reverse("catalogo:matrice"), {"anno": 2023}).content.decode()
    assert client.get(reverse("catalogo:servizio", args=[estraneo.pk])).status_code == 200


@pytest.mark.django_db
def test_matrice_predefinita_sull_ultimo_anno_con_conferimenti(client, utente, caricato):
    client.force_login(utente)
    r = client.get(reverse("catalogo:matrice"))
    testo = r.content.decode()
    assert r.status_code == 200
    assert r.context["anno"] == 2023
    assert "Melegnano" in testo and "Paullo" in testo
    assert "01/04–31/12" in testo  # SAD partial period
    assert "nel 2023" in testo and "2.023" not in testo  # a year is not a quantity
    m = r.context["matrice"]
    assert [n for _, _, n in m.righe] == [2, 1]
    assert m.totali_servizi == [2, 1, 0]
    r = client.get(reverse("catalogo:matrice"), {"anno": "2022"})
    assert "Nessun" not in r.content.decode() and r.context["matrice"].celle == {}


@pytest.mark.django_db
def test_pagina_codici(client, utente):
    client.force_login(utente)
    r = client.get(reverse("catalogo:codici"))
    testo = r.content.decode()
    assert r.status_code == 200
    assert "Assistenza domiciliare socio-assistenziale" in testo
    assert "Versione valida dal 01/01/2000" in testo and "Pronto intervento sociale" in testo
