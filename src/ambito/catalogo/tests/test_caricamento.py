import copy
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ambito.catalogo import selectors, services
from ambito.catalogo.models import (
    Area,
    ContrattoServizio,
    Corrispondenza,
    Servizio,
    ServizioConferito,
    Settore,
)
from ambito.core.models import EventoAudit

from .conftest import CATALOGO_PROVA


def _stato():
    return [
        list(m.objects.order_by("pk").values())
        for m in (Area, Settore, Servizio, Corrispondenza, ContrattoServizio, ServizioConferito)
    ]


@pytest.mark.django_db
def test_carica_il_catalogo_ed_e_idempotente(ambito, comuni, file_catalogo):
    f = file_catalogo()
    conteggi = services.carica_catalogo_da_file(ambito=ambito, percorso_json=f)
    assert conteggi["aree"]["creati"] == 2
    assert conteggi["servizi"]["creati"] == 3
    assert conteggi["corrispondenze"]["creati"] == 5
    assert conteggi["contratti"]["creati"] == 2
    assert conteggi["conferimenti"]["creati"] == 3

    cat = Servizio.objects.get(ambito=ambito, codice="CAT")
    assert cat.settore.codice == "MF" and cat.settore.area.codice == "GS"
    assert cat.data_riferimento_popolazione == dt.date(2021, 1, 1)
    assert cat.riga_art13 == 1 and cat.metodo_riparto == "capitaria" and cat.porta_costi_indiretti
    assert selectors.codice_per(cat, "siuss_presenza_prova_mezzi", dt.date(2023, 1, 1)).codice == "4"
    sad = ServizioConferito.objects.get(servizio__codice="SAD")
    assert sad.quantita_annua == Decimal("1200.50") and sad.dal == dt.date(2023, 4, 1)
    assert sad.contratto.comune == comuni["MEL"] and sad.contratto.numero == "Rep. 1/2022"
    eventi = EventoAudit.objects.count()
    assert eventi > 0

    prima = _stato()
    conteggi = services.carica_catalogo_da_file(ambito=ambito, percorso_json=f)
    assert _stato() == prima
    assert EventoAudit.objects.count() == eventi
    for tipo, c in conteggi.items():
        assert c["creati"] == 0 and c["aggiornati"] == 0, tipo


@pytest.mark.django_db
def test_un_valore_cambiato_aggiorna_la_riga(ambito, comuni, file_catalogo):
    services.carica_catalogo_da_file(ambito=ambito, percorso_json=file_catalogo())
    dati = copy.deepcopy(CATALOGO_PROVA)
    dati["servizi"][0]["nome"] = "C.A.T. Centro affidi"
    dati["contratti"][0]["servizi"][1]["al"] = "2023-10-31"
    conteggi = services.carica_catalogo_da_file(ambito=ambito, percorso_json=file_catalogo(dati))
    assert conteggi["servizi"]["aggiornati"] == 1
    assert conteggi["conferimenti"]["aggiornati"] == 1
    assert Servizio.objects.get(codice="CAT").nome == "C.A.T. Centro affidi"
    assert ServizioConferito.objects.get(servizio__codice="SAD").al == dt.date(2023, 10, 31)


@pytest.mark.parametrize(
    "guasto, messaggio",
    [
        (
            lambda d: d["contratti"][1].update(comune="999999"),
            "nessun Comune/Unione con codice ISTAT «999999»",
        ),
        (lambda d: d["servizi"][1].update(unita_misura="secoli"), "unità di misura"),
        (lambda d: d["servizi"][1].update(colore="blu"), "chiavi sconosciute colore"),
        (lambda d: d["servizi"][0]["codici"][0].update(codice="A9.99"), "il codice «A9.99» non esiste"),
        (lambda d: d["contratti"][0]["servizi"][0].update(dal="2021-01-01"), "non è compreso nel contratto"),
        (
            lambda d: d["contratti"][0]["servizi"].append({"servizio": "NO", "dal": "2023-01-01"}),
            "«NO» non esiste",
        ),
        (lambda d: d["settori"][0].update(area="ZZ"), "l'area «ZZ» non esiste"),
        (lambda d: d["contratti"][0].update(dal="01/01/2022"), "data «01/01/2022» non valida"),
    ],
)
@pytest.mark.django_db
def test_un_file_errato_non_cambia_nulla(ambito, comuni, file_catalogo, guasto, messaggio):
    dati = copy.deepcopy(CATALOGO_PROVA)
    guasto(dati)
    with pytest.raises(ValidationError, match=messaggio):
        services.carica_catalogo_da_file(ambito=ambito, percorso_json=file_catalogo(dati))
    assert _stato() == [[], [], [], [], [], []]
    assert not EventoAudit.objects.exists()


@pytest.mark.django_db
def test_json_non_valido(ambito, tmp_path):
    p = tmp_path / "rotto.json"
    p.write_text('{"aree": [', encoding="utf-8")
    with pytest.raises(ValidationError, match="JSON non valido alla riga 1"):
        services.carica_catalogo_da_file(ambito=ambito, percorso_json=p)


@pytest.mark.django_db
def test_due_ambiti_con_lo_stesso_file_restano_separati(ambito, altro_ambito, comuni, file_catalogo):
    from .conftest import crea_comune

    crea_comune(altro_ambito, "Melegnano (copia)", "015140")
    crea_comune(altro_ambito, "Paullo (copia)", "015169")
    services.carica_catalogo_da_file(ambito=ambito, percorso_json=file_catalogo())
    services.carica_catalogo_da_file(ambito=altro_ambito, percorso_json=file_catalogo())
    assert Servizio.objects.per_ambito(ambito).count() == 3
    assert Servizio.objects.per_ambito(altro_ambito).count() == 3
    for conf in ServizioConferito.objects.select_related("contratto__comune", "servizio"):
        assert conf.ambito_id == conf.servizio.ambito_id == conf.contratto.comune.ambito_id
