"""REST API of assessments and plans: same scoping and rules as the pages; 409 on a stale revision."""

from django.template.loader import render_to_string
from django.utils import timezone

from ambito.cartella.models import Progetto, Valutazione
from ambito.cartella.selectors import progetti as sel
from ambito.cartella.services import progetti as srv
from ambito.core.models import AccessoDati
from ambito.utenti.selectors import ambito_visibilita

from .test_progetti_servizi import SINA, _progetto

OGGI = timezone.localdate()
BASE = "/api/v1/cartella"


def _json(client, metodo, url, dati=None):
    return getattr(client, metodo)(url, data=dati, content_type="application/json")


def test_assessments_api(mondo):
    caso = mondo.caso(servizio=mondo.sad, minori=False)
    c = mondo.client(mondo.operatore_sad)
    r = _json(
        c,
        "post",
        f"{BASE}/casi/{caso.pk}/valutazioni",
        {"tipo": "uvm", "data": OGGI.isoformat(), "sina": {**SINA, "Mobilita": "7"}},
    )
    assert r.status_code == 422
    assert "«Mobilita»" in r.json()["detail"] and not Valutazione.objects.exists()
    r = _json(
        c,
        "post",
        f"{BASE}/casi/{caso.pk}/valutazioni",
        {"tipo": "uvm", "data": OGGI.isoformat(), "sina": SINA, "invalidita_civile": ["2"]},
    )
    assert r.status_code == 201, r.content
    v = r.json()
    assert v["sina"]["Mobilita"] == "2" and v["stato"] == "bozza" and v["invalidita_civile"] == ["2"]
    assert [x["id"] for x in c.get(f"{BASE}/casi/{caso.pk}/valutazioni").json()] == [v["id"]]
    assert c.get(f"{BASE}/valutazioni/{v['id']}").json()["tipo"] == "uvm"
    # The author cannot approve; direzione can.
    assert c.post(f"{BASE}/valutazioni/{v['id']}/approvazione").status_code == 403
    r = mondo.client(mondo.direzione).post(f"{BASE}/valutazioni/{v['id']}/approvazione")
    assert r.status_code == 200 and r.json()["stato"] == "approvata"
    # Out of scope: 404 and logged.
    altro = mondo.client(mondo.operatore)
    assert altro.get(f"{BASE}/valutazioni/{v['id']}").status_code == 404
    assert altro.get(f"{BASE}/casi/{caso.pk}/valutazioni").status_code == 404
    assert AccessoDati.objects.filter(utente=mondo.operatore, esito="negato").count() == 2


def _piano(mondo, **altro):
    dati = {
        "tipo": "quadro",
        "sintesi": "Sostegno educativo.",
        "data_inizio": "2024-03-01",
        "revisione_ogni_mesi": 6,
        "obiettivi": [{"descrizione": "Frequenza scolastica"}],
        "interventi": [
            {
                "servizio_id": mondo.minori.pk,
                "erogatore_id": mondo.coop.pk,
                "quantita": "4",
                "periodicita": "settimana",
                "dal": "2024-03-01",
            }
        ],
    }
    dati.update(altro)
    return dati


def test_plans_api_versions_and_conflict(mondo):
    caso = mondo.caso()
    c = mondo.client(mondo.operatore)
    r = _json(c, "post", f"{BASE}/casi/{caso.pk}/progetti", _piano(mondo, prossima_verifica="2024-01-01"))
    assert r.status_code == 422 and "non può precedere l'inizio" in r.json()["detail"]
    r = _json(c, "post", f"{BASE}/casi/{caso.pk}/progetti", _piano(mondo))
    assert r.status_code == 201, r.content
    p = r.json()
    assert p["revisione"] == 0 and p["versioni"][0]["prossima_verifica"] == "2024-09-01"
    pid = p["id"]
    # The author cannot approve; the coordinator of the service can.
    assert _json(c, "post", f"{BASE}/progetti/{pid}/approvazione", {}).status_code == 403
    r = _json(
        mondo.client(mondo.coordinatore), "post", f"{BASE}/progetti/{pid}/approvazione", {"revisione": 0}
    )
    assert r.status_code == 200 and r.json()["versioni"][0]["stato"] == "approvata"
    revisione = r.json()["revisione"]
    # A change after approval: version 2.
    r = _json(
        c, "put", f"{BASE}/progetti/{pid}", {**_piano(mondo, sintesi="Rivisto."), "revisione": revisione}
    )
    assert r.status_code == 200, r.content
    corpo = r.json()
    assert [v["numero"] for v in corpo["versioni"]] == [2, 1]
    assert (
        corpo["versioni"][1]["sintesi"] == "Sostegno educativo."
        and corpo["versioni"][1]["stato"] == "approvata"
    )
    # A stale revision: 409 with the Italian message, nothing changed.
    r = _json(c, "put", f"{BASE}/progetti/{pid}", {**_piano(mondo, sintesi="Altro."), "revisione": revisione})
    assert r.status_code == 409
    assert r.json()["detail"] == srv.MESSAGGIO_CONFLITTO
    assert Progetto.objects.get().versioni.get(numero=2).sintesi == "Rivisto."
    # PUT without revision is refused by validation.
    assert _json(c, "put", f"{BASE}/progetti/{pid}", _piano(mondo)).status_code == 422
    assert len(c.get(f"{BASE}/casi/{caso.pk}/progetti").json()) == 1
    assert mondo.client(mondo.operatore_sad).get(f"{BASE}/progetti/{pid}").status_code == 404


def test_case_section_template_renders(mondo):
    caso = mondo.caso()
    p = _progetto(mondo, caso=caso)
    srv.approva_versione(versione=p.versioni.get(), attore=mondo.coordinatore)
    p.refresh_from_db()
    srv.modifica_progetto(progetto=p, revisione_attesa=p.revisione, attore=mondo.operatore, sintesi="Nuova.")
    srv.crea_valutazione(caso=caso, tipo="professionale", data=OGGI, attore=mondo.operatore, testo="x")
    ctx = sel.sezione_caso(ambito_visibilita(mondo.operatore), caso)
    html = render_to_string("cartella/progetti/_sezione_caso.html", {"caso": caso, **ctx})
    assert "Valutazione professionale" in html and "versione 2" in html
    assert "?versione=1" in html and "In vigore" in html
    assert "Nuovo progetto" in html and "Frequenza scolastica regolare" in html
    assert "01/09/2024" in html  # next review, dd/mm/yyyy
    # Read-only roles get no create buttons.
    ctx = sel.sezione_caso(ambito_visibilita(mondo.comunale), caso)
    assert "Nuovo progetto" not in render_to_string(
        "cartella/progetti/_sezione_caso.html", {"caso": caso, **ctx}
    )
