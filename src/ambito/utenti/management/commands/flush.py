"""`flush` that also empties the append-only logs.

Emptying the whole database is the one deliberate operation allowed to remove log rows (used by
transactional tests and by a fresh demo). The triggers are dropped and recreated inside the same
transaction, so an interrupted flush leaves them in place.
"""

import importlib

from django.core.management.commands import flush
from django.db import connections, transaction

_registri = importlib.import_module("ambito.core.migrations.0002_registri_sola_aggiunta")


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        tabelle = set(connection.introspection.table_names())
        if not set(_registri.TABELLE) <= tabelle:
            return super().handle(**options)
        with transaction.atomic(using=connection.alias):
            _registri.rimuovi(connection)
            super().handle(**options)
            _registri.installa(connection)
