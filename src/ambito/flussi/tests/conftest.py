"""A small case-record world for the SIUSS flows: the case record's `Mondo` plus the catalogue
crosswalk of the SAD service (codice prestazione A2.07, area di utenza 2) and the Comuni's
codici fiscali (the flows' CFOperatore), and a helper that records a delivery."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from ambito.cartella.services.erogazioni import registra_erogazione
from ambito.cartella.tests.conftest import Mondo
from ambito.catalogo.models import Corrispondenza, TabellaCodici, VoceCodice
from ambito.territorio.models import Ente

DAL = dt.date(2024, 3, 1)
AL = dt.date(2024, 3, 31)


def crosswalk(mondo, servizio, tabella, codice, dal=dt.date(2020, 1, 1)):
    t, _ = TabellaCodici.objects.get_or_create(codice=tabella, defaults={"nome": tabella})
    v, _ = VoceCodice.objects.get_or_create(
        tabella=t, codice=codice, defaults={"denominazione": f"Voce {codice}", "valido_dal": dal}
    )
    return Corrispondenza.objects.create(ambito=mondo.ambito, servizio=servizio, voce=v, valido_dal=dal)


def prepara(mondo):
    crosswalk(mondo, mondo.sad, "siuss_codice_prestazione", "A2.07")
    crosswalk(mondo, mondo.sad, "siuss_area_utenza", "2")
    Ente.objects.filter(pk__in=[mondo.comune.pk, mondo.altro_comune.pk]).update(codice_fiscale="01234567890")
    return mondo


def eroga(mondo, *, persona=None, intervento=None, data=dt.date(2024, 4, 5), importo="100.00", **kw):
    if intervento is None:
        caso = mondo.caso(servizio=mondo.sad, persona=persona)
        intervento = mondo.intervento(caso, erogatore=mondo.coop)
        for k, v in kw.items():
            setattr(intervento, k, v)
        intervento.save()
    return registra_erogazione(
        intervento=intervento,
        dal=DAL,
        al=AL,
        data_erogazione=data,
        quantita="10",
        importo=importo,
        quota_ente=importo,
        finanziamenti=[(mondo.fnps, D(importo))],
        attore=None,
    )


@pytest.fixture
def mondo(db):
    return prepara(Mondo("AMB-F", ("015140", "015195")))


@pytest.fixture
def altro_mondo(db):
    m = prepara(Mondo("AMB-G", ("015192", "015050")))
    # Codici catastali are national: another Ambito's Comuni have their own (id_flusso is unique).
    Ente.objects.filter(pk=m.comune.pk).update(codice_catastale="G200")
    Ente.objects.filter(pk=m.altro_comune.pk).update(codice_catastale="L300")
    return m
