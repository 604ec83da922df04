"""Applying an import to a riparto version: the 2023 example leaves every bill unchanged; a changed
line changes the right service; refusals store nothing."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from ambito.contabilita import services
from ambito.contabilita.models import CentroCosto, ImportazioneContabile
from ambito.core.models import EventoAudit
from ambito.gestione import services as gs
from ambito.gestione import workbook as w
from ambito.gestione.models import QuotaRiparto
from ambito.gestione.tests.conftest import ESEMPIO

from .conftest import CONTABILITA


def _quote(v):
    return {
        (q.comune.codice_istat, q.voce.codice): q.importo
        for q in QuotaRiparto.objects.filter(versione=v).select_related("comune", "voce")
    }


def test_esempio_coerente_con_la_cartella(importazione):
    """Each service centre sums to the workbook's direct cost; structure centres to its overhead."""
    from ambito.gestione import engine as ge

    dati = w.leggi(ESEMPIO).dati
    diretti, pool, problemi = services.costi_per_riparto(importazione)
    assert problemi == []
    assert diretti == dict(dati.costi_diretti)
    assert pool == sum(ge.costi_indiretti_per_servizio(dati).values()) == D(693043)


def test_applicare_l_esempio_non_cambia_le_bollette(importazione, versione):
    prima = _quote(versione)
    services.applica_al_riparto(importazione=importazione, versione=versione, attore=None)
    assert _quote(versione) == prima
    ev = EventoAudit.objects.get(azione="contabilita.applica_al_riparto")
    assert ev.prima["totali_comuni"] == ev.dopo["totali_comuni"]
    assert [D(x) for x in ev.dopo["dettagli"]["servizi"]["CAT"]["diretti"]] == [D(121517), D(121517)]


def _con_riga(configurato, tmp_path, riga: str):
    testo = CONTABILITA.read_text(encoding="utf-8") + riga + "\n"
    f = tmp_path / "contabilita.csv"
    f.write_text(testo, encoding="utf-8")
    return services.importa_contabilita(
        ambito=configurato, file=f, esercizio=2023, tipo_versione="preventivo", attore=None
    )


def test_una_riga_in_piu_cambia_il_servizio_giusto(importazione, versione, tmp_path):
    prima = _quote(versione)
    nuova = _con_riga(importazione.ambito, tmp_path, "60301;CS.TRASPORTI_CDD;5.000,00;rincaro")
    services.applica_al_riparto(importazione=nuova, versione=versione, attore=None)
    dopo = _quote(versione)
    cambiati = {s for k, s in dopo if dopo[(k, s)] != prima[(k, s)]}
    assert cambiati == {"TRASPORTI_CDD"}  # carries no overhead: nothing else moves
    aumento = sum(dopo[k] - prima[k] for k in dopo if k[1] == "TRASPORTI_CDD")
    assert aumento == D(5000)
    assert versione.voci.get(codice="TRASPORTI_CDD").costi_diretti == D(68064 + 5000)


def test_un_costo_di_struttura_va_ai_servizi_che_portano_i_costi_indiretti(importazione, versione, tmp_path):
    prima = _quote(versione)
    nuova = _con_riga(importazione.ambito, tmp_path, "60801;ST.AMM;10.000,00;consulenza")
    services.applica_al_riparto(importazione=nuova, versione=versione, attore=None)
    dopo = _quote(versione)
    cambiati = {s for k, s in dopo if dopo[(k, s)] != prima[(k, s)]}
    assert "CDD" in cambiati and not cambiati & {"UDP", "TRASPORTI_CDD", "COMUNITA_I_POLO", "FNA_B2"}
    indiretti = sum(x.costi_indiretti for x in versione.voci.all())
    assert indiretti == D(693043 + 10000)


def test_rifiuti(importazione, versione, tmp_path):
    prima = _quote(versione)
    # a centre feeding a service that is not in the version
    CentroCosto.objects.filter(codice="CS.SEDE_NUOVA").update(codice_riparto="ALTRO")
    with pytest.raises(ValidationError) as exc:
        services.applica_al_riparto(importazione=importazione, versione=versione, attore=None)
    assert exc.value.messages == [
        "Il centro di costo CS.SEDE_NUOVA alimenta il servizio ALTRO, che non è nella versione «preventivo».",
        "Il servizio SEDE_NUOVA (Costi nuova sede) della versione «preventivo» non ha un centro di costo "
        "valido nel 2023.",
    ]
    CentroCosto.objects.filter(codice="CS.SEDE_NUOVA").update(codice_riparto="SEDE_NUOVA")
    # a riparto service with no (valid) centre
    CentroCosto.objects.filter(codice="CS.CAT").update(valido_al=dt.date(2022, 12, 31))
    with pytest.raises(ValidationError, match="CAT .* non ha un centro di costo valido nel 2023"):
        services.applica_al_riparto(importazione=importazione, versione=versione, attore=None)
    CentroCosto.objects.filter(codice="CS.CAT").update(valido_al=None)
    # superseded import
    nuova = _con_riga(importazione.ambito, tmp_path, "")
    importazione.refresh_from_db()
    with pytest.raises(ValidationError, match="sostituita"):
        services.applica_al_riparto(importazione=importazione, versione=versione, attore=None)
    # approved version
    gs.approva_versione(versione=versione, attore=None)
    versione.refresh_from_db()
    with pytest.raises(ValidationError, match="approvata"):
        services.applica_al_riparto(importazione=nuova, versione=versione, attore=None)
    assert _quote(versione) == prima
    assert not EventoAudit.objects.filter(azione="contabilita.applica_al_riparto").exists()


def test_altro_esercizio_rifiutato(configurato, versione):
    i = services.importa_contabilita(
        ambito=configurato, file=CONTABILITA, esercizio=2024, tipo_versione="preventivo", attore=None
    )
    with pytest.raises(ValidationError, match="esercizio 2024"):
        services.applica_al_riparto(importazione=i, versione=versione, attore=None)
    assert ImportazioneContabile.objects.count() == 1
