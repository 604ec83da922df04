import json
from decimal import Decimal as D
from pathlib import Path

from ambito.catalogo.models import Servizio
from ambito.core.models import EventoAudit
from ambito.fondi import selectors, services
from ambito.fondi.models import AttoAssegnazione, Destinazione, Fondo
from ambito.territorio.models import Ente

CATALOGO = Path(services.__file__).resolve().parents[1] / "demo" / "data" / "catalogo.json"


def _catalogo(ambito):
    codici = [s["codice"] for s in json.loads(CATALOGO.read_text())["servizi"]]
    for c in codici:
        Servizio.objects.create(ambito=ambito, codice=c, nome=c)
    return codici


def test_i_codici_servizio_usati_esistono_nel_catalogo_demo():
    codici = {s["codice"] for s in json.loads(CATALOGO.read_text())["servizi"]}
    assert {r[2] for r in services.DESTINAZIONI_2023} <= codici


def test_carica_fondi_demo_valori_reali_e_idempotente(ambito):
    _catalogo(ambito)
    paullo = Ente.objects.create(ambito=ambito, tipo="comune", nome="Paullo", codice_istat="015169")
    Fondo.objects.create(
        ambito=ambito, codice="FNPS", nome="Fondo nazionale politiche sociali", tipo="statale"
    )
    esito = services.carica_fondi_demo(ambito=ambito)
    assert esito == {"fondi": 6, "assegnazioni": 8, "destinazioni": 37}
    sit = selectors.situazioni(ambito, 2023)
    per_codice = {f.codice: sit[f.pk] for f in Fondo.objects.filter(ambito=ambito)}
    assert {c: s.assegnato for c, s in per_codice.items()} == {
        "FNPS": D("617000.00"),
        "FSR": D("570450.00"),
        "FSR_PAULLO": D("15366.00"),
        "B6": D("154793.00"),
        "FNA": D("295000.00"),
        "POTENZIAMENTO": D("202086.00"),
        "REGIONE_STATO": D("2651202.00"),
    }
    # Allegato 7: what is not tied to a catalogue service stays to be destined
    assert per_codice["FNPS"].da_destinare == 0 and per_codice["FSR"].da_destinare == 0
    assert per_codice["POTENZIAMENTO"].da_destinare == D("49727.00")  # L3801
    assert per_codice["REGIONE_STATO"].da_destinare == D("14571.00")  # PIPPI 4.388 + nuova sede 10.183
    fnps = Fondo.objects.get(ambito=ambito, codice="FNPS")
    assert services.situazione(fnps, 2021).assegnato == D("202025.92")
    assert services.situazione(fnps, 2022).assegnato == D("415000.00")
    for d in Destinazione.objects.filter(fondo__codice="FSR_PAULLO"):
        assert list(d.comuni.all()) == [paullo]
    eventi = EventoAudit.objects.count()
    assert services.carica_fondi_demo(ambito=ambito) == {"fondi": 0, "assegnazioni": 0, "destinazioni": 0}
    assert EventoAudit.objects.count() == eventi
    assert AttoAssegnazione.objects.filter(ambito=ambito).count() == 8


def test_senza_paullo_il_fondo_ristretto_non_va_a_tutti(ambito):
    _catalogo(ambito)
    services.carica_fondi_demo(ambito=ambito)
    assert not Destinazione.objects.filter(fondo__codice="FSR_PAULLO").exists()
