"""Pages of assessments and plans: forms, scoping (404 + denied log), conflict, query counts."""

import datetime as dt
import re
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from ambito.cartella.models import Firma, Progetto, Valutazione, VersioneProgetto
from ambito.cartella.selectors import progetti as sel
from ambito.cartella.services import progetti as srv
from ambito.core.models import AccessoDati
from ambito.utenti.selectors import ambito_visibilita

from .test_progetti_servizi import SINA, _progetto

OGGI = timezone.localdate()


def _post_progetto(mondo, **altro):
    dati = {
        "tipo": "quadro",
        "sintesi": "Sostegno alla famiglia.",
        "data_inizio": "01/03/2024",
        "data_fine": "",
        "revisione_ogni_mesi": "6",
        "prossima_verifica": "",
        "obiettivi-TOTAL_FORMS": "2",
        "obiettivi-INITIAL_FORMS": "0",
        "obiettivi-0-descrizione": "Frequenza scolastica",
        "obiettivi-0-indicatore": "assenze",
        "obiettivi-1-descrizione": "",
        "interventi-TOTAL_FORMS": "2",
        "interventi-INITIAL_FORMS": "0",
        "interventi-0-servizio": str(mondo.minori.pk),
        "interventi-0-erogatore": str(mondo.coop.pk),
        "interventi-0-quantita": "4",
        "interventi-0-periodicita": "settimana",
        "interventi-0-dal": "2024-03-01",
        "interventi-1-servizio": "",
        "interventi-1-quantita": "",
        "interventi-1-periodicita": "totale",
    }
    dati.update(altro)
    return dati


def test_new_plan_page_and_double_submit(mondo):
    caso = mondo.caso()
    c = mondo.client(mondo.operatore)
    url = reverse("cartella:progetto_nuovo", args=[caso.pk])
    r = c.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    # Service select limited to the Ambito's services, provider select to its providers.
    assert "Servizi minori e famiglia" in html and str(mondo.coop) in html
    assert "Comune A AMB-A" not in html.split('name="interventi-0-erogatore"')[1].split("</select>")[0]
    r1 = c.post(url, _post_progetto(mondo))
    assert r1.status_code == 302
    r2 = c.post(url, _post_progetto(mondo))
    assert r2.status_code == 302 and r1["Location"] == r2["Location"]
    assert Progetto.objects.count() == 1
    v = VersioneProgetto.objects.get()
    assert v.prossima_verifica == dt.date(2024, 9, 1) and v.interventi.get().quantita == Decimal("4.00")


def test_plan_form_errors_are_italian_and_keep_input(mondo):
    caso = mondo.caso()
    c = mondo.client(mondo.operatore)
    r = c.post(
        reverse("cartella:progetto_nuovo", args=[caso.pk]),
        _post_progetto(
            mondo, prossima_verifica="2024-02-01", **{"obiettivi-0-descrizione": "Obiettivo scritto"}
        ),
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert (
        "La data della prossima verifica (01/02/2024) non può precedere "
        "l&#x27;inizio del progetto (01/03/2024)." in html
    )
    assert "Obiettivo scritto" in html
    assert not Progetto.objects.exists()
    r = c.post(
        reverse("cartella:progetto_nuovo", args=[caso.pk]),
        _post_progetto(mondo, **{"interventi-0-quantita": "-1"}),
    )
    assert "La quantità deve essere maggiore di zero." in r.content.decode()
    assert not Progetto.objects.exists()


def test_stale_plan_form_shows_conflict_and_keeps_input(mondo):
    caso = mondo.caso()
    p = _progetto(mondo, caso=caso)
    c = mondo.client(mondo.operatore)
    url = reverse("cartella:progetto_modifica", args=[p.pk])
    r = c.get(url)
    assert 'name="revisione" value="0"' in r.content.decode()
    # Someone else saves in the meantime.
    srv.modifica_progetto(
        progetto=p, revisione_attesa=0, attore=mondo.coordinatore, sintesi="Del coordinatore."
    )
    ob = p.versioni.get().obiettivi.get()
    dati = _post_progetto(
        mondo,
        sintesi="La mia sintesi.",
        revisione="0",
        **{"obiettivi-INITIAL_FORMS": "1", "obiettivi-0-id": str(ob.pk)},
    )
    r = c.post(url, dati)
    assert r.status_code == 409
    html = r.content.decode()
    assert "Il progetto è stato modificato da un altro operatore nel frattempo" in html
    assert "La mia sintesi." in html
    assert p.versioni.get().sintesi == "Del coordinatore."


def test_plan_page_versions_diff_and_approval_button(mondo):
    caso = mondo.caso()
    p = _progetto(mondo, caso=caso)
    srv.approva_versione(versione=p.versioni.get(), attore=mondo.coordinatore)
    p.refresh_from_db()
    srv.modifica_progetto(
        progetto=p,
        revisione_attesa=p.revisione,
        attore=mondo.operatore,
        sintesi="Sintesi nuova.",
        obiettivi=[{"descrizione": "Obiettivo nuovo"}],
    )
    c = mondo.client(mondo.coordinatore)
    html = c.get(reverse("cartella:progetto", args=[p.pk])).content.decode()
    assert "Versione 2" in html and "Bozza" in html and "Sintesi nuova." in html
    diff = html.split('data-testid="differenze"')[1]
    assert "Obiettivo nuovo" in diff and "Frequenza scolastica regolare" in diff
    assert 'data-testid="approva"' in html
    # Version 1 is still readable, unchanged.
    html1 = c.get(reverse("cartella:progetto", args=[p.pk]) + "?versione=1").content.decode()
    assert "Sostegno educativo e alla genitorialità." in html1 and "Approvata" in html1
    assert 'data-testid="approva"' not in html1
    # The author sees no approve button.
    assert (
        'data-testid="approva"'
        not in mondo.client(mondo.operatore).get(reverse("cartella:progetto", args=[p.pk])).content.decode()
    )
    r = c.post(
        reverse("cartella:progetto_approva", args=[p.pk]),
        {"revisione": str(Progetto.objects.get().revisione)},
    )
    assert r.status_code == 302
    assert list(p.versioni.order_by("numero").values_list("stato", flat=True)) == ["superata", "approvata"]


def test_signature_on_draft_refused_by_the_page(mondo):
    p = _progetto(mondo)
    v = p.versioni.get()
    c = mondo.client(mondo.operatore)
    r = c.post(
        reverse("cartella:firma_nuova", args=[v.pk]),
        {"firmatario": "Maria Rossi", "qualita": "genitore", "data": OGGI.isoformat()},
    )
    assert r.status_code == 200 and "Si firma solo la versione approvata" in r.content.decode()
    assert not Firma.objects.exists()
    srv.approva_versione(versione=v, attore=mondo.coordinatore)
    r = c.post(
        reverse("cartella:firma_nuova", args=[v.pk]),
        {"firmatario": "Maria Rossi", "qualita": "genitore", "data": OGGI.isoformat()},
    )
    assert r.status_code == 302 and Firma.objects.count() == 1


def test_out_of_scope_is_404_and_logged(mondo, altro_mondo):
    caso = mondo.caso()  # MINORI, minors' team
    p = _progetto(mondo, caso=caso)
    v = srv.crea_valutazione(caso=caso, tipo="professionale", data=OGGI, attore=mondo.operatore, testo="x")
    for utente in (mondo.operatore_sad, altro_mondo.direzione):
        c = mondo.client(utente)
        for nome, pk, tipo in (
            ("progetto", p.pk, "cartella.Progetto"),
            ("valutazione", v.pk, "cartella.Valutazione"),
        ):
            assert c.get(reverse(f"cartella:{nome}", args=[pk])).status_code == 404
            assert AccessoDati.objects.filter(
                utente=utente, oggetto_tipo=tipo, oggetto_id=str(pk), esito="negato"
            ).exists()
        assert c.post(reverse("cartella:progetto_approva", args=[p.pk])).status_code == 404
        # Without the permission to write (direzione is read-only) a 403 comes first.
        assert c.get(reverse("cartella:progetto_nuovo", args=[caso.pk])).status_code in (403, 404)
    c = mondo.client(mondo.operatore_sad)
    assert c.get(reverse("cartella:progetto_nuovo", args=[caso.pk])).status_code == 404
    assert c.post(reverse("cartella:firma_nuova", args=[p.versioni.get().pk]), {}).status_code == 404
    assert AccessoDati.objects.filter(
        utente=mondo.operatore_sad, oggetto_tipo="cartella.Caso", esito="negato"
    ).exists()
    # In scope: opening writes the access log.
    mondo.client(mondo.operatore).get(reverse("cartella:progetto", args=[p.pk]))
    assert (
        AccessoDati.objects.filter(
            utente=mondo.operatore, oggetto_tipo="cartella.Progetto", esito="consentito"
        ).count()
        == 1
    )
    # A Comune operator reads, but has no permission to write plans.
    assert mondo.client(mondo.comunale).get(reverse("cartella:progetto", args=[p.pk])).status_code == 200
    assert (
        mondo.client(mondo.comunale).get(reverse("cartella:progetto_modifica", args=[p.pk])).status_code
        == 403
    )


def test_assessment_form_sina_selects_from_xsd_and_htmx_switch(mondo):
    caso = mondo.caso(servizio=mondo.sad, minori=False)
    c = mondo.client(mondo.operatore_sad)
    url = reverse("cartella:valutazione_nuova", args=[caso.pk])
    html = c.get(url + "?tipo=uvm").content.decode()
    assert 'data-testid="sezione-sina"' in html and 'data-testid="sezione-sinba"' not in html
    select = html.split('name="sina_Mobilita"')[1].split("</select>")[0]
    assert re.findall(r'value="(\d)"', select) == ["1", "2", "3"] and "Si sposta da solo" in select
    assert "hx-get" in html
    html = c.get(url + "?tipo=minori", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="sezione-sinba"' in html and 'name="sinba_CondizioneMinore"' in html
    dati = {
        "tipo": "uvm",
        "data": OGGI.isoformat(),
        **{f"sina_{k}": v for k, v in SINA.items()},
        "sina_Mobilita": "9",
    }
    r = c.post(url, dati)
    assert r.status_code == 200 and not Valutazione.objects.exists()
    dati["sina_Mobilita"] = "1"
    dati["sina_InvCiv"] = ["2", "5"]
    dati["necessita_interventi"] = "A1.01, B2.03"
    r = c.post(url, dati)
    assert r.status_code == 302
    v = Valutazione.objects.get()
    assert (
        v.mobilita == "1"
        and v.invalidita_civile == ["2", "5"]
        and v.necessita_interventi == ["A1.01", "B2.03"]
    )
    assert c.post(url, dati).status_code == 302 and Valutazione.objects.count() == 1  # double submit
    html = c.get(reverse("cartella:valutazione", args=[v.pk])).content.decode()
    assert "Si sposta da solo" in html and "SVAMA" in html
    # The author has no approve button; direzione approves.
    assert 'data-testid="approva"' not in html
    r = mondo.client(mondo.direzione).post(reverse("cartella:valutazione_approva", args=[v.pk]))
    assert r.status_code == 302
    v.refresh_from_db()
    assert v.stato == "approvata"


def test_plan_page_and_case_section_constant_queries(mondo, django_assert_num_queries):
    caso = mondo.caso()
    obiettivi = [{"descrizione": f"Obiettivo {n}"} for n in range(3)]
    interventi = [
        {"servizio": mondo.minori, "erogatore": mondo.coop, "quantita": 1, "dal": dt.date(2024, 3, 1)}
    ]
    p = _progetto(mondo, caso=caso, obiettivi=obiettivi, interventi=interventi)
    c = mondo.client(mondo.operatore)
    url = reverse("cartella:progetto", args=[p.pk])
    c.get(url)

    def conta():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as q:
            assert c.get(url).status_code == 200
        return len(q)

    pochi = conta()
    srv.modifica_progetto(
        progetto=p,
        revisione_attesa=0,
        attore=mondo.operatore,
        obiettivi=[{"descrizione": f"Obiettivo {n}"} for n in range(40)],
        interventi=[
            {"servizio": mondo.minori, "erogatore": mondo.coop, "quantita": n + 1, "dal": dt.date(2024, 3, 1)}
            for n in range(30)
        ],
    )
    srv.approva_versione(versione=p.versioni.get(), attore=mondo.coordinatore)
    p.refresh_from_db()
    srv.modifica_progetto(progetto=p, revisione_attesa=p.revisione, attore=mondo.operatore, sintesi="v2")
    for n in range(5):
        Firma.objects.create(
            ambito=mondo.ambito,
            versione=p.versioni.get(numero=1),
            firmatario=f"F{n}",
            qualita="familiare",
            data=OGGI,
        )
    with django_assert_num_queries(pochi):
        assert c.get(url).status_code == 200
    with django_assert_num_queries(pochi):
        assert c.get(url + "?versione=1").status_code == 200

    # The case section: assessments, plans, versions, goals, interventions, signatures.
    vis = ambito_visibilita(mondo.operatore)
    _progetto(mondo, caso=caso, sintesi="Un secondo progetto.")
    for n in range(3):
        srv.crea_valutazione(
            caso=caso, tipo="professionale", data=OGGI, attore=mondo.operatore, testo=f"v{n}"
        )
    with django_assert_num_queries(6):
        ctx = sel.sezione_caso(vis, caso)
    assert len(ctx["progetti_progetti"]) == 2 and len(ctx["progetti_valutazioni"]) == 3
    assert len(ctx["progetti_progetti"][1].corrente.obiettivi.all()) == 40
