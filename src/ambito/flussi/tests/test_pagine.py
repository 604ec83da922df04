"""The flows' list and the data-quality page: who sees them, Ambito isolation, pagination per
group, and a number of queries that does not grow with the rows."""

import datetime as dt

import pytest
from django.urls import reverse

from ambito.flussi import selectors
from ambito.flussi.models import FlussoSiuss, StatoFlusso
from ambito.flussi.services import genera_flussi

from .conftest import eroga

ELENCO, QUALITA = reverse("flussi:elenco"), reverse("flussi:qualita")


def genera(mondo):
    return genera_flussi(ambito=mondo.ambito, dal=dt.date(2024, 1, 1), al=dt.date(2024, 12, 31), attore=None)


def test_pages_render_for_ufficio_di_piano(mondo):
    erog = eroga(mondo)
    invalida = eroga(mondo, presenza_prova_mezzi="1")
    genera(mondo)
    c = mondo.client(mondo.ufficiodipiano)
    r = c.get(ELENCO)
    assert r.status_code == 200
    valido = FlussoSiuss.objects.get(erogazione=erog)
    assert valido.id_flusso in r.content.decode()
    r = c.get(QUALITA)
    testo = r.content.decode()
    assert r.status_code == 200 and "NumeroProtocolloDSU" in testo
    # The link to fix it: the intervention and the case of the delivery.
    assert reverse("cartella:intervento", args=[invalida.intervento_id]) in testo
    assert reverse("cartella:caso", args=[invalida.intervento.caso_id]) in testo


@pytest.mark.parametrize("ruolo", ["operatore", "cittadino", "erogatore", "comunale", "amministrazione"])
def test_roles_without_permission_are_refused(mondo, ruolo):
    c = mondo.client(getattr(mondo, ruolo))
    for url in (ELENCO, QUALITA):
        assert c.get(url).status_code in (403, 404)


def test_anonymous_goes_to_login(db):
    from django.test import Client

    r = Client().get(ELENCO)
    assert r.status_code == 302


def test_another_ambitos_flows_never_shown(mondo, altro_mondo):
    eroga(mondo)
    eroga(altro_mondo)
    eroga(altro_mondo, presenza_prova_mezzi="1")
    genera(mondo)
    genera(altro_mondo)
    altrui = FlussoSiuss.objects.get(ambito=altro_mondo.ambito, stato=StatoFlusso.PREPARATO)
    altrui_invalido = FlussoSiuss.objects.get(ambito=altro_mondo.ambito, stato=StatoFlusso.INVALIDO)
    c = mondo.client(mondo.ufficiodipiano)
    assert altrui.id_flusso not in c.get(ELENCO).content.decode()
    testo = c.get(QUALITA).content.decode()
    assert "Nessun problema" in testo
    assert reverse("cartella:caso", args=[altrui_invalido.caso_id]) not in testo


def _invalidi(mondo, n):
    for _ in range(n):
        eroga(mondo, presenza_prova_mezzi="1")
    genera(mondo)


def test_quality_page_paginated_per_group(mondo):
    _invalidi(mondo, 5)
    gruppi = selectors.problemi_raggruppati(mondo.ambito, per_pagina=2)
    (g,) = [g for g in gruppi if g["oggetto"] == "isee"]
    assert (g["n"], g["pagine"], g["pagina"], len(g["righe"]), g["successiva"]) == (5, 3, 1, 2, 2)
    ultima = selectors.problemi_raggruppati(mondo.ambito, per_pagina=2, gruppo=g["chiave"], pagina=3)
    (g3,) = [x for x in ultima if x["chiave"] == g["chiave"]]
    assert (g3["pagina"], len(g3["righe"]), g3["successiva"], g3["precedente"]) == (3, 1, None, 2)
    tutte = {r["flusso"].pk for p in (1, 2, 3) for x in selectors.problemi_raggruppati(
        mondo.ambito, per_pagina=2, gruppo=g["chiave"], pagina=p) if x["chiave"] == g["chiave"]
        for r in x["righe"]}  # fmt: skip
    assert len(tutte) == 5
    # Out-of-range or malformed pages fall back to a valid one.
    r = mondo.client(mondo.ufficiodipiano).get(QUALITA, {"gruppo": g["chiave"], "pagina": "x"})
    assert r.status_code == 200


def test_quality_page_shows_50_rows_per_group(mondo):
    _invalidi(mondo, 52)
    c = mondo.client(mondo.ufficiodipiano)
    g = next(x for x in selectors.problemi_raggruppati(mondo.ambito) if x["oggetto"] == "isee")
    testo = c.get(QUALITA).content.decode()
    assert testo.count("NumeroProtocolloDSU: manca") == 50 and "Pagina 1 di 2" in testo
    assert f"?gruppo={g['chiave']}&amp;pagina=2" in testo
    testo = c.get(QUALITA, {"gruppo": g["chiave"], "pagina": 2}).content.decode()
    assert testo.count("NumeroProtocolloDSU: manca") == 2 and "Pagina 2 di 2" in testo


def _conta_query(django_assert_num_queries, c, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert c.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [ELENCO, QUALITA])
def test_constant_queries(mondo, django_assert_num_queries, url):
    _invalidi(mondo, 2)
    for _ in range(2):
        eroga(mondo)
    genera(mondo)
    c = mondo.client(mondo.ufficiodipiano)
    c.get(url)  # warm the session and caches
    n = _conta_query(django_assert_num_queries, c, url)
    _invalidi(mondo, 4)
    for _ in range(4):
        eroga(mondo)
    genera(mondo)
    with django_assert_num_queries(n):
        assert c.get(url).status_code == 200
