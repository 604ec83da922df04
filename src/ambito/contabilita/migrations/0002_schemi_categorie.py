"""Seed the category schemes (So.Le.'s 11 categories and the civil-code income statement)."""

from django.db import migrations

from ambito.contabilita.schemi import SCHEMI


def semina(apps, schema_editor):
    Schema = apps.get_model("contabilita", "SchemaCategorie")
    Categoria = apps.get_model("contabilita", "CategoriaCosto")
    for codice, (nome, fonte, categorie) in SCHEMI.items():
        schema, _ = Schema.objects.update_or_create(codice=codice, defaults={"nome": nome, "fonte": fonte})
        for ordine, (cod, nome_cat, tipo) in enumerate(categorie, start=1):
            Categoria.objects.update_or_create(
                schema=schema, codice=cod, defaults={"nome": nome_cat, "tipo": tipo, "ordine": ordine}
            )


class Migration(migrations.Migration):
    dependencies = [("contabilita", "0001_initial")]
    operations = [migrations.RunPython(semina, migrations.RunPython.noop)]
