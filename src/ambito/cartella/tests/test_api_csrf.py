"""The browser session may write through the API only with a CSRF token; a Bearer token needs none."""

from django.test import Client

from ambito.cartella.models import Persona
from ambito.utenti.token import crea_token


def _dati():
    return {
        "cognome": "Bianchi",
        "nome": "Giulia",
        "sesso": "F",
        "data_nascita": "2015-06-01",
        "senza_codice_fiscale": True,
    }


def test_session_post_without_csrf_is_refused_and_stores_nothing(mondo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mondo.operatore)
    risposta = client.post("/api/v1/cartella/persone", _dati(), content_type="application/json")
    assert risposta.status_code == 403
    assert "CSRF" in risposta.json()["detail"]
    assert not Persona.objects.filter(ambito=mondo.ambito, cognome="Bianchi").exists()


def test_bearer_token_post_needs_no_csrf(mondo):
    _token, segreto = crea_token(utente=mondo.operatore, nome="prova", attore=mondo.operatore)
    client = Client(enforce_csrf_checks=True)
    risposta = client.post(
        "/api/v1/cartella/persone",
        _dati(),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {segreto}",
    )
    assert risposta.status_code in (200, 201), risposta.content
    assert Persona.objects.filter(ambito=mondo.ambito, cognome="Bianchi", cf_temporaneo=True).count() == 1
