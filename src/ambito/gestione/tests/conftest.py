import csv
from pathlib import Path

import pytest

from ambito.core.models import Ambito
from ambito.gestione import services
from ambito.territorio.models import Ente, TipoEnte
from ambito.utenti import ruoli as R
from ambito.utenti import services as us

RADICE = Path(__file__).resolve().parents[4]
ESEMPIO = RADICE / "docs" / "examples" / "riparto-2023-assemi.xlsx"
COMUNI_DEMO = RADICE / "src" / "ambito" / "demo" / "data" / "comuni_demo.csv"


def crea_comuni(ambito) -> dict[str, Ente]:
    with open(COMUNI_DEMO, encoding="utf-8") as f:
        return {
            r["codice_istat"]: Ente.objects.create(
                ambito=ambito,
                tipo=TipoEnte.COMUNE,
                nome=r["nome"],
                codice_istat=r["codice_istat"],
                codice_catastale=r["codice_catastale"],
                provincia=r["provincia"],
            )
            for r in csv.DictReader(f)
        }


@pytest.fixture
def ambito(db):
    return Ambito.objects.create(codice="ASSEMI", nome="Ambito di San Giuliano Milanese")


@pytest.fixture
def comuni(ambito):
    return crea_comuni(ambito)


PASSWORD = "Password-di-prova-1"


def utente(ambito, username, ruolo, comune=None):
    """A user with one role; with `comune`, assigned to that Comune (a Comune operator)."""
    u = us.crea_utente(
        ambito=ambito,
        username=username,
        password=PASSWORD,
        ruoli=[ruolo],
        nome=username,
        cognome="X",
        attore=None,
    )
    if comune is not None:
        import datetime as dt

        us.assegna_ambito(utente=u, tipo="ente", ente=comune, dal=dt.date(2020, 1, 1), attore=None)
    return u


@pytest.fixture
def versione(ambito, comuni):
    """The 2023 example workbook imported as a draft preventivo (modules with other data override it)."""
    return services.importa_riparto(
        ambito=ambito, file=ESEMPIO, esercizio=2023, versione="preventivo", attore=None
    )


@pytest.fixture
def amministrazione(ambito):
    R.assicura_ruoli()
    return utente(ambito, "amministrazione", R.AMMINISTRAZIONE)


@pytest.fixture
def comunale(ambito, comuni):
    R.assicura_ruoli()
    return utente(ambito, "comune.sgm", R.OPERATORE_COMUNALE, comuni["015195"])


def entra(client, u):
    """The test client logged in as `u`."""
    client.force_login(u)
    return client
