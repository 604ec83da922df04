"""Load the national code tables shipped in catalogo/data/ (every install gets them)."""

import datetime as dt

from django.db import migrations


def carica(apps, schema_editor):
    from ambito.catalogo.codici_csv import tabelle_spedite

    TabellaCodici = apps.get_model("catalogo", "TabellaCodici")
    VoceCodice = apps.get_model("catalogo", "VoceCodice")
    for t in tabelle_spedite():
        tabella, _ = TabellaCodici.objects.update_or_create(
            codice=t["codice"], defaults={"nome": t["nome"], "fonte": t["fonte"]}
        )
        valido_dal = dt.date.fromisoformat(t["valido_dal"])
        for voce in t["voci"]:
            VoceCodice.objects.get_or_create(
                tabella=tabella, codice=voce.codice, valido_dal=valido_dal,
                defaults={"denominazione": voce.denominazione},
            )


def scarica(apps, schema_editor):
    from ambito.catalogo.codici_csv import tabelle_spedite

    TabellaCodici = apps.get_model("catalogo", "TabellaCodici")
    VoceCodice = apps.get_model("catalogo", "VoceCodice")
    codici = [t["codice"] for t in tabelle_spedite()]
    VoceCodice.objects.filter(tabella__codice__in=codici).delete()
    TabellaCodici.objects.filter(codice__in=codici).delete()


class Migration(migrations.Migration):
    dependencies = [("catalogo", "0002_catalogo_esteso")]

    operations = [migrations.RunPython(carica, scarica)]
