"""Two Ambiti on one installation never see each other's teams, audit events or access log."""

import pytest
from django.urls import reverse

from ambito.core.models import AccessoDati, EventoAudit, Utente
from ambito.core.services import registra_accesso
from ambito.utenti import ruoli as R
from ambito.utenti import selectors


@pytest.fixture
def due(mondo, altro_mondo):
    registra_accesso(
        utente=mondo[R.OPERATORE], oggetto_tipo="csi.Cartella", oggetto_id=1, descrizione="Cartella A"
    )
    registra_accesso(
        utente=altro_mondo[R.OPERATORE], oggetto_tipo="csi.Cartella", oggetto_id=2, descrizione="Cartella B"
    )
    return mondo, altro_mondo


@pytest.mark.django_db
def test_selectors_stay_in_their_ambito(due):
    a, b = due
    for utente, mio, altro in ((a[R.AMMINISTRATORE], a, b), (b[R.AMMINISTRATORE], b, a)):
        assert set(selectors.team_visibili(utente=utente)) == {mio.team}
        assert not selectors.team_visibili(utente=utente).filter(pk=altro.team.pk).exists()
        eventi = selectors.eventi_audit(utente=utente)
        assert eventi.exists() and not eventi.exclude(ambito=mio.ambito).exists()
        accessi = selectors.accessi_dati(utente=utente)
        assert [x.oggetto_descrizione for x in accessi] == [f"Cartella {'A' if mio is a else 'B'}"]
    # The scope of a user never contains the other Ambito's ids.
    vis = selectors.ambito_visibilita(a[R.OPERATORE_COMUNALE])
    assert vis.ambito_id == a.ambito.pk and vis.ente_ids == {a.comune.pk}


@pytest.mark.django_db
def test_pages_list_only_own_rows(client, due):
    a, b = due
    client.force_login(a[R.AMMINISTRATORE])
    r = client.get(reverse("utenti:registro_accessi"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Cartella A" in html and "Cartella B" not in html
    r = client.get(reverse("utenti:registro_audit"))
    assert a.team.nome in r.content.decode() and b.team.nome not in r.content.decode()
    r = client.get(reverse("utenti:team"))
    assert a.team.nome in r.content.decode() and b.team.nome not in r.content.decode()
    r = client.get(reverse("utenti:registro_accessi_csv"))
    assert "Cartella A" in r.content.decode() and "Cartella B" not in r.content.decode()


@pytest.mark.django_db
def test_other_ambito_ids_are_404(client, due):
    a, b = due
    client.force_login(a[R.AMMINISTRATORE])
    evento_b = EventoAudit.objects.filter(ambito=b.ambito).first()
    assert client.get(reverse("utenti:evento_audit", args=[evento_b.pk])).status_code == 404
    assert client.get(reverse("utenti:team_dettaglio", args=[b.team.pk])).status_code == 404
    evento_a = EventoAudit.objects.filter(ambito=a.ambito).first()
    assert client.get(reverse("utenti:evento_audit", args=[evento_a.pk])).status_code == 200
    assert client.get(reverse("utenti:team_dettaglio", args=[a.team.pk])).status_code == 200


@pytest.mark.django_db
def test_staff_page_without_ambito_is_403(client, due):
    su = Utente.objects.create_superuser("root", "root@example.org", "x-Password-123")
    client.force_login(su)
    assert client.get(reverse("utenti:registro_accessi")).status_code == 403
    assert client.get(reverse("utenti:team")).status_code == 403
    # The installation admin still gets a home page.
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ruolo, url, atteso",
    [
        (R.OPERATORE, "utenti:registro_accessi", 403),
        (R.DIREZIONE, "utenti:registro_accessi", 403),
        (R.DPO, "utenti:registro_accessi", 200),
        (R.AMMINISTRATORE, "utenti:registro_accessi", 200),
        (R.CITTADINO, "utenti:registro_audit", 403),
        (R.DIREZIONE, "utenti:registro_audit", 200),
        (R.DPO, "utenti:registro_audit", 200),
        (R.CITTADINO, "utenti:team", 403),
        (R.OPERATORE, "utenti:team", 200),
    ],
)
def test_page_permissions(client, mondo, ruolo, url, atteso):
    client.force_login(mondo[ruolo])
    assert client.get(reverse(url)).status_code == atteso


@pytest.mark.django_db
def test_anonymous_goes_to_login(client):
    r = client.get(reverse("utenti:registro_accessi"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))
    assert AccessoDati.objects.count() == 0


@pytest.mark.django_db
def test_admin_shows_scope_read_only(client, mondo):
    su = Utente.objects.create_superuser("root", "root@example.org", "x-Password-123")
    client.force_login(su)
    assert client.get("/admin/utenti/team/").status_code == 200
    assert client.get(f"/admin/utenti/team/{mondo.team.pk}/change/").status_code == 200
    assert client.get("/admin/utenti/assegnazioneambito/add/").status_code == 403
