"""The exact calls the demo loader makes (see the report / docs): every demo user can log in."""

import pytest
from django.urls import reverse

from ambito.utenti import ruoli as R
from ambito.utenti import services

DEMO = [
    ("direzione", [R.DIREZIONE], ""),
    ("amministrazione", [R.AMMINISTRAZIONE], ""),
    ("ufficiodipiano", [R.UFFICIO_DI_PIANO], ""),
    ("coordinatore", [R.COORDINATORE], "coordinatore"),
    ("assistente", [R.OPERATORE], "assistente sociale"),
    ("comune.melegnano", [R.OPERATORE_COMUNALE], ""),
    ("erogatore", [R.ENTE_EROGATORE], ""),
    ("cittadino", [R.CITTADINO], ""),
    ("sistema", [R.AMMINISTRATORE, R.DPO], ""),
]


@pytest.mark.django_db
def test_demo_users_recipe(client, mondo, settings):
    settings.DEBUG = True
    R.assicura_ruoli()
    a = mondo.ambito
    utenti = {}
    for username, ruoli, qualifica in DEMO:
        utenti[username] = services.crea_utente(
            ambito=a,
            username=username,
            password="demo",
            ruoli=ruoli,
            nome=username.title(),
            cognome="Demo",
            qualifica=qualifica,
            attore=None,
            demo=True,
        )
    services.assegna_ambito(
        utente=utenti["coordinatore"], tipo="servizio", servizio=mondo.tutela, attore=None
    )
    team = services.crea_team(ambito=a, nome="Tutela minori – équipe Sud", servizio=mondo.tutela, attore=None)
    services.assegna_ambito(utente=utenti["assistente"], tipo="team", team=team, attore=None)
    services.aggiungi_membro(
        team=team, utente=utenti["assistente"], ruolo_nel_team="assistente_sociale", attore=None
    )
    services.assegna_ambito(utente=utenti["comune.melegnano"], tipo="ente", ente=mondo.comune, attore=None)
    services.assegna_ambito(utente=utenti["erogatore"], tipo="ente", ente=mondo.coop, attore=None)
    settings.DEBUG = False
    for username, ruoli, _ in DEMO:
        assert client.login(username=username, password="demo"), username
        html = client.get(reverse("home")).content.decode()
        for ruolo in ruoli:
            assert f'<h2 class="h3">{ruolo}</h2>' in html, (username, ruolo)
        client.logout()
    client.login(username="sistema", password="demo")
    assert client.get(reverse("utenti:registro_accessi")).status_code == 200
