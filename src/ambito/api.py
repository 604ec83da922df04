"""The REST API: one NinjaAPI under /api/v1/, with the browser session or a personal token.

Apps add their routers to `ROUTERS`; each is mounted only once its module exists and defines
`router`, so this file can name routers that are still being written.
"""

from __future__ import annotations

import importlib
import importlib.util

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.security import SessionAuth

from ambito.utenti.token import TokenPersonaleAuth

# (prefix, "module.attribute") of each app's Ninja router.
ROUTERS: list[tuple[str, str]] = [
    ("/cartella/", "ambito.cartella.api.router"),
]

MESSAGGI = {
    "CSRF check Failed": "Verifica CSRF non riuscita: ricaricare la pagina e riprovare.",
    "Unauthorized": "Autenticazione richiesta: sessione scaduta o token mancante, revocato o scaduto.",
    "Forbidden": "Permesso negato.",
}


class SessioneConSecondoFattore(SessionAuth):
    """Browser session; with AMBITO_OTP_OBBLIGATORIO on, staff must have passed the TOTP check."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user and getattr(settings, "OTP_OBBLIGATORIO", False) and user.is_staff:
            if not getattr(user, "is_verified", lambda: False)():
                return None
        return user


api = NinjaAPI(
    title="Ambito API",
    version="1",
    description="API del sistema informativo dell'Ambito territoriale sociale. Vedi docs/api.md.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    # Bearer first: the session check enforces CSRF on unsafe methods and would refuse a
    # token-authenticated POST before the token were even looked at.
    auth=[TokenPersonaleAuth(), SessioneConSecondoFattore()],
)


def _errore(request, stato: int, detail, **altro):
    return api.create_response(request, {"detail": detail, **altro}, status=stato)


@api.exception_handler(AuthenticationError)
def _non_autenticato(request, exc):
    risposta = _errore(request, 401, MESSAGGI["Unauthorized"])
    risposta["WWW-Authenticate"] = 'Bearer realm="ambito"'
    return risposta


@api.exception_handler(AuthorizationError)
def _non_autorizzato(request, exc):
    return _errore(request, 403, MESSAGGI.get(str(exc), str(exc)))


@api.exception_handler(HttpError)
def _errore_http(request, exc):
    return _errore(request, exc.status_code, MESSAGGI.get(str(exc), str(exc)))


@api.exception_handler(PermissionDenied)
def _permesso_negato(request, exc):
    return _errore(request, 403, str(exc) or MESSAGGI["Forbidden"])


@api.exception_handler(Http404)
def _non_trovato(request, exc):
    # Same answer whether the row is missing or out of scope.
    return _errore(request, 404, "Risorsa non trovata.")


@api.exception_handler(ValidationError)
def _dati_non_validi(request, exc):
    return _errore(request, 422, "Dati non validi.", errori=exc.errors)


@api.exception_handler(DjangoValidationError)
def _dati_non_validi_django(request, exc):
    # Services raise Django's ValidationError with Italian messages: pass them through.
    errori = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _errore(request, 422, " ".join(exc.messages), errori=errori)


def registra_router(api: NinjaAPI, routers: list[tuple[str, str]]) -> list[str]:
    """Mount each router whose module exists and defines it; returns the prefixes mounted."""
    montati = []
    for prefisso, percorso in routers:
        modulo, _, attributo = percorso.rpartition(".")
        try:
            trovato = importlib.util.find_spec(modulo) is not None
        except ModuleNotFoundError:  # a parent package is missing
            trovato = False
        if not trovato:
            continue
        router = getattr(importlib.import_module(modulo), attributo, None)
        if router is None:  # package being written, router not defined yet
            continue
        api.add_router(prefisso, router)
        montati.append(prefisso)
    return montati


class UtenteCorrente(Schema):
    username: str
    nome_completo: str
    ambito: str | None
    ruoli: list[str]
    autenticazione: str


@api.get("/io", response=UtenteCorrente, summary="Utente corrente", tags=["utenti"])
def io(request):
    """Who is calling: useful to check that a token or a session works."""
    utente = request.auth
    return {
        "username": utente.username,
        "nome_completo": utente.get_full_name(),
        "ambito": utente.ambito.codice if utente.ambito_id else None,
        "ruoli": sorted(utente.groups.values_list("name", flat=True)),
        "autenticazione": "token" if getattr(request, "token_personale", None) else "sessione",
    }


ROUTER_MONTATI = registra_router(api, ROUTERS)
