"""crea_comune and registra_adesione: idempotent, validated, audited."""

import pytest
from django.core.exceptions import ValidationError

from ambito.core.models import EventoAudit
from ambito.territorio.models import Adesione, Ente
from ambito.territorio.services import crea_comune, registra_adesione


def test_crea_comune_idempotente(ambito):
    a = crea_comune(
        ambito=ambito, nome="Paullo", codice_istat="015169", codice_catastale="g385", provincia="mi"
    )
    b = crea_comune(
        ambito=ambito, nome="Paullo", codice_istat="015169", codice_catastale="G385", provincia="MI"
    )
    assert a.pk == b.pk and b.codice_catastale == "G385" and b.provincia == "MI"
    assert Ente.objects.count() == 1
    assert EventoAudit.objects.filter(azione="territorio.crea_comune").count() == 1
    crea_comune(ambito=ambito, nome="Paullo (MI)", codice_istat="015169")
    assert EventoAudit.objects.filter(azione="territorio.modifica_comune").count() == 1


def test_crea_comune_codici_non_validi(ambito):
    with pytest.raises(ValidationError):
        crea_comune(ambito=ambito, nome="X", codice_istat="15169")
    with pytest.raises(ValidationError):
        crea_comune(ambito=ambito, nome="X", codice_istat="015169", codice_catastale="1234")
    assert not Ente.objects.exists()


def test_adesioni(ambito, comuni):
    c = comuni["015050"]
    registra_adesione(comune=c, anno=2022, socio_azienda=True, membro_ambito=True)
    registra_adesione(comune=c, anno=2022, socio_azienda=True, membro_ambito=True)
    registra_adesione(comune=c, anno=2023, membro_ambito=True, note="recesso dall'Azienda")
    assert Adesione.objects.filter(comune=c).count() == 2
    assert EventoAudit.objects.filter(azione="territorio.registra_adesione").count() == 2
    with pytest.raises(ValidationError, match="solo cliente"):
        registra_adesione(comune=c, anno=2024, solo_cliente=True, membro_ambito=True)
    with pytest.raises(ValidationError, match="altro Ambito"):
        registra_adesione(comune=c, anno=2024, membro_ambito=True, ambito_di_appartenenza="Ambito Paullese")
    assert not Adesione.objects.filter(anno=2024).exists()


def test_crea_ente_non_comune(ambito):
    from ambito.territorio.services import crea_ente

    asl = crea_ente(ambito=ambito, tipo="asst", nome="ASL Milano 2")
    asst = crea_ente(ambito=ambito, tipo="asst", nome="ASST Melegnano e Martesana", predecessore=asl)
    assert (
        crea_ente(ambito=ambito, tipo="asst", nome="asst melegnano e martesana", predecessore=asl).pk
        == asst.pk
    )
    assert asst.predecessore == asl
    with pytest.raises(ValidationError, match="crea_comune"):
        crea_ente(ambito=ambito, tipo="comune", nome="Paullo")
