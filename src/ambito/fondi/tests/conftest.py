import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from ambito.catalogo.models import Servizio
from ambito.core.models import Ambito, Utente
from ambito.fondi import services
from ambito.fondi.models import Fondo
from ambito.territorio.models import Ente
from ambito.utenti import ruoli as R

D = Decimal


@pytest.fixture
def ambito(db):
    return Ambito.objects.create(codice="SGM", nome="Ambito di San Giuliano Milanese")


@pytest.fixture
def altro_ambito(db):
    return Ambito.objects.create(codice="ALTRO", nome="Altro Ambito")


def utente_con_ruolo(ambito, username, ruolo):
    R.assicura_ruoli()
    u = Utente.objects.create_user(username=username, password="x", ambito=ambito)
    u.groups.add(Group.objects.get(name=ruolo))
    return u


@pytest.fixture
def amministrazione(ambito):
    return utente_con_ruolo(ambito, "amministrazione", R.AMMINISTRAZIONE)


@pytest.fixture
def ufficio_piano(ambito):
    return utente_con_ruolo(ambito, "udp", R.UFFICIO_DI_PIANO)


@pytest.fixture
def operatore(ambito):
    return utente_con_ruolo(ambito, "operatore", R.OPERATORE)


@pytest.fixture
def fondo(ambito):
    return Fondo.objects.create(
        ambito=ambito, codice="FNPS", nome="Fondo nazionale politiche sociali", tipo="statale"
    )


@pytest.fixture
def servizio(ambito):
    return Servizio.objects.create(
        ambito=ambito, codice="SAD", nome="SAD e interventi integrativi domiciliari"
    )


@pytest.fixture
def paullo(ambito):
    return Ente.objects.create(ambito=ambito, tipo="comune", nome="Paullo", codice_istat="015169")


def assegna(fondo, importo, quote=None, annualita=2023, attore=None):
    return services.registra_assegnazione(
        attore=attore,
        fondo=fondo,
        tipo_atto="dgr",
        numero=f"XI/{importo}",
        data=dt.date(annualita, 6, 30),
        annualita=annualita,
        importo=D(importo),
        quote=quote,
    )


def movimento(fondo, tipo, importo, esercizio=2023, data=None, motivo="", attore=None):
    return services.registra_movimento(
        attore=attore,
        fondo=fondo,
        esercizio=esercizio,
        tipo=tipo,
        data=data or dt.date(esercizio, 3, 1),
        importo=D(importo),
        riferimento="Determina n. 1",
        motivo=motivo or ("rettifica" if tipo in ("disimpegno", "storno") else ""),
    )
