"""REST API of the casi area: same scoping as the pages, access log, Italian 422s."""

import datetime as dt
import json

from ambito.cartella.models import Accesso, Caso, EventoCaso, VoceDiario
from ambito.core.models import AccessoDati

OGGI = dt.date.today()
BASE = "/api/v1/cartella"


def _post(client, url, dati):
    return client.post(url, json.dumps(dati, default=str), content_type="application/json")


def test_list_is_scoped_and_filtered(mondo, altro_mondo):
    minori = mondo.caso()
    sad = mondo.caso(
        persona=mondo.persona(nascita=dt.date(1960, 5, 5)), servizio=mondo.sad, comune=mondo.altro_comune
    )
    altro_mondo.caso()
    r = mondo.client(mondo.operatore).get(f"{BASE}/casi")
    assert r.status_code == 200
    assert [c["id"] for c in r.json()] == [minori.pk]
    assert r.json()[0]["stato"] == "in_valutazione" and r.json()[0]["stato_etichetta"] == "In valutazione"
    direzione = mondo.client(mondo.direzione)
    assert {c["id"] for c in direzione.get(f"{BASE}/casi").json()} == {minori.pk, sad.pk}
    assert [c["id"] for c in direzione.get(f"{BASE}/casi?servizio={mondo.sad.pk}").json()] == [sad.pk]
    assert [c["id"] for c in direzione.get(f"{BASE}/casi?comune={mondo.comune.pk}").json()] == [minori.pk]
    Caso.objects.filter(pk=sad.pk).update(chiuso_il=OGGI)
    assert [c["id"] for c in direzione.get(f"{BASE}/casi?stato=chiuso").json()] == [sad.pk]
    assert mondo.client(mondo.erogatore).get(f"{BASE}/casi").status_code == 403


def test_detail_logs_and_404_outside_scope(mondo, altro_mondo):
    caso = mondo.caso()
    mondo.operatore_del_caso(caso, mondo.operatore)
    r = mondo.client(mondo.operatore).get(f"{BASE}/casi/{caso.pk}")
    assert r.status_code == 200
    assert r.json()["operatori"][0]["username"] == mondo.operatore.username
    assert AccessoDati.objects.filter(oggetto_id=str(caso.pk), esito="consentito").count() == 1
    estraneo = altro_mondo.caso()
    r = mondo.client(mondo.operatore).get(f"{BASE}/casi/{estraneo.pk}")
    assert r.status_code == 404 and r.json()["detail"] == "Risorsa non trovata."
    assert AccessoDati.objects.filter(oggetto_id=str(estraneo.pk), esito="negato").count() == 1
    assert mondo.client(mondo.operatore_sad).get(f"{BASE}/casi/{caso.pk}").status_code == 404


def test_open_and_close_through_the_api(mondo):
    p = mondo.persona()
    client = mondo.client(mondo.operatore)
    r = _post(
        client,
        f"{BASE}/casi",
        {
            "persona_id": p.pk,
            "servizio_id": mondo.minori.pk,
            "data_apertura": OGGI,
            "team_id": mondo.team.pk,
            "operatori": [
                {"utente_id": mondo.operatore.pk, "ruolo": "assistente_sociale", "referente": True}
            ],
        },
    )
    assert r.status_code == 201, r.content
    dati = r.json()
    assert dati["comune_responsabile_id"] == mondo.comune.pk and dati["minori"] is True
    assert dati["operatori"][0]["referente"] is True
    caso_id = dati["id"]
    # The same again: refused in Italian, nothing stored.
    r = _post(
        client, f"{BASE}/casi", {"persona_id": p.pk, "servizio_id": mondo.minori.pk, "data_apertura": OGGI}
    )
    assert r.status_code == 422 and "ha già una presa in carico aperta" in r.json()["detail"]
    assert Caso.objects.count() == 1
    r = _post(client, f"{BASE}/casi/{caso_id}/chiusura", {"data": OGGI, "motivo": "concluso", "esito": "x"})
    assert r.status_code == 422
    r = _post(
        client,
        f"{BASE}/casi/{caso_id}/chiusura",
        {"data": OGGI, "motivo": "concluso", "esito": "parzialmente", "revisione": 7},
    )
    assert r.status_code == 422 and "modificato da un altro operatore" in r.json()["detail"]
    r = _post(
        client,
        f"{BASE}/casi/{caso_id}/chiusura",
        {"data": OGGI, "motivo": "concluso", "esito": "parzialmente", "revisione": 0},
    )
    assert (
        r.status_code == 200 and r.json()["chiuso_il"] == OGGI.isoformat() and r.json()["stato"] == "chiuso"
    )
    assert EventoCaso.objects.filter(caso_id=caso_id, tipo="chiusura").count() == 1
    # The Comune's operator reads but does not open or close.
    assert _post(mondo.client(mondo.comunale), f"{BASE}/casi/{caso_id}/chiusura", {}).status_code in (
        403,
        422,
    )


def test_timeline_hides_reserved_entries_from_the_comune(mondo):
    caso = mondo.caso()
    for i, livello in enumerate(["ordinaria", "team", "giudiziaria"]):
        VoceDiario.objects.create(
            ambito=mondo.ambito, caso=caso, data=OGGI, testo=f"voce {livello} {i}", riservatezza=livello
        )
    tipi = [
        v["sintesi"] for v in mondo.client(mondo.operatore).get(f"{BASE}/casi/{caso.pk}/cronologia").json()
    ]
    assert {"voce ordinaria 0", "voce team 1", "voce giudiziaria 2"} <= set(tipi)
    r = mondo.client(mondo.comunale).get(f"{BASE}/casi/{caso.pk}/cronologia")
    sintesi = [v["sintesi"] for v in r.json()]
    assert (
        "voce ordinaria 0" in sintesi and "voce team 1" not in sintesi and "voce giudiziaria 2" not in sintesi
    )
    assert r.json()[0]["tipo"] == "caso_apertura"


def test_access_post_and_deadlines(mondo, altro_mondo):
    p = mondo.persona()
    client = mondo.client(mondo.operatore)
    dati = {
        "persona_id": p.pk,
        "data": OGGI,
        "canale": "tribunale",
        "comune_id": mondo.comune.pk,
        "richiesta": "Decreto del TM",
        "esito_triage": "complesso",
    }
    r = _post(client, f"{BASE}/accessi", dati)
    assert r.status_code == 201 and r.json()["canale"] == "tribunale"
    assert Accesso.objects.get().operatore == mondo.operatore
    r = _post(client, f"{BASE}/accessi", {**dati, "data": OGGI + dt.timedelta(days=1)})
    assert r.status_code == 422 and "non può essere nel futuro" in r.json()["detail"]
    r = _post(client, f"{BASE}/accessi", {**dati, "persona_id": altro_mondo.persona().pk})
    assert r.status_code == 404
    assert Accesso.objects.count() == 1
    r = client.get(f"{BASE}/scadenze?entro_giorni=30")
    assert r.status_code == 200 and r.json() == []
