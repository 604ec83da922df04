"""REST API of the persone area (session auth through the Django test client)."""

import datetime as dt
import json

from ambito.cartella.codice_fiscale import genera
from ambito.cartella.models import Isee, Nucleo, Persona
from ambito.core.models import AccessoDati

BASE = "/api/v1/cartella"
NASCITA = dt.date(1980, 5, 17)
CF = genera(cognome="Bianchi", nome="Giulia", data_nascita=NASCITA, sesso="F", codice_belfiore="F205")


def _post(client, url, dati):
    return client.post(url, json.dumps(dati), content_type="application/json")


def test_cerca_e_leggi(mondo, altro_mondo):
    p = mondo.persona(cognome="Rossi", nome="Mario")
    c = mondo.client(mondo.operatore)
    r = c.get(f"{BASE}/persone", {"q": "rosi"})
    assert r.status_code == 200
    (riga,) = r.json()
    assert riga["id"] == p.pk and riga["cognome"] == "Rossi" and riga["comune_residenza"] == mondo.comune.nome
    r = c.get(f"{BASE}/persone/{p.pk}")
    assert r.status_code == 200
    dati = r.json()
    assert dati["codice_fiscale"] == p.codice_fiscale
    assert dati["stato_codice_fiscale"] == "valido"
    assert dati["residenze"][0]["comune"] == mondo.comune.nome
    assert dati["comune_residenza_id"] == mondo.comune.pk
    assert AccessoDati.objects.filter(oggetto_id=str(p.pk), esito="consentito").count() == 1
    # Another Ambito's person: 404, logged as denied.
    estraneo = altro_mondo.persona()
    r = c.get(f"{BASE}/persone/{estraneo.pk}")
    assert r.status_code == 404 and r.json()["detail"] == "Risorsa non trovata."
    assert AccessoDati.objects.get(oggetto_id=str(estraneo.pk)).esito == "negato"
    assert c.get(f"{BASE}/persone/{estraneo.pk}/isee").status_code == 404
    # No register for a provider.
    assert mondo.client(mondo.erogatore).get(f"{BASE}/persone", {"q": "rossi"}).status_code == 403


def test_crea_persona_201_e_422(mondo):
    c = mondo.client(mondo.operatore)
    dati = {
        "codice_fiscale": CF,
        "cognome": "Bianchi",
        "nome": "Giulia",
        "sesso": "F",
        "data_nascita": "1980-05-17",
        "residenza": {"comune_id": mondo.comune.pk, "indirizzo": "Via Po 1", "dal": "2010-01-01"},
    }
    r = _post(c, f"{BASE}/persone", {**dati, "data_nascita": "1980-05-18"})
    assert r.status_code == 422
    assert r.json()["errori"]["codice_fiscale"] == [
        "La data di nascita indicata (18/05/1980) non corrisponde a quella del codice fiscale (17/05/1980)."
    ]
    assert Persona.objects.count() == 0
    r = _post(c, f"{BASE}/persone", {"cognome": "X"})
    assert r.status_code == 422  # schema
    r = _post(c, f"{BASE}/persone", dati)
    assert r.status_code == 201
    creata = r.json()
    assert creata["codice_fiscale"] == CF and creata["luogo_nascita"] == "Milano (MI)"
    assert creata["residenze"][0]["comune_id"] == mondo.comune.pk
    r = _post(c, f"{BASE}/persone", dati)
    assert r.status_code == 422 and "già registrato" in r.json()["detail"]
    assert Persona.objects.count() == 1


def test_isee_via_api(mondo):
    p = mondo.persona()
    c = mondo.client(mondo.operatore)
    futuro = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    dati = {"valore": "1500.00", "protocollo_dsu": "INPS-ISEE-2025-000000042-00", "data_dsu": futuro}
    r = _post(c, f"{BASE}/persone/{p.pk}/isee", dati)
    assert r.status_code == 422
    assert r.json()["errori"]["data_dsu"] == ["La data di presentazione della DSU non può essere nel futuro."]
    assert Isee.objects.count() == 0
    r = _post(c, f"{BASE}/persone/{p.pk}/isee", {**dati, "data_dsu": "2025-02-03"})
    assert r.status_code == 201
    assert r.json()["scadenza"] == "2025-12-31"
    r = c.get(f"{BASE}/persone/{p.pk}/isee")
    assert [i["protocollo_dsu"] for i in r.json()] == ["INPS-ISEE-2025-000000042-00"]


def test_nuclei_via_api(mondo, altro_mondo):
    madre = mondo.persona(cognome="Verdi", nome="Anna", sesso="F", nascita=dt.date(1980, 1, 1))
    figlio = mondo.persona(cognome="Verdi", nome="Luca", nascita=dt.date(2010, 1, 1))
    estraneo = altro_mondo.persona()
    c = mondo.client(mondo.operatore)
    membri = [
        {"persona_id": madre.pk, "ruolo": "intestatario", "dal": "2010-01-01"},
        {"persona_id": figlio.pk, "ruolo": "figlio", "dal": "2010-01-01"},
    ]
    r = _post(
        c,
        f"{BASE}/nuclei",
        {
            "denominazione": "Verdi",
            "membri": [*membri, {"persona_id": estraneo.pk, "ruolo": "altro", "dal": "2010-01-01"}],
        },
    )
    assert r.status_code == 422 and Nucleo.objects.count() == 0
    r = _post(c, f"{BASE}/nuclei", {"denominazione": "Verdi", "membri": membri})
    assert r.status_code == 201
    nid = r.json()["id"]
    r = c.get(f"{BASE}/nuclei/{nid}")
    assert r.status_code == 200
    assert {(m["persona_id"], m["ruolo"]) for m in r.json()["membri"]} == {
        (madre.pk, "intestatario"),
        (figlio.pk, "figlio"),
    }
    assert altro_mondo.client(altro_mondo.operatore).get(f"{BASE}/nuclei/{nid}").status_code == 404
