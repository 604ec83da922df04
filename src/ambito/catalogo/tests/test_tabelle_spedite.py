import pytest

from ambito.catalogo.models import TabellaCodici, VoceCodice
from ambito.catalogo.services import assicura_tabelle_codici


@pytest.mark.django_db
def test_missing_shipped_tables_are_recreated_and_existing_ones_left_alone():
    assert assicura_tabelle_codici() == 0  # the data migration already loaded them all
    VoceCodice.objects.filter(tabella__codice="siuss_area_utenza").delete()
    TabellaCodici.objects.filter(codice="siuss_area_utenza").delete()
    assert assicura_tabelle_codici() == 1
    voci = dict(
        VoceCodice.objects.filter(tabella__codice="siuss_area_utenza").values_list("codice", "denominazione")
    )
    assert sorted(voci) == ["1", "2", "3"]
    assert assicura_tabelle_codici() == 0
