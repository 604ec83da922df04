"""Found by the end-to-end tests: the provider's only page ("Interventi affidati al vostro ente",
where it records hours) had no link anywhere, neither in the menu nor on its home page."""

from django.urls import reverse

from ambito.core.menu import voci_per

URL = "/cartella/interventi/"


def _voci(utente):
    return {v["etichetta"]: v["url"] for v in voci_per(utente)}


def test_provider_reaches_its_interventions_from_the_menu(mondo):
    assert reverse("cartella:miei_interventi") == URL
    assert _voci(mondo.erogatore).get("Interventi") == URL
    html = mondo.client(mondo.erogatore).get(reverse("home")).content.decode()
    assert f'href="{URL}"' in html


def test_menu_entry_only_for_who_records_activity(mondo):
    for utente in (mondo.operatore, mondo.coordinatore):
        assert _voci(utente).get("Interventi") == URL
    for utente in (mondo.amministrazione, mondo.comunale, mondo.cittadino, mondo.sistema, mondo.direzione):
        assert "Interventi" not in _voci(utente), utente.username
