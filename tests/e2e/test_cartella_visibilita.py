"""Who sees what in the case record, in Debian's chromium: a Comune operator sees only its
residents, a provider records hours on its own interventions only, the DPO sees who opened a case."""

import pytest
from django.db.models import Q
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import accedi

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EROGATORE = "Cooperativa Sociale Il Melograno ONLUS"


def vai(page, url):
    risposta = page.goto(url)
    page.wait_for_load_state("networkidle")
    return risposta


def invia(page, nome_pulsante):
    with page.expect_navigation():
        page.get_by_role("button", name=nome_pulsante, exact=True).click()
    page.wait_for_load_state("networkidle")


def clicca_menu(page, voce):
    with page.expect_navigation():
        page.get_by_role("navigation", name="Navigazione principale").get_by_role("link", name=voce).click()
    page.wait_for_load_state("networkidle")


def cerca(page, testo):
    page.fill("#id_q", testo)
    invia(page, "Cerca")


def test_comune_operator_sees_only_its_residents(demo, live_server, page):
    from ambito.cartella.models import Caso, Persona
    from ambito.core.models import AccessoDati
    from ambito.territorio.models import Ente

    melegnano = Ente.objects.get(nome="Melegnano", tipo="comune")
    residente = (
        Persona.objects.filter(residenze__comune=melegnano, residenze__annullato_il__isnull=True)
        .order_by("pk")
        .first()
    )
    assert residente is not None, "the demo has residents of Melegnano"
    # A case of someone who never lived in Melegnano and whose cases Melegnano does not pay for.
    melegnano_c = Q(persona__residenze__comune=melegnano) | Q(persona__casi__comune_responsabile=melegnano)
    altro_caso = (
        Caso.objects.filter(annullato_il__isnull=True)
        .exclude(comune_responsabile=melegnano)
        .exclude(melegnano_c)
        .select_related("persona", "comune_responsabile")
        .order_by("pk")
        .first()
    )
    assert altro_caso is not None
    altro = altro_caso.persona

    accedi(page, live_server, "comune.melegnano")
    clicca_menu(page, "Cartella sociale")
    cerca(page, residente.codice_fiscale)
    risultati = page.get_by_test_id("risultati-ricerca")
    expect(risultati).to_contain_text(f"{residente.cognome} {residente.nome}")
    expect(risultati).to_contain_text(residente.codice_fiscale)

    cerca(page, altro.codice_fiscale)
    expect(page.get_by_test_id("nessun-risultato")).to_contain_text(
        f"Nessuna persona trovata per «{altro.codice_fiscale}»"
    )
    expect(page.get_by_test_id("risultati-ricerca")).to_have_count(0)

    # Typing the other person's case address gives a 404, logged as denied.
    risposta = vai(page, f"{live_server.url}/cartella/casi/{altro_caso.pk}/")
    assert risposta.status == 404
    testo = page.locator("body").inner_text()
    assert altro.cognome not in testo and altro.codice_fiscale not in testo
    assert AccessoDati.objects.filter(
        utente_username="comune.melegnano",
        oggetto_tipo="cartella.Caso",
        oggetto_id=str(altro_caso.pk),
        esito="negato",
    ).exists()
    risposta = vai(page, f"{live_server.url}/cartella/persone/{altro.pk}/")
    assert risposta.status == 404


def test_provider_records_hours_on_its_own_interventions_only(demo, live_server, page):
    from ambito.cartella.models import Attivita, Intervento

    oggi = timezone.localdate()
    in_corso = Intervento.objects.filter(annullato_il__isnull=True).filter(
        Q(al__isnull=True) | Q(al__gte=oggi)
    )
    attesi = set(in_corso.filter(erogatore__nome=EROGATORE).values_list("pk", flat=True))
    altrui = in_corso.exclude(erogatore__nome=EROGATORE).order_by("pk").first()
    assert attesi and altrui is not None

    accedi(page, live_server, "erogatore")
    clicca_menu(page, "Interventi")
    expect(page.get_by_role("heading", name="Interventi affidati al vostro ente")).to_be_visible()
    tabella = page.get_by_test_id("miei-interventi")
    righe = tabella.locator("tbody tr")
    expect(righe).to_have_count(len(attesi))
    elencati = {
        int(href.rstrip("/").rsplit("/", 1)[1])
        for href in tabella.locator("tbody tr td:first-child a").evaluate_all("els => els.map(e => e.href)")
    }
    assert elencati == attesi
    assert altrui.pk not in elencati
    expect(page.locator("main")).to_contain_text(f"{len(attesi)} interventi")

    # Record two and a half hours on the first one.
    riga = righe.first
    nome_persona = riga.locator("td").first.inner_text().strip()
    id_intervento = int(riga.locator("td a").first.get_attribute("href").rstrip("/").rsplit("/", 1)[1])
    intervento = Intervento.objects.select_related("caso__persona").get(pk=id_intervento)
    with page.expect_navigation():
        riga.get_by_role("link", name="Registra attività").click()
    expect(page.get_by_role("heading", name="Registra ore e accessi")).to_be_visible()
    expect(page.locator("#id_intervento option:checked")).to_contain_text(nome_persona)
    expect(page.locator("#id_data")).to_have_value(oggi.isoformat())
    page.select_option("#id_tipo", label="Intervento educativo")
    page.fill("#id_ore", "2,5")
    page.fill("#id_accessi", "1")
    page.fill("#id_note", "Laboratorio compiti a domicilio.")
    invia(page, "Registra")
    expect(page.locator(".alert").first).to_contain_text("Attività registrata.")
    assert page.url.rstrip("/").endswith(f"/cartella/interventi/{id_intervento}")
    riga_attivita = page.get_by_test_id("attivita").locator(
        "tbody tr", has_text="Laboratorio compiti a domicilio."
    )
    expect(riga_attivita).to_have_count(1)
    expect(riga_attivita).to_contain_text(f"{oggi:%d/%m/%Y}")
    expect(riga_attivita).to_contain_text("Elena Melograni")
    expect(riga_attivita).to_contain_text("Intervento educativo")
    expect(riga_attivita.locator("td").nth(3)).to_have_text("2,50")
    # A provider sees hours, not amounts, and no link to the case.
    expect(page.get_by_test_id("importo-totale")).to_have_count(0)
    expect(page.get_by_test_id("erogazioni")).to_have_count(0)
    expect(page.get_by_role("link", name=f"Caso n. {intervento.caso_id}")).to_have_count(0)
    a = Attivita.objects.get(intervento=intervento, note="Laboratorio compiti a domicilio.")
    assert a.operatore.username == "erogatore" and str(a.ore) in ("2.5", "2.50")

    # The case and the person behind it are not the provider's: 404, as for anything out of scope.
    assert vai(page, f"{live_server.url}/cartella/casi/{intervento.caso_id}/").status == 404
    assert vai(page, f"{live_server.url}/cartella/persone/{intervento.caso.persona_id}/").status == 404
    assert vai(page, f"{live_server.url}/cartella/interventi/{altrui.pk}/").status == 404


def test_dpo_sees_who_opened_a_case(demo, live_server, page, browser):
    from ambito.cartella.models import Caso
    from ambito.core.models import AccessoDati
    from ambito.utenti.models import Team

    team = Team.objects.get(nome="Équipe Minori e Famiglia – III Polo")
    caso = (
        Caso.objects.filter(team=team, annullato_il__isnull=True)
        .select_related("persona")
        .order_by("pk")
        .first()
    )
    assert caso is not None

    accedi(page, live_server, "assistente")
    vai(page, f"{live_server.url}/cartella/casi/{caso.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"{caso.persona.cognome} {caso.persona.nome}"
    )
    apertura = AccessoDati.objects.filter(
        utente_username="assistente", oggetto_tipo="cartella.Caso", oggetto_id=str(caso.pk)
    ).latest("momento")
    momento = timezone.localtime(apertura.momento).strftime("%d/%m/%Y %H:%M:%S")

    dpo_ctx = browser.new_context(
        locale="it-IT", timezone_id="Europe/Rome", viewport={"width": 1366, "height": 900}
    )
    try:
        dpo = dpo_ctx.new_page()
        dpo.set_default_timeout(15000)
        accedi(dpo, live_server, "sistema")
        clicca_menu(dpo, "Registro accessi")
        expect(dpo.get_by_role("heading", name="Registro accessi ai dati personali")).to_be_visible()
        dpo.fill("#id_oggetto_tipo", "cartella.Caso")
        dpo.fill("#id_oggetto_id", str(caso.pk))
        invia(dpo, "Filtra")
        righe = dpo.locator("main table tbody tr")
        expect(righe.first).to_be_visible()
        for testo in righe.all_inner_texts():  # the filter kept only this case
            assert "cartella.Caso" in testo and f"\t{caso.pk}\t" in testo, testo
        riga = righe.filter(has_text="assistente").filter(has_text=momento)
        expect(riga).to_have_count(1)
        expect(riga).to_contain_text(f"Caso {caso.pk} · {caso.persona.cognome} {caso.persona.nome}")
        expect(riga.locator(".badge")).to_have_text("consentito", ignore_case=True)
    finally:
        dpo_ctx.close()
