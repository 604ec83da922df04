"""Writes of the core: the audit event and the access-log row.

Every service in every app calls `registra_evento` inside its own transaction, so a change
and its audit row commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile

from . import context
from .models import AccessoDati, Ambito, EventoAudit, Utente


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value


def istantanea(obj: models.Model | None, campi: list[str] | None = None) -> dict | None:
    """The concrete field values of a row, JSON-safe, for the before/after of an audit event."""
    if obj is None:
        return None
    out = {}
    for field in obj._meta.concrete_fields:
        if campi is not None and field.name not in campi:
            continue
        out[field.attname] = _jsonable(getattr(obj, field.attname))
    return out


def _ambito_di(obj: Any, ambito: Ambito | None) -> Ambito | None:
    if ambito is not None:
        return ambito
    return getattr(obj, "ambito", None) if obj is not None else None


def registra_evento(
    *,
    attore: Utente | None,
    azione: str,
    oggetto: models.Model | None = None,
    prima: dict | None = None,
    dopo: dict | None = None,
    ambito: Ambito | None = None,
    descrizione: str = "",
) -> EventoAudit:
    return EventoAudit.objects.create(
        ambito=_ambito_di(oggetto, ambito),
        attore=attore if attore is not None and attore.pk else None,
        attore_username=getattr(attore, "username", "") or "sistema",
        azione=azione,
        oggetto_tipo=oggetto._meta.label if oggetto is not None else "",
        oggetto_id=str(oggetto.pk) if oggetto is not None and oggetto.pk is not None else "",
        oggetto_descrizione=(descrizione or (str(oggetto) if oggetto is not None else ""))[:300],
        prima=_jsonable(prima),
        dopo=_jsonable(dopo),
        request_id=context.request_id.get(),
    )


def registra_accesso(
    *,
    utente: Utente | None,
    oggetto_tipo: str,
    oggetto_id: str | int,
    descrizione: str = "",
    esito: str = "consentito",
    motivo: str = "",
    ambito: Ambito | None = None,
) -> AccessoDati:
    return AccessoDati.objects.create(
        ambito=ambito if ambito is not None else getattr(utente, "ambito", None),
        utente=utente if utente is not None and utente.pk else None,
        utente_username=getattr(utente, "username", "") or "",
        oggetto_tipo=oggetto_tipo,
        oggetto_id=str(oggetto_id),
        oggetto_descrizione=descrizione[:300],
        esito=esito,
        motivo=motivo,
        request_id=context.request_id.get(),
        indirizzo_ip=context.client_ip.get(),
    )
