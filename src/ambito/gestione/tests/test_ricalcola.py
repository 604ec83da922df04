"""`ricalcola_versione`: changed inputs recompute the whole riparto of a draft, audited, all-or-nothing."""

import dataclasses
import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from ambito.core.models import EventoAudit
from ambito.gestione import services
from ambito.gestione import workbook as w
from ambito.gestione.models import CartellaRiparto, QuotaRiparto

from .conftest import ESEMPIO


def _importa(ambito):
    return services.importa_riparto(
        ambito=ambito, file=ESEMPIO, esercizio=2023, versione="preventivo", attore=None
    )


def _quote(v):
    return {
        (q.comune.codice_istat, q.voce.codice): q.importo
        for q in QuotaRiparto.objects.filter(versione=v).select_related("comune", "voce")
    }


def test_json_ritorna_gli_stessi_dati(ambito, comuni):
    v = _importa(ambito)
    assert services.dati_versione(v) == w.leggi(ESEMPIO).dati


def test_costo_cambiato_ricalcola_e_riscrive_la_cartella(ambito, comuni):
    v = _importa(ambito)
    prima = _quote(v)
    voce_prima = v.voci.get(codice="CAT")
    dati = services.dati_versione(v)
    costi = dict(dati.costi_diretti)
    costi["CAT"] += D(10000)
    services.ricalcola_versione(
        versione=v,
        dati=dataclasses.replace(dati, costi_diretti=costi),
        attore=None,
        azione="gestione.modifica_costo",
        descrizione="CAT +10.000",
    )
    dopo = _quote(v)
    cambiati = {k for k in dopo if dopo[k] != prima[k]}
    assert cambiati and {s for _c, s in cambiati} >= {"CAT"}
    voce = v.voci.get(codice="CAT")
    assert voce.costi_diretti == voce_prima.costi_diretti + D(10000)
    # the Comuni's CAT column moves by the change of CAT's total cost (direct + its overhead)
    aumento = sum(dopo[k] - prima[k] for k in dopo if k[1] == "CAT")
    assert aumento == voce.comuni_arrotondato - voce_prima.comuni_arrotondato >= D(10000)
    c = CartellaRiparto.objects.get(versione=v)
    assert c.nome_file.endswith("-modificata.xlsx")
    assert w.leggi(io.BytesIO(bytes(c.contenuto))).dati.costi_diretti["CAT"] == costi["CAT"]
    ev = EventoAudit.objects.get(azione="gestione.modifica_costo", oggetto_id=str(v.pk))
    assert ev.prima["totali_comuni"] != ev.dopo["totali_comuni"]


def test_errore_del_motore_non_cambia_nulla(ambito, comuni):
    v = _importa(ambito)
    prima = _quote(v)
    dati = services.dati_versione(v)
    costi = dict(dati.costi_diretti)
    costi["CAT"] = D(0)  # funds now exceed the cost
    with pytest.raises(ValidationError):
        services.ricalcola_versione(
            versione=v,
            dati=dataclasses.replace(dati, costi_diretti=costi),
            attore=None,
            azione="gestione.modifica_costo",
            descrizione="CAT a zero",
        )
    assert _quote(v) == prima


def test_versione_approvata_rifiutata(ambito, comuni):
    v = _importa(ambito)
    services.approva_versione(versione=v, attore=None)
    with pytest.raises(ValidationError, match="approvata"):
        services.ricalcola_versione(
            versione=v, dati=services.dati_versione(v), attore=None, azione="x", descrizione="x"
        )
