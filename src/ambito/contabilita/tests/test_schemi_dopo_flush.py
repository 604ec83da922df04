"""The category schemes come back after a flush (transactional and browser tests flush the database,
which empties what the data migration seeded): post_migrate recreates them."""

import pytest
from django.core.management.sql import emit_post_migrate_signal

from ambito.contabilita.models import CategoriaCosto, SchemaCategorie
from ambito.contabilita.schemi import SCHEMI


@pytest.mark.django_db
def test_post_migrate_ricrea_gli_schemi():
    CategoriaCosto.objects.all().delete()
    SchemaCategorie.objects.all().delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert set(SchemaCategorie.objects.values_list("codice", flat=True)) == set(SCHEMI)
    assert CategoriaCosto.objects.count() == sum(len(c) for _n, _f, c in SCHEMI.values())
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")  # idempotent
    assert CategoriaCosto.objects.count() == sum(len(c) for _n, _f, c in SCHEMI.values())
