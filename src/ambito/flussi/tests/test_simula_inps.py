"""INPS played end to end over HTTP against Django's live server: every flow pulled page by page,
outcomes posted, states in the database, refused flows on the data-quality page with INPS's
message and the link to the case, the flows page's counts per state."""

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.urls import reverse

from ambito.flussi import waas
from ambito.flussi.models import FlussoSiuss, StatoFlusso
from ambito.flussi.services import genera_flussi
from ambito.flussi.simulatore_inps import ErroreInps, ms_da_iso, simula_inps

from .conftest import eroga


@pytest.fixture
def demo_auth(settings):
    settings.WAAS_AUTH = "demo"


def test_ms_da_iso_is_exact():
    assert ms_da_iso(waas.iso_ms(1_700_000_000_123)) == 1_700_000_000_123
    assert ms_da_iso("1970-01-01T00:00:00.001Z") == 1


def test_inps_pulls_every_flow_and_refusals_reach_the_quality_page(mondo, live_server, demo_auth):
    for _ in range(7):
        eroga(mondo)
    eroga(mondo, presenza_prova_mezzi="1")  # invalid: never offered to INPS
    genera_flussi(ambito=mondo.ambito, dal=dt.date(2024, 1, 1), al=dt.date(2024, 12, 31), attore=None)
    url = f"{live_server.url}/waas/v1"
    token = waas.token_demo(mondo.ambito.codice)

    r = simula_inps(url, token, rifiuta_ogni=3, limite=2)

    assert (r.presi, r.accettati, r.rifiutati, r.pagine) == (7, 5, 2, 4)
    stati = Counter(FlussoSiuss.objects.values_list("stato", flat=True))
    assert stati == {StatoFlusso.ACCETTATO: 5, StatoFlusso.RIFIUTATO: 2, StatoFlusso.INVALIDO: 1}
    rifiutati = list(FlussoSiuss.objects.filter(stato=StatoFlusso.RIFIUTATO).order_by("ts_flusso"))
    assert [f.id_flusso for f in rifiutati] == r.rifiutati_id
    for f in rifiutati:
        assert f.codice_esito == "RICHIESTA_INVALIDA" and "Anagrafe Tributaria" in f.descrizione_esito
        assert f.id_acquisizione_siuss == "" and f.ts_acquisizione is not None
    assert all(f.id_acquisizione_siuss for f in FlussoSiuss.objects.filter(stato=StatoFlusso.ACCETTATO))
    # Nothing is offered again once the outcomes are in.
    assert simula_inps(url, token).presi == 0

    c = mondo.client(mondo.ufficiodipiano)
    testo = c.get(reverse("flussi:qualita")).content.decode()
    assert "Anagrafe Tributaria" in testo and "esito INPS RICHIESTA_INVALIDA" in testo
    for f in rifiutati:
        assert reverse("cartella:caso", args=[f.caso_id]) in testo
    elenco = c.get(reverse("flussi:elenco")).content.decode()
    for stato, n in ((StatoFlusso.ACCETTATO, 5), (StatoFlusso.RIFIUTATO, 2), (StatoFlusso.PRESO, 0)):
        assert f'data-stato="{stato}"' in elenco
        assert f"{StatoFlusso(stato).label}</a>: <strong>{n}</strong>" in elenco


def test_flows_taken_but_not_answered_show_as_taken(mondo, live_server, demo_auth, monkeypatch):
    """INPS took a page and fell over before answering: the flows stay `preso` and are offered
    again from the same `since` (INPS retries)."""
    from ambito.flussi import simulatore_inps

    for _ in range(3):
        eroga(mondo)
    genera_flussi(ambito=mondo.ambito, dal=dt.date(2024, 1, 1), al=dt.date(2024, 12, 31), attore=None)
    url, token = f"{live_server.url}/waas/v1", waas.token_demo(mondo.ambito.codice)
    vero = simulatore_inps._chiama

    def senza_esiti(metodo, *a, **k):
        if metodo == "POST":
            raise ErroreInps("caduta simulata")
        return vero(metodo, *a, **k)

    monkeypatch.setattr(simulatore_inps, "_chiama", senza_esiti)
    with pytest.raises(ErroreInps):
        simula_inps(url, token, limite=100)
    assert set(FlussoSiuss.objects.values_list("stato", flat=True)) == {StatoFlusso.PRESO}
    monkeypatch.setattr(simulatore_inps, "_chiama", vero)
    assert simula_inps(url, token).accettati == 3
    assert set(FlussoSiuss.objects.values_list("stato", flat=True)) == {StatoFlusso.ACCETTATO}


def test_command_reports_counts(mondo, live_server, demo_auth, capsys):
    for _ in range(2):
        eroga(mondo)
    genera_flussi(ambito=mondo.ambito, dal=dt.date(2024, 1, 1), al=dt.date(2024, 12, 31), attore=None)
    call_command(
        "waas", "simula-inps", "--url", f"{live_server.url}/waas/v1", "--ambito", mondo.ambito.codice,
        "--rifiuta-ogni", "2",
    )  # fmt: skip
    assert "prelevati in 1 pagine; accettati 1, rifiutati 1." in capsys.readouterr().out
