"""One small demo Ambito per test module, loaded once and rolled back at the end of the module."""

import pytest
from django.db import transaction

from ambito.core.models import Ambito, Utente
from ambito.demo.services import carica_demo


@pytest.fixture(scope="module")
def _demo_modulo(django_db_setup, django_db_blocker):
    from django.conf import settings

    with django_db_blocker.unblock():
        debug = settings.DEBUG
        settings.DEBUG = True  # the loader refuses to run on a production configuration
        try:
            with transaction.atomic():
                carica_demo(persone=80)
                settings.DEBUG = debug
                yield
                transaction.set_rollback(True)
        finally:
            settings.DEBUG = debug


@pytest.fixture
def demo(_demo_modulo, db):
    return Ambito.objects.get(codice="ATS-SGM")


@pytest.fixture
def utenti(demo):
    return {u.username: u for u in Utente.objects.filter(ambito=demo)}
