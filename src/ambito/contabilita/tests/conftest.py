import pytest

from ambito.catalogo.models import Servizio
from ambito.contabilita import services
from ambito.core.models import Ambito
from ambito.gestione import services as gs
from ambito.gestione.tests.conftest import ESEMPIO, RADICE, crea_comuni

ESEMPI = RADICE / "docs" / "examples"
CENTRI = ESEMPI / "centri-costo-assemi.csv"
PIANO = ESEMPI / "piano-conti-assemi.csv"
CONTABILITA = ESEMPI / "contabilita-2023-assemi.csv"
CATALOGO = [
    "CAT", "IQ", "ADH", "SAD", "CSIOL", "CDD", "SSP", "PROT_GIURIDICA", "ASI", "AES", "PSICHIATRIA", "UDP",
    "CASA_MAMME",
]  # fmt: skip


@pytest.fixture
def ambito(db):
    return Ambito.objects.create(codice="ASSEMI", nome="Ambito di San Giuliano Milanese")


@pytest.fixture
def configurato(ambito):
    """Catalogue services, the example's cost centres and chart of accounts."""
    for c in CATALOGO:
        Servizio.objects.create(ambito=ambito, codice=c, nome=c)
    services.importa_centri(ambito=ambito, file=CENTRI, attore=None)
    services.importa_piano_conti(ambito=ambito, file=PIANO, attore=None)
    return ambito


@pytest.fixture
def importazione(configurato):
    return services.importa_contabilita(
        ambito=configurato, file=CONTABILITA, esercizio=2023, tipo_versione="preventivo", attore=None
    )


@pytest.fixture
def versione(ambito):
    crea_comuni(ambito)
    return gs.importa_riparto(ambito=ambito, file=ESEMPIO, esercizio=2023, versione="preventivo", attore=None)


def csv_file(tmp_path, testo: str, nome="righe.csv"):
    p = tmp_path / nome
    p.write_text(testo, encoding="utf-8")
    return p
