"""The administrator changes a budget version's inputs in Debian's chromium and sees the bills move.

The demo's 2023 preventivo is approved (its advances are issued), so its inputs are read-only:
the administrator duplicates it into a draft assestamento, where Melegnano's residents at
2022-01-01 (the date of the per-capita services, e.g. CAT) go from 17.972 to 25.000: the
confirmation lists the Comuni whose total moved, Melegnano's bill grows and the explanation of
its CAT share shows the new weight, while the approved preventivo stays as it was. A Comune
operator cannot reach the page of the inputs.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import accedi

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def euro(testo: str) -> int:
    """ "1.234.567 €" → 1234567"""
    return int(re.sub(r"[^\d]", "", testo))


def vai(page, url):
    risposta = page.goto(url)
    page.wait_for_load_state("networkidle")
    return risposta


def riga_melegnano(page):
    nome = page.get_by_role("link", name="Melegnano", exact=True)
    return page.locator("#tabella-riparto tbody tr", has=nome)


def clic(page, locator):
    with page.expect_navigation():
        locator.click()
    page.wait_for_load_state("networkidle")


def test_amministrazione_cambia_la_popolazione_e_la_bolletta_cambia(demo, live_server, page, browser):
    accedi(page, live_server, "amministrazione")
    vai(page, f"{live_server.url}/gestione/riparto/")
    clic(page, page.get_by_role("link", name="Preventivo 2023"))
    riga = riga_melegnano(page)
    totale_prima = euro(riga.locator("td.fw-semibold").inner_text())
    assert totale_prima > 0

    # the bill and the CAT explanation before the change
    clic(page, riga.get_by_role("link", name="Melegnano", exact=True))
    assert euro(page.locator("#totale-comune").inner_text()) == totale_prima
    url_bolletta = page.url
    clic(page, page.locator("#bolletta").get_by_role("link", name="Centro affido familiare", exact=True))
    expect(page.locator("#spiegazione")).to_contain_text("17.972 abitanti")
    url_spiegazione = page.url
    cat_prima = euro(page.locator("#importo").inner_text())

    # the inputs: Melegnano's residents at the reference date of the per-capita services
    vai(page, url_bolletta.split("/comuni/")[0] + "/")
    clic(page, page.get_by_role("link", name="Dati di input"))
    expect(page.locator("#nota-approvata")).to_be_visible()
    expect(page.get_by_label("Abitanti di Melegnano al 2022-01-01")).to_have_count(0)
    clic(page, page.locator("#modulo-duplica").get_by_role("button", name="Duplica"))
    expect(page.locator(".alert-success")).to_contain_text("in bozza")
    versione_nuova = page.url.split("/dati/")[0]
    expect(page.get_by_role("heading", name="Popolazione per Comune e data")).to_be_visible()
    expect(page.get_by_test_id("popolazione")).to_contain_text("Melegnano")
    casella = page.get_by_label("Abitanti di Melegnano al 2022-01-01")
    expect(casella).to_have_value("17972")
    casella.fill("25.000")
    clic(page, page.locator("#popolazione-015140").get_by_role("button", name="Salva"))
    messaggio = page.locator(".alert-success")
    expect(messaggio).to_contain_text("Abitanti di Melegnano al 2022-01-01: 17.972 → 25.000")
    expect(messaggio).to_contain_text(re.compile(r"Ricalcolato: .*Melegnano \+"))
    expect(page.get_by_label("Abitanti di Melegnano al 2022-01-01")).to_have_value("25000")
    expect(page.get_by_test_id("storia")).to_contain_text("amministrazione")
    expect(page.get_by_test_id("storia")).to_contain_text("17.972 → 25.000")

    # the updated table, bill and explanation
    clic(page, page.get_by_role("link", name="Tabella del riparto aggiornata"))
    riga = riga_melegnano(page)
    totale_dopo = euro(riga.locator("td.fw-semibold").inner_text())
    assert totale_dopo > totale_prima
    vai(page, versione_nuova + "/comuni/" + url_bolletta.split("/comuni/")[1])
    assert euro(page.locator("#totale-comune").inner_text()) == totale_dopo
    vai(page, versione_nuova + "/comuni/" + url_spiegazione.split("/comuni/")[1])
    expect(page.locator("#spiegazione")).to_contain_text("25.000 abitanti")
    assert euro(page.locator("#importo").inner_text()) > cat_prima

    # the approved preventivo did not move
    vai(page, url_bolletta)
    assert euro(page.locator("#totale-comune").inner_text()) == totale_prima

    # a Comune operator, at another desk, cannot reach the inputs
    ctx = browser.new_context(locale="it-IT", timezone_id="Europe/Rome")
    try:
        altra = ctx.new_page()
        accedi(altra, live_server, "comune.melegnano")
        url_dati = versione_nuova + "/dati/"
        risposta = vai(altra, url_dati)
        assert risposta.status == 403
        expect(altra.get_by_label("Abitanti di Melegnano al 2022-01-01")).to_have_count(0)
    finally:
        ctx.close()
