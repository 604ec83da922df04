"""A person logs in as each demo role and sees what that role should see, in Debian's chromium."""

import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from .conftest import accedi

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DATI = Path(__file__).resolve().parents[2] / "src" / "ambito" / "demo" / "data"

RUOLI = {
    "direzione": "Direzione",
    "amministrazione": "Amministrazione e controllo di gestione",
    "ufficiodipiano": "Ufficio di piano",
    "coordinatore": "Coordinatore di servizio",
    "assistente": "Operatore",
    "comune.melegnano": "Operatore comunale",
    "erogatore": "Ente erogatore",
    "cittadino": "Cittadino",
    "sistema": "Amministratore di sistema",
}
VEDONO_CONTRATTI = {"direzione", "amministrazione", "ufficiodipiano", "coordinatore", "comune.melegnano"}


def vecchiaia_da_csv(codice_istat: str, nome_file: str) -> str:
    """Old-age index computed straight from the demo CSV, independently of the application."""
    giovani = anziani = 0
    with open(DATI / nome_file, encoding="utf-8-sig", newline="") as fh:
        for riga in csv.DictReader(fh):
            if riga["codice_istat"] != codice_istat:
                continue
            eta, tot = int(riga["eta"]), int(riga["maschi"]) + int(riga["femmine"])
            if eta <= 14:
                giovani += tot
            elif eta >= 65:
                anziani += tot
    valore = (Decimal(anziani) * 100 / Decimal(giovani)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{valore:.2f}".replace(".", ",")


@pytest.mark.parametrize("username", sorted(RUOLI))
def test_each_role_logs_in_and_sees_its_home(demo, live_server, page, username):
    accedi(page, live_server, username)
    assert page.url.rstrip("/") == live_server.url
    assert RUOLI[username] in page.inner_text("main")
    # Public information: every role reaches the territory and the catalogue.
    page.goto(f"{live_server.url}/territorio/")
    assert "San Giuliano Milanese" in page.inner_text("main")
    page.goto(f"{live_server.url}/catalogo/")
    assert "Centro" in page.inner_text("main")
    risposta = page.goto(f"{live_server.url}/catalogo/contratti/")
    if username in VEDONO_CONTRATTI:
        assert risposta.status == 200
        assert "Melegnano" in page.inner_text("main")
    else:
        assert risposta.status == 403


def test_territory_page_shows_indices_matching_a_hand_computation(demo, live_server, page):
    accedi(page, live_server, "ufficiodipiano")
    page.goto(f"{live_server.url}/territorio/")
    testo = page.inner_text("main")
    atteso = vecchiaia_da_csv("015140", "popolazione_2023-01-01.csv")  # Melegnano
    riga = page.locator("tr", has_text="Melegnano").first.inner_text()
    assert atteso in riga, (atteso, riga)
    assert "Media semplice dei Comuni" in testo
    assert "ponderato" in testo


def test_population_pyramid_is_drawn(demo, live_server, page):
    accedi(page, live_server, "direzione")
    page.goto(f"{live_server.url}/territorio/")
    page.get_by_role("link", name="San Zenone al Lambro").first.click()
    page.wait_for_load_state("networkidle")
    assert "San Zenone al Lambro" in page.inner_text("h1")
    canvas = page.locator("canvas").first
    canvas.wait_for()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 200


def test_contract_matrix_shows_the_2023_conferrals(demo, live_server, page):
    accedi(page, live_server, "amministrazione")
    page.goto(f"{live_server.url}/catalogo/contratti/?anno=2023")
    testo = page.inner_text("main")
    for comune in ("Carpiano", "Paullo", "Buccinasco"):
        assert comune in testo


def test_wrong_password_is_refused_in_italian(demo, live_server, page):
    accedi(page, live_server, "direzione", password="sbagliata")
    assert "Nome utente o password non corretti" in page.inner_text("main")
