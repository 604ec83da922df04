import io

import pytest
from django.contrib.auth.models import Permission

from ambito.core.models import Ambito, Utente
from ambito.territorio.services import crea_comune


def csv_popolazione(
    conteggi: dict[str, dict[int, tuple[int, int]]], sep: str = ",", bom: bool = False
) -> bytes:
    """A population CSV: {codice: {eta: (maschi, femmine)}}; ages not given are written as 0."""
    righe = [sep.join(["codice_istat", "eta", "maschi", "femmine"])]
    for codice, per_eta in conteggi.items():
        for eta in range(101):
            m, f = per_eta.get(eta, (0, 0))
            righe.append(sep.join([codice, str(eta), str(m), str(f)]))
    testo = "\n".join(righe) + "\n"
    return (("\ufeff" if bom else "") + testo).encode("utf-8")


def file_(dati: bytes | str):
    return io.BytesIO(dati.encode("utf-8") if isinstance(dati, str) else dati)


@pytest.fixture
def ambito(db):
    return Ambito.objects.create(codice="SGM", nome="Ambito di San Giuliano Milanese")


@pytest.fixture
def altro_ambito(db):
    return Ambito.objects.create(codice="PAU", nome="Ambito Paullese")


@pytest.fixture
def comuni(ambito):
    return {
        "015050": crea_comune(
            ambito=ambito,
            nome="Carpiano",
            codice_istat="015050",
            codice_catastale="B820",
            provincia="MI",
            regione="Lombardia",
        ),
        "015195": crea_comune(
            ambito=ambito,
            nome="San Giuliano Milanese",
            codice_istat="015195",
            codice_catastale="H930",
            provincia="MI",
            regione="Lombardia",
        ),
    }


@pytest.fixture
def utente(ambito):
    u = Utente.objects.create_user("ufficio", password="x", ambito=ambito)
    u.user_permissions.add(Permission.objects.get(content_type__app_label="territorio", codename="view_ente"))
    return u
