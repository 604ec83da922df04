"""SIUSS end to end in Debian's chromium: the demo's flows are generated, a client playing INPS
pulls them over HTTP from the live server and refuses some; the Ufficio di piano sees the counts
per state on the flows page, then the refused flow's INPS message with the link to its case on
the data-quality page; the link opens the case for a role that may read case records (the
Ufficio di piano itself may not: privacy)."""

import datetime as dt
import re

import pytest

from .conftest import accedi

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_ufficio_di_piano_sees_inps_outcomes_and_fixes_a_refused_flow(page, live_server, demo, settings):
    from ambito.core.models import Ambito
    from ambito.flussi import waas
    from ambito.flussi.models import FlussoSiuss, StatoFlusso
    from ambito.flussi.services import genera_flussi
    from ambito.flussi.simulatore_inps import simula_inps

    settings.WAAS_AUTH = "demo"
    ambito = Ambito.objects.get(codice="ATS-SGM")
    r = genera_flussi(ambito=ambito, dal=dt.date(2025, 1, 1), al=dt.date(2025, 12, 31), attore=None)
    assert r["validi"] > 20
    esito = simula_inps(f"{live_server.url}/waas/v1", waas.token_demo(ambito.codice), rifiuta_ogni=10)
    assert esito.presi == r["validi"] and esito.rifiutati == r["validi"] // 10
    # The first refused row of the quality page (rows are ordered by person).
    rifiutato = (
        FlussoSiuss.objects.filter(stato=StatoFlusso.RIFIUTATO)
        .order_by("persona__cognome", "persona__nome", "id")
        .first()
    )

    accedi(page, live_server, "ufficiodipiano")
    page.goto(f"{live_server.url}/flussi/")
    stati = page.locator("#stati-flussi")
    assert stati.locator('[data-stato="accettato"] strong').inner_text() == str(esito.accettati)
    assert stati.locator('[data-stato="rifiutato"] strong').inner_text() == str(esito.rifiutati)
    assert stati.locator('[data-stato="preso"] strong').inner_text() == "0"
    assert stati.locator('[data-stato="preparato"] strong').inner_text() == "0"

    page.click("text=Qualità dei dati: flussi da correggere")
    page.wait_for_load_state("networkidle")
    riga = page.locator(
        f'tr:has(a[href$="/casi/{rifiutato.caso_id}/"])', has_text="Anagrafe Tributaria"
    ).first
    assert rifiutato.descrizione_esito in riga.inner_text()
    assert f"{rifiutato.persona.cognome} {rifiutato.persona.nome}" in riga.inner_text()
    href = riga.locator(f'a[href$="/casi/{rifiutato.caso_id}/"]').get_attribute("href")
    # The Ufficio di piano may not open case records (privacy): whoever may, fixes the data there.
    page.context.clear_cookies()
    accedi(page, live_server, "direzione")
    page.goto(f"{live_server.url}{href}")
    page.wait_for_load_state("networkidle")
    assert re.search(rf"/casi/{rifiutato.caso_id}/$", page.url)
    assert rifiutato.persona.cognome in page.locator("main").inner_text()
