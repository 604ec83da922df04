"""Helpers of the apps' management commands."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from .models import Ambito


def data_iso(testo: str) -> dt.date:
    """The `type` of a date option (AAAA-MM-GG): argparse reports a bad one with the option's name."""
    try:
        return dt.date.fromisoformat(testo)
    except ValueError:
        raise argparse.ArgumentTypeError(f"data non valida «{testo}»: usare il formato AAAA-MM-GG") from None


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


@contextmanager
def importazione(comando, file) -> Iterator[None]:
    """Run an all-or-nothing import: on `ValidationError` print every message and fail (exit code 1).

    The import commands report a refused file the same way: each problem on stderr, then
    "FILE: N errori, nulla importato.".
    """
    try:
        yield
    except ValidationError as exc:
        for m in exc.messages:
            comando.stderr.write(m)
        raise CommandError(f"{file}: {len(exc.messages)} errori, nulla importato.") from None
