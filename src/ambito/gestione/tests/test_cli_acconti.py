"""`ambito riparto acconti`: prints the table, issues a tranche once."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from ambito.gestione import services
from ambito.gestione.management.commands.riparto import euro
from ambito.gestione.models import Addebito

from .conftest import ESEMPIO


def esegui(*args) -> str:
    out = StringIO()
    call_command("riparto", "acconti", *args, stdout=out)
    return out.getvalue()


def test_cli_stampa_ed_emette(ambito, comuni):
    v = services.importa_riparto(
        ambito=ambito, file=ESEMPIO, esercizio=2023, versione="preventivo", attore=None
    )
    testo = esegui("--esercizio", "2023")
    assert "1° acconto: 50% entro il 31/01/2023" in testo and "San Giuliano Milanese" in testo
    with pytest.raises(CommandError, match="manca la versione"):
        esegui("--esercizio", "2023", "--emetti", "1")
    services.approva_versione(versione=v, attore=None)
    testo = esegui("--esercizio", "2023", "--emetti", "1")
    totale = Addebito.objects.aggregate(t=Sum("importo"))["t"]
    assert "emessi" in testo and euro(totale) in testo.splitlines()[-1]
    n = Addebito.objects.count()
    assert "già emesso" in esegui("--esercizio", "2023", "--emetti", "1")
    assert Addebito.objects.count() == n
    with pytest.raises(CommandError, match="non è ancora approvato"):
        esegui("--esercizio", "2023", "--emetti", "saldo")
    with pytest.raises(CommandError, match="inesistente"):
        esegui("--esercizio", "1999")
