"""REST API of the erogazioni area: scoping (provider tokens too), Italian 422s, corrections."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D

from django.test import Client
from django.utils import timezone

from ambito.cartella.models import Attivita, Erogazione, Intervento
from ambito.core.models import AccessoDati
from ambito.utenti.token import crea_token

BASE = "/api/v1/cartella"


def _post(client, url, dati, **extra):
    return client.post(url, json.dumps(dati, default=str), content_type="application/json", **extra)


def _token(utente) -> dict:
    _, segreto = crea_token(utente=utente, nome="prova", attore=None)
    return {"HTTP_AUTHORIZATION": f"Bearer {segreto}"}


def _erogazione(mondo, **kw):
    d = {
        "dal": "2024-03-01",
        "al": "2024-03-31",
        "data_erogazione": "2024-04-02",
        "quantita": "10",
        "importo": "100.00",
        "quota_ente": "80.00",
        "quota_utente": "20.00",
        "finanziamenti": [
            {"fondo_id": mondo.fnps.pk, "importo": "50.01"},
            {"fondo_id": mondo.bilancio.pk, "importo": "29.99"},
        ],
    }
    d.update(kw)
    return d


def test_intervention_create_list_detail(mondo, altro_mondo):
    caso = mondo.caso(servizio=mondo.sad)
    c = mondo.client(mondo.operatore_sad)
    r = _post(c, f"{BASE}/casi/{caso.pk}/interventi", {"servizio_id": mondo.sad.pk, "dal": "2024-02-01"})
    assert r.status_code == 422
    assert "prova dei mezzi" in r.json()["detail"] and "presenza_prova_mezzi" in r.json()["errori"]
    r = _post(
        c,
        f"{BASE}/casi/{caso.pk}/interventi",
        {
            "servizio_id": mondo.sad.pk,
            "dal": "2024-02-01",
            "erogatore_id": mondo.coop.pk,
            "quantita_prevista": "52",
            "presenza_prova_mezzi": "4",
            "carattere_prestazione": "1",
        },
    )
    assert r.status_code == 201, r.content
    dati = r.json()
    assert dati["erogatore"] == mondo.coop.nome and D(dati["quantita_prevista"]) == D("52")
    i = Intervento.objects.get(pk=dati["id"])
    elenco = c.get(f"{BASE}/interventi").json()
    assert elenco["count"] == 1 and elenco["items"][0]["id"] == i.pk
    assert c.get(f"{BASE}/interventi/{i.pk}").status_code == 200
    # Another Ambito's operator: 404 and logged.
    assert altro_mondo.client(altro_mondo.direzione).get(f"{BASE}/interventi/{i.pk}").status_code == 404
    assert AccessoDati.objects.filter(
        oggetto_tipo="cartella.Intervento", oggetto_id=str(i.pk), esito="negato"
    ).exists()
    r = _post(
        altro_mondo.client(altro_mondo.operatore_sad),
        f"{BASE}/casi/{caso.pk}/interventi",
        {"servizio_id": 1, "dal": "2024-02-01"},
    )
    assert r.status_code == 404


def test_delivery_422_when_funds_do_not_add_up_and_correction(mondo, altro_mondo):
    i = mondo.intervento(mondo.caso(servizio=mondo.sad), erogatore=mondo.coop)
    c = mondo.client(mondo.operatore_sad)
    url = f"{BASE}/interventi/{i.pk}/erogazioni"
    r = _post(c, url, _erogazione(mondo, finanziamenti=[{"fondo_id": mondo.fnps.pk, "importo": "79.99"}]))
    assert r.status_code == 422
    assert "mancano 0,01 €" in r.json()["detail"] and r.json()["errori"]["finanziamenti"]
    r = _post(c, url, _erogazione(mondo, quota_utente="19.99"))
    assert r.status_code == 422 and "non corrispondono all'importo di 100,00 €" in r.json()["detail"]
    r = _post(
        c, url, _erogazione(mondo, finanziamenti=[{"fondo_id": altro_mondo.fnps.pk, "importo": "80.00"}])
    )
    assert r.status_code == 422 and "non è un fondo di questo Ambito" in r.json()["detail"]
    assert not Erogazione.objects.exists()
    r = _post(c, url, _erogazione(mondo))
    assert r.status_code == 201
    e = r.json()
    assert (e["importo"], e["quota_ente"]) == ("100.00", "80.00")
    assert sorted(f["importo"] for f in e["finanziamenti"]) == ["29.99", "50.01"]
    r = _post(c, url, _erogazione(mondo, dal="2024-03-15", al="2024-04-15"))
    assert r.status_code == 422 and "si sovrappone" in r.json()["detail"]
    # Correction: an invalid one changes nothing, a valid one annuls and replaces.
    r = _post(c, f"{BASE}/erogazioni/{e['id']}/correzione", {"motivo": "x", "importo": "120.00"})
    assert r.status_code == 422 and Erogazione.objects.get(pk=e["id"]).annullato_il is None
    r = _post(
        c,
        f"{BASE}/erogazioni/{e['id']}/correzione",
        {
            "motivo": "Quantità errata",
            "quantita": "12",
            "importo": "120.00",
            "quota_ente": "100.00",
            "finanziamenti": [{"fondo_id": mondo.fnps.pk, "importo": "100.00"}],
        },
    )
    assert r.status_code == 201 and r.json()["sostituisce_id"] == e["id"]
    tutte = c.get(url).json()
    assert [(x["id"], x["annullata"]) for x in tutte] == [(r.json()["id"], False), (e["id"], True)]
    # Providers do not see money.
    assert mondo.client(mondo.erogatore).get(url).status_code == 403


def test_provider_token_records_only_on_its_interventions(mondo):
    mio = mondo.intervento(mondo.caso(servizio=mondo.sad), erogatore=mondo.coop)
    altrui = mondo.intervento(
        mondo.caso(servizio=mondo.sad, persona=mondo.persona(cognome="Verdi")), erogatore=mondo.altra_coop
    )
    c, h = Client(), _token(mondo.erogatore)
    ieri = timezone.localdate() - dt.timedelta(days=1)
    elenco = c.get(f"{BASE}/interventi", **h).json()
    assert [x["id"] for x in elenco["items"]] == [mio.pk]
    assert elenco["items"][0]["caso_id"] is None and elenco["items"][0]["isee_id"] is None
    r = _post(
        c, f"{BASE}/interventi/{mio.pk}/attivita", {"data": ieri, "tipo": "assistenza", "ore": "2.25"}, **h
    )
    assert r.status_code == 201, r.content
    assert r.json()["ore"] == "2.25"
    r = _post(
        c, f"{BASE}/interventi/{altrui.pk}/attivita", {"data": ieri, "tipo": "assistenza", "ore": "1"}, **h
    )
    assert r.status_code == 404
    assert AccessoDati.objects.filter(
        oggetto_tipo="cartella.Intervento", oggetto_id=str(altrui.pk), esito="negato", utente=mondo.erogatore
    ).exists()
    assert c.get(f"{BASE}/interventi/{altrui.pk}/attivita", **h).status_code == 404
    r = _post(
        c, f"{BASE}/interventi/{mio.pk}/attivita", {"data": ieri, "tipo": "assistenza", "ore": "22"}, **h
    )
    assert r.status_code == 422 and "24 ore" in r.json()["detail"]
    assert [a["ore"] for a in c.get(f"{BASE}/interventi/{mio.pk}/attivita", **h).json()] == ["2.25"]
    assert Attivita.objects.count() == 1
    # A provider cannot start interventions or record deliveries.
    assert _post(c, f"{BASE}/interventi/{mio.pk}/erogazioni", _erogazione(mondo), **h).status_code == 403
