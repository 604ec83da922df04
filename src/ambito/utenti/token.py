"""Personal API tokens: creation, revocation (both audited) and the Bearer authentication.

The secret is random (`secrets.token_urlsafe`), shown once and stored only as SHA-256: a
salted slow hash is not needed for 256 random bits, and a fast one keeps each API call cheap.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from ninja.security import HttpBearer

from ambito.core.services import registra_evento

from .models import TokenPersonale

LUNGHEZZA_PREFISSO = 8
# Writing `ultimo_uso` on every call would turn each read into a write.
INTERVALLO_ULTIMO_USO = dt.timedelta(minutes=1)


def _hash(segreto: str) -> str:
    return hashlib.sha256(segreto.encode()).hexdigest()


def _descrizione(token: TokenPersonale) -> dict:
    return {
        "utente": token.utente.username,
        "nome": token.nome,
        "prefisso": token.prefisso,
        "scade_il": token.scade_il,
        "revocato_il": token.revocato_il,
    }


@transaction.atomic
def crea_token(
    *, utente, nome: str, giorni_validita: int | None = None, attore
) -> tuple[TokenPersonale, str]:
    """A new token for `utente`; returns it with the secret, which is never retrievable again."""
    nome = (nome or "").strip()
    if not nome:
        raise ValueError("Il nome del token è obbligatorio.")
    if giorni_validita is not None and giorni_validita < 1:
        raise ValueError("La validità deve essere di almeno un giorno.")
    while True:
        segreto = secrets.token_urlsafe(32)
        if not TokenPersonale.objects.filter(prefisso=segreto[:LUNGHEZZA_PREFISSO]).exists():
            break
    token = TokenPersonale.objects.create(
        utente=utente,
        nome=nome,
        prefisso=segreto[:LUNGHEZZA_PREFISSO],
        hash=_hash(segreto),
        scade_il=timezone.now() + dt.timedelta(days=giorni_validita) if giorni_validita else None,
    )
    registra_evento(
        attore=attore,
        azione="crea_token",
        oggetto=token,
        dopo=_descrizione(token),
        ambito=utente.ambito,
    )
    return token, segreto


@transaction.atomic
def revoca_token(*, token: TokenPersonale, attore) -> TokenPersonale:
    """Revoke a token from now on; revoking twice keeps the first date."""
    token = TokenPersonale.objects.select_for_update().select_related("utente").get(pk=token.pk)
    if token.revocato_il is not None:
        return token
    prima = _descrizione(token)
    token.revocato_il = timezone.now()
    token.save(update_fields=["revocato_il"])
    registra_evento(
        attore=attore,
        azione="revoca_token",
        oggetto=token,
        prima=prima,
        dopo=_descrizione(token),
        ambito=token.utente.ambito,
    )
    return token


def verifica_token(segreto: str) -> TokenPersonale | None:
    """The token if valid, unrevoked, unexpired and its user active; else None."""
    if not segreto or len(segreto) <= LUNGHEZZA_PREFISSO:
        return None
    token = (
        TokenPersonale.objects.select_related("utente", "utente__ambito")
        .filter(prefisso=segreto[:LUNGHEZZA_PREFISSO])
        .first()
    )
    # Compare even when no row matched, so that timing does not reveal valid prefixes.
    atteso = token.hash if token is not None else "0" * 64
    if not hmac.compare_digest(atteso, _hash(segreto)) or token is None:
        return None
    adesso = timezone.now()
    if token.revocato_il is not None or (token.scade_il is not None and token.scade_il <= adesso):
        return None
    if not token.utente.is_active:
        return None
    if token.ultimo_uso is None or adesso - token.ultimo_uso >= INTERVALLO_ULTIMO_USO:
        TokenPersonale.objects.filter(pk=token.pk).update(ultimo_uso=adesso)
    return token


class TokenPersonaleAuth(HttpBearer):
    """`Authorization: Bearer <token>` for the Ninja API."""

    openapi_description = "Token personale creato con `ambito crea_token USERNAME`."

    def authenticate(self, request, token):
        trovato = verifica_token(token)
        if trovato is None:
            return None
        # Views and services read request.user, as with a session.
        request.user = trovato.utente
        request.token_personale = trovato
        return trovato.utente
