"""`importa_riparto` / `approva_versione`: the example workbook stored equal to the CLI, all-or-nothing."""

import csv
import io
import shutil
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from ambito.catalogo.models import Servizio
from ambito.core.models import Ambito, EventoAudit
from ambito.gestione import selectors, services
from ambito.gestione import workbook as w
from ambito.gestione.models import CartellaRiparto, QuotaRiparto, VersioneBilancio, VoceRiparto
from ambito.gestione.tests.test_workbook import fogli_base

from .conftest import ESEMPIO, crea_comuni


def importa(ambito, file=ESEMPIO, versione="preventivo", anno=2023):
    return services.importa_riparto(ambito=ambito, file=file, esercizio=anno, versione=versione, attore=None)


@pytest.fixture
def calcolato():
    out = StringIO()
    call_command("riparto", "calcola", "--da-file", str(ESEMPIO), stdout=out)
    return {(r["comune"], r["servizio"]): int(r["importo"]) for r in csv.DictReader(StringIO(out.getvalue()))}


def test_importa_come_il_calcolo_da_cli(ambito, comuni, calcolato):
    Servizio.objects.create(ambito=ambito, codice="SAD", nome="Assistenza domiciliare")
    v = importa(ambito)
    assert v.tipo == "preventivo" and v.stato == "bozza" and v.esercizio.anno == 2023
    salvato = {
        (q.comune.codice_istat, q.voce.codice): q.importo
        for q in QuotaRiparto.objects.filter(versione=v).select_related("comune", "voce")
    }
    assert salvato == {k: D(x) for k, x in calcolato.items()}
    assert salvato[("015195", "I_POLO")] == D(559703)
    voci = VoceRiparto.objects.filter(versione=v)
    assert voci.count() == 29
    assert voci.get(codice="SAD").servizio.nome == "Assistenza domiciliare"  # matched to the catalogue
    assert voci.get(codice="I_POLO").servizio is None  # kept by code
    c = CartellaRiparto.objects.get(versione=v)
    assert len(c.sha256) == 64 and bytes(c.contenuto) == ESEMPIO.read_bytes()
    assert c.parametri["esercizio"] == "2023"
    assert EventoAudit.objects.filter(azione="gestione.importa_riparto", oggetto_id=str(v.pk)).count() == 1


def test_spiegazione_salvata(ambito, comuni):
    v = importa(ambito)
    q = selectors.quota(v, comuni["015195"].pk, "CAT")
    sp = q.spiegazione
    assert sp["metodo"] == "capitaria"
    assert sp["parti"][0]["descrizione"] == "abitanti"
    assert D(sp["parti"][0]["peso"]) > 0
    assert sp["importo"] == int(q.importo)


def test_tabella_e_bolletta_quadrano(ambito, comuni, calcolato, django_assert_num_queries):
    v = importa(ambito)
    with django_assert_num_queries(2):
        t = selectors.tabella(v)
    assert t.totale == sum(calcolato.values())
    assert len(t.righe) == 14 and len(t.voci) == 29
    assert sum(r.totale for r in t.righe) == t.totale
    for i, voce in enumerate(t.voci):
        assert t.totali_servizio[i] == voce.comuni_arrotondato
    b = selectors.bolletta(v, comuni["015195"])
    assert b.totale == sum(x for (c, _s), x in calcolato.items() if c == "015195")
    assert b.totale_versione == t.totale


def test_reimporta_in_bozza_sostituisce(ambito, comuni, tmp_path):
    v = importa(ambito)
    assert QuotaRiparto.objects.filter(versione=v).count() == 135
    # a smaller workbook on the same Comuni (the base sheets, codes remapped to demo Comuni)
    p = tmp_path / "piccola.xlsx"
    w.scrivi(p, _fogli_piccoli())
    v2 = importa(ambito, file=p)
    assert v2.pk == v.pk
    assert QuotaRiparto.objects.filter(versione=v).count() == 4
    assert CartellaRiparto.objects.filter(versione=v).count() == 1


def test_versione_approvata_non_si_reimporta(ambito, comuni):
    v = importa(ambito)
    services.approva_versione(versione=v, attore=None)
    v.refresh_from_db()
    assert v.approvata and v.approvata_il is not None
    prima = CartellaRiparto.objects.get(versione=v).caricata_il
    with pytest.raises(ValidationError, match="approvata"):
        importa(ambito)
    assert CartellaRiparto.objects.get(versione=v).caricata_il == prima
    with pytest.raises(ValidationError, match="già approvata"):
        services.approva_versione(versione=v, attore=None)


def test_cartella_errata_non_salva_nulla(ambito, comuni, tmp_path):
    f = fogli_base()
    del f["costi"]
    p = tmp_path / "errata.xlsx"
    w.scrivi(p, f)
    with pytest.raises(ValidationError) as exc:
        importa(ambito, file=p)
    assert "foglio «costi»: foglio mancante" in exc.value.messages
    assert not VersioneBilancio.objects.exists()
    assert not QuotaRiparto.objects.exists()


def test_comune_non_dell_ambito(ambito, tmp_path):
    crea_comuni(Ambito.objects.create(codice="ALTRO", nome="Altro"))  # the Comuni exist, elsewhere
    with pytest.raises(ValidationError) as exc:
        importa(ambito)
    assert any(
        "San Giuliano Milanese (codice ISTAT 015195) non è tra i Comuni" in m for m in exc.value.messages
    )
    assert not VersioneBilancio.objects.exists()


def test_file_da_upload(ambito, comuni, tmp_path):
    copia = tmp_path / "copia.xlsx"
    shutil.copy(ESEMPIO, copia)
    buf = io.BytesIO(copia.read_bytes())
    buf.name = "caricata.xlsx"
    v = importa(ambito, file=buf, versione="Assestamento al 30/06")
    assert v.tipo == "assestamento"
    assert CartellaRiparto.objects.get(versione=v).nome_file == "caricata.xlsx"


def test_approva_senza_riparto(ambito):
    from ambito.gestione.models import Esercizio

    es = Esercizio.objects.create(ambito=ambito, anno=2024)
    v = VersioneBilancio.objects.create(ambito=ambito, esercizio=es, tipo="preventivo", nome="vuota")
    with pytest.raises(ValidationError, match="non ha ancora un riparto"):
        services.approva_versione(versione=v, attore=None)


def _fogli_piccoli():
    """fogli_base() with its two Comuni recoded to Melegnano and San Giuliano."""
    mappa = {"015001": "015140", "015002": "015195", "15002": "015195"}
    out = {}
    for nome, righe in fogli_base().items():
        out[nome] = [[mappa.get(str(x), x) for x in riga] for riga in righe]
    return out


def test_cli_importa(ambito, comuni, tmp_path):
    out = StringIO()
    call_command(
        "riparto", "importa", str(ESEMPIO), "--esercizio", "2023", "--versione", "preventivo", stdout=out
    )
    assert "29 servizi, 14 Comuni, totale a carico dei Comuni 4.894.517 €" in out.getvalue()
    assert QuotaRiparto.objects.count() == 135
    f = fogli_base()
    del f["costi"]
    p = tmp_path / "errata.xlsx"
    w.scrivi(p, f)
    err = StringIO()
    with pytest.raises(CommandError, match="nulla importato"):
        call_command(
            "riparto",
            "importa",
            str(p),
            "--esercizio",
            "2023",
            "--versione",
            "altra",
            "--ambito",
            "ASSEMI",
            stderr=err,
        )
    assert "foglio «costi»: foglio mancante" in err.getvalue()
    with pytest.raises(CommandError, match="inesistente"):
        call_command(
            "riparto", "importa", str(ESEMPIO), "--esercizio", "2023", "--versione", "x", "--ambito", "NO"
        )
