"""End-to-end fixtures: Debian's chromium driven by Playwright against Django's live server."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("AMBITO_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # themselves (fixtures) stay synchronous and safe, so Django's async guard is relaxed here only.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        raise RuntimeError(f"Chromium non trovato in {CHROMIUM}: eseguire `make chromium`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(
        locale="it-IT", timezone_id="Europe/Rome", viewport={"width": 1366, "height": 900}
    )
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture
def demo(transactional_db, settings):
    """The demo Ambito, loaded exactly as `make demo` loads it."""
    from django.core.management import call_command

    settings.DEBUG = True  # the demo refuses to create its users otherwise
    call_command("carica_demo", "--persone", "150", verbosity=0)
    settings.DEBUG = False


def accedi(page, live_server, username, password="demo"):
    page.goto(f"{live_server.url}/accesso/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
