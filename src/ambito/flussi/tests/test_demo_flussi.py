"""The demo's SIUSS flows: on a small demo every flow generated from the synthetic case records
validates against INPS's XSD, except the deliberate data-quality example (a minor's delivery
dated before the minor's SINBA assessment was approved: see docs/flussi.md)."""

import datetime as dt

import pytest

from ambito.cartella import siuss_codici
from ambito.cartella.models import Valutazione
from ambito.core.models import Ambito
from ambito.demo.services import carica_demo
from ambito.flussi import engine as e
from ambito.flussi.models import FlussoSiuss, StatoFlusso
from ambito.flussi.services import genera_flussi

ESEMPIO_VOLUTO = "valutazione del minore (SINBA) approvata"


@pytest.fixture
def demo_piccolo(db, settings):
    settings.DEBUG = True  # the demo refuses to create its users otherwise
    carica_demo(persone=200)
    return Ambito.objects.get(codice="ATS-SGM")


def test_every_demo_flow_validates_against_the_xsd(demo_piccolo):
    r = genera_flussi(ambito=demo_piccolo, dal=dt.date(2022, 1, 1), al=dt.date(2026, 12, 31), attore=None)
    flussi = FlussoSiuss.objects.filter(ambito=demo_piccolo)
    assert r["validi"] > 1000 and flussi.filter(tipo=e.SINBA, stato=StatoFlusso.PREPARATO).exists()
    for tipo, stato, xml, errori in flussi.values_list("tipo", "stato", "xml", "errori"):
        if stato == StatoFlusso.PREPARATO:
            assert e.valida(tipo, xml.encode()) == [], xml
        else:  # only the deliberate example: no assessment yet, hence no SINBA attributes either
            assert tipo == e.SINBA and ESEMPIO_VOLUTO in {p["campo"] for p in errori}, errori
            assert {p["oggetto"] for p in errori} == {"valutazione"}, errori
    assert r["invalidi"] <= r["validi"] // 100


def test_demo_sinba_assessments_are_complete(demo_piccolo):
    valutazioni = Valutazione.objects.filter(ambito=demo_piccolo, tipo="minori")
    assert valutazioni.exists()
    for dati in valutazioni.values_list("dati_sinba", flat=True):
        assert siuss_codici.valida_sinba(dati) == [], dati
