"""Reads: constant query count, membership criterion, scoping."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ambito.territorio import selectors
from ambito.territorio.models import Ente
from ambito.territorio.services import (
    crea_comune,
    importa_movimenti_naturali,
    importa_popolazione,
    registra_adesione,
)

from .conftest import csv_popolazione, file_

DATA = dt.date(2023, 1, 1)


def carica(ambito, n):
    codici = {}
    for i in range(n):
        codice = f"0151{i:02d}"
        crea_comune(ambito=ambito, nome=f"Comune {i:02d}", codice_istat=codice)
        codici[codice] = {10: (10 + i, 10), 70: (20, 5 + i), 30: (100, 100)}
    importa_popolazione(
        ambito=ambito, file=file_(csv_popolazione(codici)), data_riferimento=DATA, fonte="ISTAT", attore=None
    )
    importa_popolazione(
        ambito=ambito,
        file=file_(csv_popolazione(codici)),
        data_riferimento=dt.date(2022, 1, 1),
        fonte="ISTAT",
        attore=None,
    )
    righe = "".join(f"{c},2022,3,4\n" for c in codici)
    importa_movimenti_naturali(
        ambito=ambito, file=file_("codice_istat,anno,nati,morti\n" + righe), fonte="ISTAT", attore=None
    )
    for codice in codici:
        registra_adesione(
            comune=Ente.objects.get(ambito=ambito, codice_istat=codice), anno=2023, membro_ambito=True
        )


def conta_query(ambito):
    with CaptureQueriesContext(connection) as ctx:
        risultato = selectors.indici_alla_data(ambito, DATA)
    return len(ctx.captured_queries), risultato


@pytest.mark.django_db
def test_numero_di_query_costante(ambito, altro_ambito, django_assert_num_queries):
    carica(ambito, 2)
    carica(altro_ambito, 9)
    pochi, r2 = conta_query(ambito)
    molti, r9 = conta_query(altro_ambito)
    assert len(r2.tabella.comuni) == 2 and len(r9.tabella.comuni) == 9
    assert pochi == molti
    with django_assert_num_queries(7):
        selectors.indici_alla_data(altro_ambito, DATA)


def test_solo_i_membri_nel_totale(ambito, comuni):
    dati = csv_popolazione({"015050": {10: (50, 50), 70: (50, 50)}, "015195": {10: (50, 50), 70: (150, 150)}})
    importa_popolazione(ambito=ambito, file=file_(dati), data_riferimento=DATA, fonte="ISTAT", attore=None)
    r = selectors.indici_alla_data(ambito, DATA)
    assert r.tabella.ambito.indici.indice_vecchiaia == Decimal(200)  # 400 / 200: both summed
    assert r.criterio_totale.startswith("tutti i Comuni")
    registra_adesione(comune=comuni["015050"], anno=2023, solo_cliente=True)
    registra_adesione(comune=comuni["015195"], anno=2023, socio_azienda=True, membro_ambito=True)
    r = selectors.indici_alla_data(ambito, DATA)
    assert len(r.tabella.comuni) == 2
    assert r.tabella.ambito.indici.indice_vecchiaia == Decimal(300)
    assert r.tabella.media_comuni.indici.indice_vecchiaia == Decimal(300)
    assert r.comuni_nel_totale == ["015195"]
    assert r.criterio_totale == "Comuni membri dell'Ambito nel 2023"


def test_comuni_con_popolazione_e_scoping(ambito, altro_ambito, comuni):
    crea_comune(ambito=altro_ambito, nome="Paullo", codice_istat="015169")
    dati = csv_popolazione({"015050": {10: (1, 2)}})
    importa_popolazione(ambito=ambito, file=file_(dati), data_riferimento=DATA, fonte="ISTAT", attore=None)
    elenco = selectors.comuni_con_popolazione(ambito, DATA)
    assert [(c.nome, c.popolazione) for c in elenco] == [("Carpiano", 3), ("San Giuliano Milanese", None)]
    assert selectors.rilevazione_al(altro_ambito, DATA) is None


def test_validita_enti(ambito):
    vecchio = crea_comune(
        ambito=ambito, nome="Vecchio", codice_istat="015001", valido_al=dt.date(2018, 12, 31)
    )
    nuovo = crea_comune(ambito=ambito, nome="Nuovo", codice_istat="015002", valido_dal=dt.date(2019, 1, 1))
    assert list(Ente.objects.comuni().validi_il(dt.date(2018, 6, 1))) == [vecchio]
    assert list(Ente.objects.comuni().validi_il(dt.date(2019, 1, 1))) == [nuovo]
    assert vecchio.valido_il(dt.date(2018, 12, 31)) and not vecchio.valido_il(dt.date(2019, 1, 1))


def test_un_anno_prima_29_febbraio():
    assert selectors.un_anno_prima(dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)
    assert selectors.un_anno_prima(dt.date(2024, 1, 1)) == dt.date(2023, 1, 1)


def test_conteggi_quinquennali_dal_database(ambito, comuni):
    per_eta = {e: (e, 2 * e + 1) for e in range(101)}
    dati = csv_popolazione({"015050": per_eta, "015195": {3: (1, 2), 100: (4, 5)}})
    ril = importa_popolazione(
        ambito=ambito, file=file_(dati), data_riferimento=DATA, fonte="ISTAT", attore=None
    )
    conteggi = selectors.conteggi_per_comune(ril)
    singole = selectors.conteggi_comune(ril, comuni["015050"])
    c = conteggi[comuni["015050"].pk]
    assert c.passo == 5 and c == singole.quinquennali()
    assert c.maschi[0] == 0 + 1 + 2 + 3 + 4 and c.maschi[20] == 100
    assert c.fasce_quinquennali() == singole.fasce_quinquennali()
    sg = conteggi[comuni["015195"].pk]
    assert (sg.totale, sg.tra(100), sg.tra(0, 4)) == (12, 9, 3)
