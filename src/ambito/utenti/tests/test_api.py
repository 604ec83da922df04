import datetime as dt
import json

import pytest
from django.utils import timezone

from ambito.api import api, registra_router
from ambito.utenti import ruoli as R
from ambito.utenti.models import TokenPersonale
from ambito.utenti.token import crea_token, revoca_token

URL_IO = "/api/v1/io"
NON_AUTENTICATO = "Autenticazione richiesta: sessione scaduta o token mancante, revocato o scaduto."


@pytest.fixture
def operatore(mondo):
    return mondo[R.OPERATORE]


def _bearer(segreto):
    return {"HTTP_AUTHORIZATION": f"Bearer {segreto}"}


def test_token_valido(client, operatore, mondo):
    _, segreto = crea_token(utente=operatore, nome="Script", attore=None)
    r = client.get(URL_IO, **_bearer(segreto))
    assert r.status_code == 200, r.content
    assert r.json() == {
        "username": operatore.username,
        "nome_completo": operatore.get_full_name(),
        "ambito": mondo.ambito.codice,
        "ruoli": [R.OPERATORE],
        "autenticazione": "token",
    }


@pytest.mark.parametrize(
    "intestazione", [None, "Bearer ", "Bearer sbagliato-ma-lungo-abbastanza", "Basic abc"]
)
def test_senza_token_valido_401(client, operatore, intestazione):
    crea_token(utente=operatore, nome="Script", attore=None)
    extra = {"HTTP_AUTHORIZATION": intestazione} if intestazione is not None else {}
    r = client.get(URL_IO, **extra)
    assert r.status_code == 401
    assert r.json() == {"detail": NON_AUTENTICATO}
    assert r["WWW-Authenticate"].startswith("Bearer")


def test_token_con_prefisso_giusto_e_resto_sbagliato_401(client, operatore):
    _, segreto = crea_token(utente=operatore, nome="Script", attore=None)
    r = client.get(URL_IO, **_bearer(segreto[:8] + "x" * 35))
    assert r.status_code == 401


def test_token_revocato_401(client, operatore):
    token, segreto = crea_token(utente=operatore, nome="Script", attore=None)
    assert client.get(URL_IO, **_bearer(segreto)).status_code == 200
    revoca_token(token=token, attore=None)
    r = client.get(URL_IO, **_bearer(segreto))
    assert r.status_code == 401 and r.json()["detail"] == NON_AUTENTICATO


def test_token_scaduto_401(client, operatore):
    token, segreto = crea_token(utente=operatore, nome="Script", giorni_validita=5, attore=None)
    TokenPersonale.objects.filter(pk=token.pk).update(scade_il=timezone.now() - dt.timedelta(minutes=1))
    assert client.get(URL_IO, **_bearer(segreto)).status_code == 401


def test_utente_disattivato_401(client, operatore):
    _, segreto = crea_token(utente=operatore, nome="Script", attore=None)
    operatore.is_active = False
    operatore.save()
    assert client.get(URL_IO, **_bearer(segreto)).status_code == 401


def test_sessione(client, operatore, mondo):
    client.force_login(operatore)
    r = client.get(URL_IO)
    assert r.status_code == 200
    assert r.json()["username"] == operatore.username
    assert r.json()["autenticazione"] == "sessione"
    client.logout()
    assert client.get(URL_IO).status_code == 401


def test_openapi_e_documentazione(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    documento = json.loads(r.content)
    assert documento["info"]["title"] == "Ambito API"
    assert documento["info"]["version"] == "1"
    assert "/api/v1/io" in documento["paths"]
    schemi = documento["components"]["securitySchemes"]
    assert {s["type"] for s in schemi.values()} >= {"http", "apiKey"}
    assert any(s.get("scheme") == "bearer" for s in schemi.values())
    r = client.get("/api/v1/docs")
    assert r.status_code == 200 and b"openapi.json" in r.content


def test_registra_router_salta_i_moduli_mancanti():
    assert registra_router(api, [("/inesistente/", "ambito.non_esiste.api.router")]) == []
    assert registra_router(api, [("/senza-router/", "ambito.utenti.token.router")]) == []


@pytest.mark.django_db
def test_mandatory_second_factor_applies_to_the_api_session_too(client, settings):
    """With 2FA mandatory, an unverified staff session gets 401 from the API (not a redirect)."""
    from ambito.core.models import Ambito
    from ambito.utenti import ruoli as R
    from ambito.utenti.services import crea_utente

    ambito = Ambito.objects.create(codice="OTP-API", nome="Ambito OTP")
    u = crea_utente(
        ambito=ambito,
        username="staff.otp",
        password="Una-password-robusta-2025",
        ruoli=[R.DIREZIONE],
        attore=None,
    )
    client.force_login(u)
    assert client.get("/api/v1/io").status_code == 200
    settings.OTP_OBBLIGATORIO = True
    risposta = client.get("/api/v1/io")
    assert risposta.status_code == 401
    assert "Autenticazione richiesta" in risposta.json()["detail"]
