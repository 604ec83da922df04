"""The social worker's main path through the case record, in Debian's chromium.

A minor who is not yet in the register is searched, created, received at the segretariato
sociale, taken in charge by the minors' service, assessed, given an approved plan, an
intervention with a provider, a delivery paid by two funds, a diary entry, and closed. The
coordinator approves what needs approval. Every step is checked as a person would see it.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import accedi

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

COGNOME, NOME = "Zanardelli", "Ottavia"
NASCITA = dt.date(2013, 9, 14)
BELFIORE_MELEGNANO = "F100"
COMUNE_RESIDENZA = "San Donato Milanese"
SERVIZIO_MINORI = "Servizi minori e famiglia e equipe educativa"
VOCE_MINORI = f"MINORI – {SERVIZIO_MINORI}"  # how the service reads in a drop-down
TEAM_MINORI = "Équipe Minori e Famiglia – III Polo"
EROGATORE = "Cooperativa Sociale Il Melograno ONLUS"


@pytest.fixture
def nuova_pagina(browser):
    """Another browser context (another person at another desk), closed at the end."""
    contesti = []

    def crea():
        ctx = browser.new_context(
            locale="it-IT", timezone_id="Europe/Rome", viewport={"width": 1366, "height": 900}
        )
        contesti.append(ctx)
        pg = ctx.new_page()
        pg.set_default_timeout(15000)
        return pg

    yield crea
    for ctx in contesti:
        ctx.close()


def invia(page, nome_pulsante):
    """Click a submit button by its visible name and wait for the page that answers."""
    with page.expect_navigation():
        page.get_by_role("button", name=nome_pulsante, exact=True).click()
    page.wait_for_load_state("networkidle")


def vai(page, url):
    risposta = page.goto(url)
    page.wait_for_load_state("networkidle")
    return risposta


def messaggio(page):
    return page.locator(".alert").first


def apri_scheda(page, nome_scheda):
    page.get_by_role("tab", name=nome_scheda).click()
    expect(page.get_by_role("tabpanel", name=nome_scheda)).to_be_visible()


def stato_caso(page):
    return page.get_by_test_id("stato-caso")


def cronologia(page):
    return page.get_by_test_id("cronologia")


def test_social_worker_takes_a_minor_from_first_access_to_closure(demo, live_server, page, nuova_pagina):
    from ambito.cartella.codice_fiscale import genera
    from ambito.cartella.models import Caso, Erogazione, Intervento, Persona

    oggi = timezone.localdate()
    iso = oggi.isoformat()
    cf = genera(
        cognome=COGNOME, nome=NOME, data_nascita=NASCITA, sesso="F", codice_belfiore=BELFIORE_MELEGNANO
    )
    base = live_server.url

    # --- 1. search: she is not there yet --------------------------------------------------------
    accedi(page, live_server, "assistente")
    page.get_by_role("link", name="Cartella sociale").first.click()
    page.wait_for_load_state("networkidle")
    page.fill("#id_q", cf)
    invia(page, "Cerca")
    expect(page.get_by_test_id("nessun-risultato")).to_contain_text(f"Nessuna persona trovata per «{cf}»")

    # --- 2. create her: a minor resident in a Comune of the Ambito --------------------------------
    with page.expect_navigation():
        page.get_by_test_id("nessun-risultato").get_by_role(
            "link", name="Registrare una nuova persona"
        ).click()
    expect(page.get_by_role("heading", name="Nuova persona")).to_be_visible()
    page.fill("#id_codice_fiscale", cf)
    page.fill("#id_cognome", COGNOME)
    page.fill("#id_nome", NOME)
    page.select_option("#id_sesso", "F")
    page.fill("#id_data_nascita", NASCITA.isoformat())
    page.select_option("#id_comune", label=COMUNE_RESIDENZA)
    page.fill("#id_indirizzo", "Via Emilia 12")
    page.fill("#id_residenza_dal", NASCITA.isoformat())
    invia(page, "Salva")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{COGNOME} {NOME}")
    expect(page.get_by_test_id("cf")).to_have_text(cf)
    expect(page.get_by_test_id("stato-cf")).to_have_text("CF verificato")
    expect(page.get_by_test_id("residenza-attuale")).to_contain_text(f"{COMUNE_RESIDENZA}, Via Emilia 12")
    expect(page.locator("main")).to_contain_text("Melegnano")  # birthplace decoded from the CF
    persona = Persona.objects.get(codice_fiscale=cf)

    # Now the search finds her.
    vai(page, f"{base}/cartella/?q={cf}")
    risultati = page.get_by_test_id("risultati-ricerca")
    expect(risultati).to_contain_text(f"{COGNOME} {NOME}")
    expect(risultati).to_contain_text(COMUNE_RESIDENZA)
    risultati.get_by_role("link", name=f"{COGNOME} {NOME}").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{COGNOME} {NOME}")

    # --- 3. first access at the segretariato sociale / PUA ---------------------------------------
    with page.expect_navigation():
        page.get_by_role("link", name="Nuovo accesso").click()
    expect(page.get_by_role("heading", name="Accesso al segretariato sociale / PUA")).to_be_visible()
    expect(page.locator("#id_data")).to_have_value(iso)
    expect(page.locator("#id_comune option:checked")).to_have_text(COMUNE_RESIDENZA)
    page.select_option("#id_canale", label="Scuola")
    page.fill("#id_richiesta", "La scuola segnala assenze ripetute e difficoltà della famiglia.")
    page.select_option("#id_esito_triage", label="Bisogno sociale")
    page.select_option("#id_servizio_destinazione", label=VOCE_MINORI)
    invia(page, "Registra l'accesso")
    expect(messaggio(page)).to_contain_text("Accesso registrato.")
    riga_accesso = page.get_by_test_id("elenco-accessi").locator("tr", has_text=f"{COGNOME} {NOME}")
    expect(riga_accesso).to_have_count(1)
    expect(riga_accesso).to_contain_text("Scuola")
    expect(riga_accesso).to_contain_text(SERVIZIO_MINORI)

    # --- 4. open the case from the access: service, team and Comune --------------------------------
    with page.expect_navigation():
        riga_accesso.get_by_role("link", name="Apri caso").click()
    expect(page.get_by_role("heading", name="Nuova presa in carico")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Dall'accesso del")
    expect(page.locator("#id_servizio option:checked")).to_have_text(VOCE_MINORI)
    expect(page.locator("#id_comune_responsabile option:checked")).to_have_text(COMUNE_RESIDENZA)
    expect(page.locator("#id_data_apertura")).to_have_value(iso)
    expect(page.locator("#id_operatore_1 option:checked")).to_contain_text("Anna Sociali")
    page.select_option("#id_team", label=TEAM_MINORI)  # not proposed by the form: chosen by hand
    page.fill("#id_motivo_apertura", "Segnalazione della scuola: sostegno educativo alla famiglia.")
    invia(page, "Apri la presa in carico")
    expect(messaggio(page)).to_contain_text("Presa in carico aperta.")
    caso = Caso.objects.get(persona=persona)
    assert page.url.rstrip("/").endswith(f"/cartella/casi/{caso.pk}")
    intestazione = page.get_by_test_id("intestazione-caso")
    expect(intestazione).to_contain_text(SERVIZIO_MINORI)
    expect(intestazione).to_contain_text("area minori")
    expect(intestazione).to_contain_text(COMUNE_RESIDENZA)
    expect(intestazione).to_contain_text(TEAM_MINORI)
    expect(page.get_by_test_id("operatori")).to_contain_text("Anna Sociali")
    expect(stato_caso(page)).to_have_text("In valutazione")
    expect(cronologia(page)).to_contain_text(f"Presa in carico: {SERVIZIO_MINORI}")
    expect(cronologia(page).locator("tr[data-tipo=accesso]")).to_contain_text("Scuola · Bisogno sociale")
    url_caso = page.url

    # --- 5. assessment, sent for approval ---------------------------------------------------------
    with page.expect_navigation():
        page.get_by_test_id("azioni-caso").get_by_role("link", name="Nuova valutazione").click()
    expect(page.get_by_role("heading", name="Nuova valutazione")).to_be_visible()
    page.select_option("#id_tipo", "professionale")
    page.wait_for_load_state("networkidle")
    page.fill("#id_data", iso)
    page.fill(
        "#id_testo",
        "Ottavia frequenta la seconda media con molte assenze; la madre chiede aiuto. "
        "Si propone un intervento educativo domiciliare.",
    )
    invia(page, "Salva")
    expect(messaggio(page)).to_contain_text("Valutazione registrata.")
    expect(page.get_by_role("heading", name="Valutazione professionale", level=1)).to_be_visible()
    expect(page.get_by_test_id("stato")).to_have_text("Bozza")
    invia(page, "Invia in approvazione")
    expect(messaggio(page)).to_contain_text("Valutazione inviata in approvazione.")
    expect(page.get_by_test_id("stato")).to_have_text("Da approvare")
    expect(page.get_by_test_id("approva")).to_have_count(0)  # the author does not approve her own
    url_valutazione = page.url

    # --- 6. the coordinator approves it -------------------------------------------------------------
    coord = nuova_pagina()
    accedi(coord, live_server, "coordinatore")
    vai(coord, url_valutazione)
    expect(coord.get_by_test_id("stato")).to_have_text("Da approvare")
    invia(coord, "Approva")
    expect(messaggio(coord)).to_contain_text("Valutazione approvata.")
    expect(coord.get_by_test_id("stato")).to_have_text("Approvata")
    expect(coord.locator("main")).to_contain_text("approvata da Carla Coordi")

    vai(page, url_caso)
    expect(cronologia(page).locator("tr", has_text="Valutazione approvata")).to_contain_text("Carla Coordi")
    expect(stato_caso(page)).to_have_text("In valutazione")

    # --- 7. the individual plan: a goal and a planned intervention, approved -----------------------
    with page.expect_navigation():
        page.get_by_test_id("azioni-caso").get_by_role("link", name="Nuovo progetto").click()
    expect(page.get_by_role("heading", name="Nuovo progetto individualizzato")).to_be_visible()
    page.fill("#id_data_inizio", iso)
    page.fill("#id_sintesi", "Sostegno educativo domiciliare e raccordo con la scuola.")
    page.fill("#id_obiettivi-0-descrizione", "Frequenza scolastica regolare")
    page.fill("#id_obiettivi-0-indicatore", "Assenze sotto il 10% nel quadrimestre")
    expect(page.locator("#id_interventi-0-servizio option:checked")).to_have_text(VOCE_MINORI)
    page.select_option("#id_interventi-0-erogatore", label=EROGATORE)
    page.fill("#id_interventi-0-quantita", "4")
    page.select_option("#id_interventi-0-periodicita", "mese")
    page.fill("#id_interventi-0-dal", iso)
    invia(page, "Salva")
    expect(messaggio(page)).to_contain_text("Progetto registrato (versione 1, bozza).")
    expect(page.get_by_test_id("stato")).to_have_text("Bozza")
    expect(page.locator("main")).to_contain_text("Frequenza scolastica regolare")
    expect(page.locator("main table").first).to_contain_text(EROGATORE)
    invia(page, "Invia in approvazione")
    expect(page.get_by_test_id("stato")).to_have_text("Da approvare")
    url_progetto = page.url

    vai(coord, url_progetto)
    invia(coord, "Approva la versione 1")
    expect(messaggio(coord)).to_contain_text("Versione 1 approvata.")
    expect(coord.get_by_test_id("stato")).to_have_text("Approvata")

    vai(page, url_caso)
    expect(stato_caso(page)).to_have_text("Progetto attivo")
    expect(cronologia(page).locator("tr", has_text="Progetto approvato")).to_contain_text(
        "Versione 1 approvata"
    )
    apri_scheda(page, "Valutazioni e progetto")
    expect(page.locator("#sezione-progetti")).to_contain_text("Frequenza scolastica regolare")

    # --- 8. the intervention with the provider -----------------------------------------------------
    with page.expect_navigation():
        page.get_by_test_id("azioni-caso").get_by_role("link", name="Nuovo intervento").click()
    expect(page.get_by_role("heading", name=f"Avvia un intervento per {COGNOME} {NOME}")).to_be_visible()
    expect(page.locator("#id_servizio option:checked")).to_have_text(VOCE_MINORI)
    page.select_option("#id_erogatore", label=EROGATORE)
    expect(page.locator("#id_dal")).to_have_value(iso)
    page.fill("#id_quantita_prevista", "12")
    invia(page, "Avvia l'intervento")
    expect(messaggio(page)).to_contain_text("Intervento avviato.")
    dati = page.get_by_test_id("dati-intervento")
    expect(dati).to_contain_text(EROGATORE)
    expect(dati).to_contain_text(f"dal {oggi:%d/%m/%Y} (in corso)")
    intervento = Intervento.objects.get(caso=caso)
    url_intervento = page.url

    # --- 9. a delivery: first funds that do not add up, then right ----------------------------------
    with page.expect_navigation():
        page.get_by_role("link", name="Registra erogazione").click()
    expect(page.get_by_role("heading", name="Nuova erogazione")).to_be_visible()
    page.fill("#id_dal", iso)  # the intervention started today
    page.fill("#id_al", iso)
    expect(page.locator("#id_data_erogazione")).to_have_value(iso)
    page.fill("#id_quantita", "1")
    page.fill("#id_importo", "1.534,56")
    page.fill("#id_quota_ente", "1.234,56")
    page.fill("#id_quota_utente", "300,00")
    page.select_option("#id_fondi-0-fondo", label="B6 – Fondo regionale minori (B6)")
    page.fill("#id_fondi-0-importo", "800,00")
    page.select_option("#id_fondi-1-fondo", label="FNPS – Fondo nazionale politiche sociali")
    page.fill("#id_fondi-1-importo", "400,00")
    # The page checks as one types...
    expect(page.locator("#verifica-quote")).to_have_text("Le quote corrispondono all'importo.")
    expect(page.locator("#verifica-fondi")).to_contain_text("mancano 34,56 €")
    # ... and the server refuses: nothing stored.
    invia(page, "Registra")
    errori_fondi = page.get_by_test_id("errori-fondi")
    expect(errori_fondi).to_contain_text(
        "I fondi indicati sommano 1.200,00 € ma la quota ente è 1.234,56 €: mancano 34,56 €."
    )
    assert Erogazione.objects.filter(intervento=intervento).count() == 0
    # What was typed is still there; correct the second fund.
    expect(page.locator("#id_importo")).to_have_value("1.534,56")
    page.fill("#id_fondi-1-importo", "434,56")
    # (the browser's it-IT format does not group four-digit numbers: 1234,56 here, 1.234,56 elsewhere)
    expect(page.locator("#verifica-fondi")).to_have_text(
        re.compile(r"I fondi coprono la quota ente \(1\.?234,56 €\)\.")
    )
    invia(page, "Registra")
    expect(messaggio(page)).to_contain_text("Erogazione registrata.")
    assert page.url == url_intervento
    expect(page.get_by_test_id("importo-totale")).to_have_text("1.534,56 €")
    riepilogo = page.get_by_test_id("riepilogo")
    expect(riepilogo).to_contain_text("quota ente 1.234,56 € · quota utente 300,00 €")
    expect(riepilogo).to_contain_text("800,00 €")
    expect(riepilogo).to_contain_text("434,56 €")
    riga = page.get_by_test_id("erogazioni").locator("tbody tr")
    expect(riga).to_have_count(1)
    expect(riga).to_contain_text("1.534,56 €")
    expect(riga).to_contain_text("B6 800,00; FNPS 434,56")
    erogazione = Erogazione.objects.get(intervento=intervento)
    assert erogazione.importo == Decimal("1534.56")
    assert sorted((f.fondo.codice, f.importo) for f in erogazione.finanziamenti.all()) == [
        ("B6", Decimal("800.00")),
        ("FNPS", Decimal("434.56")),
    ]

    # --- 10. a diary entry ------------------------------------------------------------------------
    vai(page, url_caso)
    with page.expect_navigation():
        page.get_by_test_id("azioni-caso").get_by_role("link", name="Annotazione di diario").click()
    expect(page.get_by_role("heading", name="Nuova annotazione di diario")).to_be_visible()
    page.fill("#id_testo", "Colloquio con la madre: accetta l'educatrice a domicilio due volte a settimana.")
    expect(page.get_by_label("Ordinaria")).to_be_checked()
    invia(page, "Salva")
    expect(messaggio(page)).to_contain_text(f"Annotazione del {oggi:%d/%m/%Y} registrata.")

    # The timeline tells the whole story so far.
    vai(page, url_caso)
    tl = cronologia(page)
    expect(tl.locator("tr[data-tipo=accesso]")).to_have_count(1)
    expect(tl.locator("tr[data-tipo=caso_apertura]")).to_contain_text(f"Presa in carico: {SERVIZIO_MINORI}")
    expect(tl.locator("tr[data-tipo=valutazione]", has_text="Valutazione approvata")).to_have_count(1)
    expect(tl.locator("tr[data-tipo=progetto]", has_text="Progetto approvato")).to_have_count(1)
    expect(tl.locator("tr[data-tipo=intervento]")).to_contain_text(f"{SERVIZIO_MINORI} · {EROGATORE}")
    expect(tl.locator("tr[data-tipo=erogazione]")).to_contain_text("1.534,56 €")
    expect(tl.locator("tr[data-tipo=diario]")).to_contain_text("Colloquio con la madre")
    apri_scheda(page, "Interventi")
    expect(page.get_by_test_id("sezione-erogazioni")).to_contain_text("Importo finora 1.534,56 €")

    # --- 11. closure with reason and outcome --------------------------------------------------------
    apri_scheda(page, "Chiusura")
    expect(page.locator("#chiusura_data")).to_have_value(iso)
    page.select_option("#chiusura_motivo", label="Progetto concluso")
    page.select_option("#chiusura_esito", label="Obiettivi raggiunti")
    page.fill("#chiusura_note", "Frequenza regolare da due mesi.")
    invia(page, "Chiudi il caso")
    expect(messaggio(page)).to_contain_text("Caso chiuso.")
    expect(stato_caso(page)).to_have_text("Chiuso")
    expect(page.get_by_test_id("intestazione-caso")).to_contain_text(
        re.compile(rf"Chiuso il\s*{oggi:%d/%m/%Y}")
    )
    expect(cronologia(page).locator("tr[data-tipo=caso_chiusura]")).to_contain_text(
        "Chiusura: Progetto concluso · Obiettivi raggiunti · Frequenza regolare da due mesi."
    )
    expect(page.get_by_test_id("azioni-caso")).to_have_count(0)  # nothing new on a closed case
    caso.refresh_from_db()
    assert caso.chiuso_il == oggi

    # The person's page lists the closed case.
    with page.expect_navigation():
        page.get_by_role("heading", level=1).get_by_role("link", name=f"{COGNOME} {NOME}").click()
    expect(page.get_by_test_id("casi")).to_contain_text(f"chiuso il {oggi:%d/%m/%Y}")
