"""The audit and access logs are append-only at the ORM level and in the database (triggers)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from ambito.core.models import AccessoDati, Ambito, EventoAudit
from ambito.core.services import registra_accesso, registra_evento


@pytest.fixture
def righe(db):
    ambito = Ambito.objects.create(codice="T1", nome="Prova")
    ev = registra_evento(attore=None, azione="prova", ambito=ambito, dopo={"a": 1})
    acc = registra_accesso(utente=None, oggetto_tipo="csi.Cartella", oggetto_id=1, ambito=ambito)
    return ev, acc


@pytest.mark.django_db
def test_orm_refuses_update_and_delete(righe):
    ev, acc = righe
    for obj in righe:
        with pytest.raises(PermissionDenied):
            obj.save()
        with pytest.raises(PermissionDenied):
            obj.delete()


@pytest.mark.django_db
@pytest.mark.parametrize("tabella", ["core_eventoaudit", "core_accessodati"])
def test_database_refuses_raw_update_and_delete(righe, tabella):
    ev, acc = righe
    pk = ev.pk if tabella == "core_eventoaudit" else acc.pk
    colonna = "azione" if tabella == "core_eventoaudit" else "esito"
    with pytest.raises(DatabaseError, match="sola aggiunta"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"UPDATE {tabella} SET {colonna} = 'manomesso' WHERE id = %s", [pk])
    with pytest.raises(DatabaseError, match="sola aggiunta"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"DELETE FROM {tabella} WHERE id = %s", [pk])
    # Queryset bulk operations bypass Model.save/delete: the triggers stop them too.
    modello = EventoAudit if tabella == "core_eventoaudit" else AccessoDati
    with pytest.raises(DatabaseError), transaction.atomic():
        modello.objects.filter(pk=pk).update(request_id="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        modello.objects.filter(pk=pk).delete()
    assert modello.objects.filter(pk=pk).count() == 1
    assert EventoAudit.objects.get(pk=ev.pk).azione == "prova"
    assert AccessoDati.objects.get(pk=acc.pk).esito == "consentito"


@pytest.mark.django_db
def test_inserts_still_work(righe):
    registra_evento(attore=None, azione="altra", ambito=righe[0].ambito)
    assert EventoAudit.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_flush_empties_logs_and_keeps_the_triggers():
    ambito = Ambito.objects.create(codice="T2", nome="Prova")
    registra_evento(attore=None, azione="prova", ambito=ambito)
    call_command("flush", interactive=False, verbosity=0)
    assert EventoAudit.objects.count() == 0
    ambito = Ambito.objects.create(codice="T3", nome="Prova")
    ev = registra_evento(attore=None, azione="prova", ambito=ambito)
    with pytest.raises(DatabaseError, match="sola aggiunta"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("DELETE FROM core_eventoaudit WHERE id = %s", [ev.pk])
