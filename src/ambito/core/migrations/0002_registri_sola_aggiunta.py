"""Database triggers that make the audit and access logs append-only (UPDATE/DELETE raise).

The ORM already refuses (AppendOnlyModel); these stop raw SQL and other clients too.
`installa`/`rimuovi` are also used by the `flush` command (ambito.utenti), the one deliberate
path that empties the whole database, e.g. between transactional tests.
"""

from django.db import migrations

TABELLE = ("core_eventoaudit", "core_accessodati")
MESSAGGIO = "Registro in sola aggiunta: modifiche e cancellazioni non sono ammesse"


def _sql_installa(vendor: str) -> list[str]:
    if vendor == "sqlite":
        out = []
        for t in TABELLE:
            for op in ("UPDATE", "DELETE"):
                out.append(
                    f"CREATE TRIGGER IF NOT EXISTS {t}_no_{op.lower()} BEFORE {op} ON {t} "
                    f"BEGIN SELECT RAISE(ABORT, '{MESSAGGIO}'); END;"
                )
        return out
    if vendor == "postgresql":
        out = [
            "CREATE OR REPLACE FUNCTION core_registro_sola_aggiunta() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGGIO} (% su %)', TG_OP, TG_TABLE_NAME; END; "
            "$$ LANGUAGE plpgsql;"
        ]
        for t in TABELLE:
            out.append(f"DROP TRIGGER IF EXISTS {t}_sola_aggiunta ON {t};")
            out.append(
                f"CREATE TRIGGER {t}_sola_aggiunta BEFORE UPDATE OR DELETE ON {t} "
                "FOR EACH ROW EXECUTE FUNCTION core_registro_sola_aggiunta();"
            )
            out.append(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};")
            out.append(
                f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
                "FOR EACH STATEMENT EXECUTE FUNCTION core_registro_sola_aggiunta();"
            )
        return out
    return []


def _sql_rimuovi(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {t}_no_{op} ;" for t in TABELLE for op in ("update", "delete")]
    if vendor == "postgresql":
        out = []
        for t in TABELLE:
            out.append(f"DROP TRIGGER IF EXISTS {t}_sola_aggiunta ON {t};")
            out.append(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};")
        out.append("DROP FUNCTION IF EXISTS core_registro_sola_aggiunta();")
        return out
    return []


def installa(connection) -> None:
    with connection.cursor() as cur:
        for sql in _sql_installa(connection.vendor):
            cur.execute(sql)


def rimuovi(connection) -> None:
    with connection.cursor() as cur:
        for sql in _sql_rimuovi(connection.vendor):
            cur.execute(sql)


def _avanti(apps, schema_editor):
    installa(schema_editor.connection)


def _indietro(apps, schema_editor):
    rimuovi(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(_avanti, _indietro)]
