"""Pages of the erogazioni area: scope (404 + denied log), forms with the funding formset,
double submissions, corrections, the provider's view, and pinned query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ambito.cartella.models import Attivita, Erogazione, Intervento
from ambito.core.models import AccessoDati

from .test_erogazioni_letture import riga


def url(nome, *args):
    return reverse(f"cartella:{nome}", args=args)


def dati_erogazione(mondo, **kw):
    d = {
        "dal": "2024-03-01",
        "al": "2024-03-31",
        "data_erogazione": "05/04/2024",
        "quantita": "10",
        "importo": "1.234,56",
        "quota_ente": "1.200,00",
        "quota_utente": "34,56",
        "quota_ssn": "0",
        "fondi-TOTAL_FORMS": "3",
        "fondi-INITIAL_FORMS": "0",
        "fondi-MIN_NUM_FORMS": "0",
        "fondi-MAX_NUM_FORMS": "20",
        "fondi-0-fondo": str(mondo.fnps.pk),
        "fondi-0-importo": "1.000,01",
        "fondi-1-fondo": str(mondo.bilancio.pk),
        "fondi-1-importo": "199,99",
        "fondi-2-fondo": "",
        "fondi-2-importo": "",
    }
    d.update(kw)
    return d


def sad(mondo, erogatore=None):
    return mondo.intervento(mondo.caso(servizio=mondo.sad), erogatore=erogatore or mondo.coop)


def test_new_delivery_form_and_double_submit(mondo):
    i = sad(mondo)
    c = mondo.client(mondo.operatore_sad)
    r = c.get(url("erogazione_nuova", i.pk))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'name="fondi-TOTAL_FORMS"' in html and mondo.fnps.nome in html
    r = c.post(url("erogazione_nuova", i.pk), dati_erogazione(mondo))
    assert r.status_code == 302 and r["Location"] == url("intervento", i.pk)
    e = Erogazione.objects.get()
    assert (e.importo, e.quota_ente, e.quota_utente) == (D("1234.56"), D("1200.00"), D("34.56"))
    assert sorted(e.finanziamenti.values_list("importo", flat=True)) == [D("199.99"), D("1000.01")]
    # The same form sent again: still one row, back to the intervention.
    r = c.post(url("erogazione_nuova", i.pk), dati_erogazione(mondo))
    assert r.status_code == 302
    assert Erogazione.objects.count() == 1
    pagina = c.get(url("intervento", i.pk)).content.decode()
    assert "1.234,56 €" in pagina and "05/04/2024" in pagina


def test_delivery_one_cent_off_shows_the_message_and_stores_nothing(mondo):
    i = sad(mondo)
    c = mondo.client(mondo.operatore_sad)
    r = c.post(url("erogazione_nuova", i.pk), dati_erogazione(mondo, **{"fondi-1-importo": "199,98"}))
    assert r.status_code == 200
    html = r.content.decode()
    assert "mancano 0,01 €" in html
    assert 'value="1.234,56"' in html  # what was typed is kept
    r = c.post(url("erogazione_nuova", i.pk), dati_erogazione(mondo, quota_utente="34,55"))
    assert "non corrispondono all&#x27;importo di 1.234,56 €" in r.content.decode()
    r = c.post(url("erogazione_nuova", i.pk), dati_erogazione(mondo, **{"fondi-2-importo": "5,00"}))
    assert "Scegliere il fondo per questo importo." in r.content.decode()
    assert not Erogazione.objects.exists()


def test_fund_select_limited_to_the_ambitos_active_funds(mondo, altro_mondo):
    i = sad(mondo)
    mondo.bilancio.attivo = False
    mondo.bilancio.save()
    c = mondo.client(mondo.operatore_sad)
    html = c.get(url("erogazione_nuova", i.pk)).content.decode()
    assert mondo.fnps.nome in html and mondo.bilancio.nome not in html
    r = c.post(
        url("erogazione_nuova", i.pk),
        dati_erogazione(mondo, **{"fondi-0-fondo": str(altro_mondo.fnps.pk), "fondi-1-fondo": ""}),
    )
    assert r.status_code == 200 and not Erogazione.objects.exists()


def test_correction_and_annulment_pages(mondo):
    i = sad(mondo)
    e = riga(mondo, i, dt.date(2024, 3, 1), dt.date(2024, 3, 31), quantita="10", importo="100.00")
    c = mondo.client(mondo.operatore_sad)
    r = c.get(url("erogazione_correggi", e.pk))
    assert r.status_code == 200 and 'value="100,00"' in r.content.decode()
    # Invalid replacement: the original stays as it was.
    dati = dati_erogazione(mondo, motivo="Importo errato", **{"fondi-1-importo": "1,00"})
    r = c.post(url("erogazione_correggi", e.pk), dati)
    assert r.status_code == 200 and "mancano" in r.content.decode()
    e.refresh_from_db()
    assert e.annullato_il is None
    r = c.post(url("erogazione_correggi", e.pk), dati_erogazione(mondo, motivo=""))
    assert r.status_code == 200
    e.refresh_from_db()
    assert e.annullato_il is None
    r = c.post(url("erogazione_correggi", e.pk), dati_erogazione(mondo, motivo="Importo errato"))
    assert r.status_code == 302
    e.refresh_from_db()
    nuova = Erogazione.objects.get(sostituisce=e)
    assert e.annullato_il is not None and nuova.importo == D("1234.56")
    pagina = c.get(url("intervento", i.pk)).content.decode()
    assert "<del>" in pagina and f"sostituita dalla n. {nuova.pk}" in pagina and "Importo errato" in pagina
    r = c.post(url("erogazione_annulla", nuova.pk), {"motivo": ""})
    assert r.status_code == 200
    r = c.post(url("erogazione_annulla", nuova.pk), {"motivo": "Prestazione non resa"})
    assert r.status_code == 302
    assert not Erogazione.objects.filter(annullato_il__isnull=True).exists()


def test_provider_sees_only_its_interventions_404_and_logged(mondo):
    mio = sad(mondo)
    altrui = sad(mondo, erogatore=mondo.altra_coop)
    c = mondo.client(mondo.erogatore)
    r = c.get(url("intervento", mio.pk))
    assert r.status_code == 200
    html = r.content.decode()
    persona = mio.caso.persona
    assert f"{persona.cognome} {persona.nome}" in html
    assert 'data-testid="erogazioni"' not in html  # no money, no case link for a provider
    assert "Comune responsabile" not in html
    assert AccessoDati.objects.filter(
        oggetto_tipo="cartella.Intervento", oggetto_id=str(mio.pk), esito="consentito", utente=mondo.erogatore
    ).exists()
    for pagina in ("intervento", "attivita_nuova"):
        assert c.get(url(pagina, altrui.pk)).status_code == 404
    assert (
        AccessoDati.objects.filter(
            oggetto_tipo="cartella.Intervento",
            oggetto_id=str(altrui.pk),
            esito="negato",
            utente=mondo.erogatore,
        ).count()
        == 2
    )
    assert c.get(url("erogazione_nuova", mio.pk)).status_code == 403
    lista = c.get(url("miei_interventi")).content.decode()
    assert url("intervento", mio.pk) in lista and url("intervento", altrui.pk) not in lista


def test_provider_records_activity_only_on_its_interventions(mondo):
    mio = sad(mondo)
    altrui = sad(mondo, erogatore=mondo.altra_coop)
    c = mondo.client(mondo.erogatore)
    r = c.get(url("attivita_nuova", mio.pk))
    html = r.content.decode()
    assert r.status_code == 200
    assert f'value="{mio.pk}" selected' in html and f'value="{altrui.pk}"' not in html
    ieri = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    dati = {
        "intervento": mio.pk,
        "data": ieri,
        "tipo": "assistenza",
        "ore": "2,5",
        "accessi": "1",
        "note": "Spesa",
    }
    assert c.post(url("attivita_nuova", mio.pk), dati).status_code == 302
    assert c.post(url("attivita_nuova", mio.pk), dati).status_code == 302  # double submit
    assert list(Attivita.objects.values_list("intervento_id", "ore", "operatore_id")) == [
        (mio.pk, D("2.50"), mondo.erogatore.pk)
    ]
    # Choosing another provider's intervention in the form is refused.
    r = c.post(url("attivita_nuova", mio.pk), {**dati, "intervento": altrui.pk, "note": "x"})
    assert r.status_code == 200 and Attivita.objects.count() == 1
    r = c.post(url("attivita_nuova", mio.pk), {**dati, "ore": "1,1", "note": "y"})
    assert "quarto d&#x27;ora" in r.content.decode() and Attivita.objects.count() == 1


def test_new_intervention_page(mondo):
    caso = mondo.caso(servizio=mondo.sad)
    c = mondo.client(mondo.operatore_sad)
    r = c.get(url("intervento_nuovo", caso.pk))
    assert r.status_code == 200
    dati = {
        "servizio": mondo.sad.pk,
        "erogatore": mondo.coop.pk,
        "dal": "2024-02-01",
        "quantita_prevista": "52",
        "presenza_prova_mezzi": "",
        "carattere_prestazione": "",
    }
    r = c.post(url("intervento_nuovo", caso.pk), dati)
    assert r.status_code == 200 and "il catalogo non la prevede" in r.content.decode()
    dati.update(presenza_prova_mezzi="4", carattere_prestazione="1")
    r = c.post(url("intervento_nuovo", caso.pk), dati)
    i = Intervento.objects.get()
    assert r.status_code == 302 and r["Location"] == url("intervento", i.pk)
    assert c.post(url("intervento_nuovo", caso.pk), dati).status_code == 302
    assert Intervento.objects.count() == 1
    # Out of scope: 404 and logged.
    minori = mondo.caso(persona=mondo.persona(cognome="Verdi"))
    assert c.get(url("intervento_nuovo", minori.pk)).status_code == 404
    assert AccessoDati.objects.filter(
        oggetto_tipo="cartella.Caso", oggetto_id=str(minori.pk), esito="negato"
    ).exists()


def test_intervention_page_constant_queries(mondo, django_assert_num_queries):
    i = sad(mondo)
    c = mondo.client(mondo.operatore_sad)
    giorno = dt.date(2024, 2, 1)
    for n in range(2):
        d = giorno + dt.timedelta(days=n)
        riga(mondo, i, d, d)
        Attivita.objects.create(
            ambito=mondo.ambito,
            intervento=i,
            operatore=mondo.operatore_sad,
            data=d,
            tipo="assistenza",
            ore=D("1"),
        )
    c.get(url("intervento", i.pk))  # warm the session and permission caches
    with CaptureQueriesContext(connection) as poche:
        assert c.get(url("intervento", i.pk)).status_code == 200
    for n in range(2, 200):
        d = giorno + dt.timedelta(days=n)
        riga(mondo, i, d, d, annullata=n % 50 == 0)
        Attivita.objects.create(
            ambito=mondo.ambito,
            intervento=i,
            operatore=mondo.operatore_sad,
            data=d,
            tipo="assistenza",
            ore=D("1"),
        )
    with django_assert_num_queries(len(poche.captured_queries)):
        r = c.get(url("intervento", i.pk))
    html = r.content.decode()
    assert html.count('id="erogazione-') == 200
    assert "<del>" in html
    assert len(poche.captured_queries) <= 25


def test_miei_interventi_constant_queries(mondo, django_assert_num_queries):
    c = mondo.client(mondo.erogatore)
    sad(mondo)
    c.get(url("miei_interventi"))
    with CaptureQueriesContext(connection) as poche:
        c.get(url("miei_interventi"))
    for cognome in ("Verdi", "Neri", "Bianchi", "Gialli", "Russo"):
        mondo.intervento(
            mondo.caso(servizio=mondo.sad, persona=mondo.persona(cognome=cognome)), erogatore=mondo.coop
        )
    with django_assert_num_queries(len(poche.captured_queries)):
        r = c.get(url("miei_interventi"))
    assert r.content.decode().count("Registra attività") == 6
