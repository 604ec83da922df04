"""Helpers of the apps' management commands."""

from __future__ import annotations

from django.core.management.base import CommandError

from .models import Ambito


def ambito_del_comando(codice: str | None, *, inesistente: str = "Ambito «{codice}» inesistente.") -> Ambito:
    """The Ambito named by `--ambito CODICE`, or the only one in the database.

    Every command that works on one Ambito resolves it this way; `inesistente` is the message for
    an unknown code (with `{codice}`), as each command has always worded it.
    """
    if codice:
        ambito = Ambito.objects.filter(codice=codice).first()
        if ambito is None:
            raise CommandError(inesistente.format(codice=codice))
        return ambito
    ambiti = list(Ambito.objects.all()[:2])
    if len(ambiti) != 1:
        raise CommandError("Indicare l'Ambito con --ambito CODICE.")
    return ambiti[0]
