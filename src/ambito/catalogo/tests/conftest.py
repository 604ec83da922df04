import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission

from ambito.catalogo import services
from ambito.core.models import Ambito, Utente
from ambito.territorio.models import Ente


@pytest.fixture
def ambito(db):
    return Ambito.objects.create(codice="SGM", nome="Ambito di San Giuliano Milanese")


@pytest.fixture
def altro_ambito(db):
    return Ambito.objects.create(codice="ALTRO", nome="Altro Ambito")


def crea_comune(ambito, nome, istat, tipo="comune"):
    return Ente.objects.create(ambito=ambito, tipo=tipo, nome=nome, codice_istat=istat)


@pytest.fixture
def comuni(ambito):
    return {
        "MEL": crea_comune(ambito, "Melegnano", "015140"),
        "SGM": crea_comune(ambito, "San Giuliano Milanese", "015195"),
        "PAU": crea_comune(ambito, "Paullo", "015169"),
    }


def utente_con(ambito, username, *codenames):
    u = Utente.objects.create_user(username=username, password="x", ambito=ambito)
    u.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="catalogo", codename__in=codenames)
    )
    return u


@pytest.fixture
def utente(ambito):
    return utente_con(ambito, "ufficio", "view_servizio", "view_contrattoservizio")


@pytest.fixture
def area_settore(ambito):
    area, _ = services.salva_area(ambito=ambito, codice="GS", nome="Area Gestione Servizi")
    settore, _ = services.salva_settore(ambito=ambito, codice="MF", nome="Minori e Famiglia", area=area)
    return area, settore


@pytest.fixture
def servizio(ambito, area_settore):
    s, _ = services.salva_servizio(
        ambito=ambito,
        codice="CAT",
        nome="Centro affidi",
        settore=area_settore[1],
        metodo_riparto="capitaria",
        data_riferimento_popolazione=dt.date(2021, 1, 1),
        riga_art13=1,
    )
    return s


CATALOGO_PROVA = {
    "fonte": "prova",
    "aree": [
        {"codice": "GS", "nome": "Area Gestione Servizi"},
        {"codice": "AS", "nome": "Area Azioni di Sistema"},
    ],
    "settori": [
        {"codice": "MF", "nome": "Minori e Famiglia", "area": "GS"},
        {"codice": "UDP", "nome": "Ufficio di Piano", "area": "AS"},
    ],
    "servizi": [
        {
            "codice": "CAT",
            "nome": "Centro affidi familiari territoriale",
            "settore": "MF",
            "descrizione": "Affido familiare.",
            "unita_misura": "casi",
            "destinatari": "Minori e famiglie",
            "target": "minori_famiglia",
            "modalita_erogazione": "diretta",
            "regime_compartecipazione": "gratuito",
            "metodo_riparto": "capitaria",
            "data_riferimento_popolazione": "2021-01-01",
            "porta_costi_indiretti": True,
            "fonti_finanziamento": "STANZIAMENTO BILANCIO ENTE LOCALE",
            "riga_art13": 1,
            "attivo": True,
            "codici": [
                {"tabella": "siuss_codice_prestazione", "codice": "A2.02", "valido_dal": "2022-01-01"},
                {"tabella": "siuss_area_utenza", "codice": "1", "valido_dal": "2022-01-01"},
                {"tabella": "istat_area_utenza", "codice": "FAM", "valido_dal": "2022-01-01"},
                {"tabella": "siuss_presenza_prova_mezzi", "codice": "4", "valido_dal": "2022-01-01"},
            ],
        },
        {
            "codice": "SAD",
            "nome": "Servizio assistenza domiciliare",
            "settore": "MF",
            "unita_misura": "ore",
            "target": "anziani",
            "modalita_erogazione": "accreditamento",
            "regime_compartecipazione": "tariffa_distrettuale",
            "metodo_riparto": "consumo_fino_capienza",
            "riga_art13": 6,
            "codici": [{"tabella": "leps", "codice": "SAD", "valido_dal": "2022-01-01"}],
        },
        {
            "codice": "UDP",
            "nome": "Ufficio di Piano",
            "settore": "UDP",
            "metodo_riparto": "capitaria_piu_indiretta_su_consumo",
        },
    ],
    "contratti": [
        {
            "comune": "015140",
            "numero": "Rep. 1/2022",
            "data_stipula": "2021-12-20",
            "dal": "2022-01-01",
            "al": "2024-12-31",
            "servizi": [
                {"servizio": "CAT", "dal": "2023-01-01", "al": "2023-12-31"},
                {"servizio": "SAD", "dal": "2023-04-01", "al": "2023-12-31", "quantita_annua": "1200.50"},
            ],
        },
        {
            "comune": "015169",
            "dal": "2022-01-01",
            "al": "2024-12-31",
            "servizi": [{"servizio": "CAT", "dal": "2023-01-01", "al": "2023-12-31"}],
        },
    ],
}


@pytest.fixture
def file_catalogo(tmp_path):
    def scrivi(dati=None):
        p = tmp_path / "catalogo.json"
        p.write_text(json.dumps(dati if dati is not None else CATALOGO_PROVA), encoding="utf-8")
        return p

    return scrivi
