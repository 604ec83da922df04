"""A throwaway database for a benchmark: a temporary SQLite file, or, when DATABASE_URL is set,
Django's test database next to it (test_<name>), dropped at the end."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def database_usa_e_getta(tmp: Path):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambito.settings")
    os.environ.setdefault("DEBUG", "1")
    import django
    from django.conf import settings

    django.setup()
    # The benchmark measures the code, not DEBUG's query log (production runs with DEBUG off).
    settings.DEBUG = False
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(tmp / "bench.sqlite3")
    nome = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(nome, verbosity=0)
