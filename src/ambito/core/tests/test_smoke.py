import pytest


@pytest.mark.django_db
def test_login_page_renders_in_italian(client):
    r = client.get("/accesso/")
    assert r.status_code == 200
    assert "Nome utente" in r.content.decode()


@pytest.mark.django_db
def test_home_requires_login(client):
    r = client.get("/")
    assert r.status_code == 302
    assert r["Location"].startswith("/accesso/")


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client):
    r = client.get("/salute/")
    assert r.status_code == 200
    assert len(r["X-Request-Id"]) == 32


def test_snapshot_of_a_file_field_is_its_stored_name():
    from django.db.models.fields.files import FieldFile

    from ambito.core.services import _jsonable

    campo = FieldFile(None, field=type("F", (), {"storage": None})(), name="cartella/x.pdf")
    assert _jsonable(campo) == "cartella/x.pdf"


@pytest.mark.django_db
def test_not_found_page_is_in_italian(client):
    r = client.get("/non-esiste/")
    assert r.status_code == 404
    assert "Pagina non trovata" in r.content.decode()
