import pytest
from django.urls import reverse

from ambito.utenti import ruoli as R


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ruolo, attesi, assenti",
    [
        (
            R.DIREZIONE,
            ["territorio:comuni", "catalogo:servizi", "catalogo:matrice"],
            ["utenti:registro_accessi"],
        ),
        (R.AMMINISTRAZIONE, ["territorio:comuni", "catalogo:servizi", "catalogo:matrice"], []),
        (R.UFFICIO_DI_PIANO, ["territorio:comuni", "catalogo:servizi", "catalogo:matrice"], []),
        (
            R.COORDINATORE,
            ["utenti:team", "catalogo:servizi", "territorio:comuni"],
            ["utenti:registro_accessi"],
        ),
        (R.OPERATORE, ["utenti:team", "catalogo:servizi", "territorio:comuni"], ["catalogo:matrice"]),
        (R.OPERATORE_COMUNALE, ["catalogo:matrice"], ["utenti:registro_audit"]),
        (R.ENTE_EROGATORE, ["catalogo:servizi"], ["catalogo:matrice"]),
        (R.CITTADINO, ["territorio:comuni", "catalogo:servizi"], ["catalogo:matrice", "utenti:team"]),
        (R.DPO, ["utenti:registro_accessi", "utenti:registro_audit"], ["catalogo:matrice"]),
        (R.AMMINISTRATORE, ["utenti:registro_accessi", "utenti:registro_audit"], []),
    ],
)
def test_home_per_role(client, mondo, ruolo, attesi, assenti):
    client.force_login(mondo[ruolo])
    r = client.get(reverse("home"))
    assert r.status_code == 200
    html = r.content.decode()
    assert f'<h2 class="h3">{ruolo}</h2>' in html
    assert mondo.ambito.nome in html
    # Only the role cards: the menu is built by other apps' registrations.
    carte = html.split('data-testid="sezione-ruolo"', 1)[1].split("</main>", 1)[0]
    for nome in attesi:
        assert f'href="{reverse(nome)}"' in carte, nome
    for nome in assenti:
        assert f'href="{reverse(nome)}"' not in carte, nome


@pytest.mark.django_db
def test_home_shows_the_scope(client, mondo):
    client.force_login(mondo[R.OPERATORE_COMUNALE])
    html = client.get(reverse("home")).content.decode()
    assert mondo.comune.nome in html and "Operatore comunale" in html
    client.force_login(mondo[R.OPERATORE])
    html = client.get(reverse("home")).content.decode()
    assert mondo.team.nome in html
    client.force_login(mondo[R.COORDINATORE])
    assert mondo.tutela.nome in client.get(reverse("home")).content.decode()
    client.force_login(mondo[R.ENTE_EROGATORE])
    assert mondo.coop.nome in client.get(reverse("home")).content.decode()
    client.force_login(mondo[R.CITTADINO])
    html = client.get(reverse("home")).content.decode()
    assert "Bandi: presto disponibili" in html and "Verifica in due passaggi" not in html
