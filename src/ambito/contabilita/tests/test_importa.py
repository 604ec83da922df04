"""Imports through the services and the CLI: all-or-nothing, superseding keeps history, audited."""

from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from ambito.contabilita import services
from ambito.contabilita.models import CentroCosto, ContoContabile, ImportazioneContabile, RigaContabile
from ambito.core.models import EventoAudit

from .conftest import CONTABILITA, csv_file


def test_esempio_importato(importazione):
    assert importazione.numero_righe == RigaContabile.objects.filter(importazione=importazione).count() > 90
    assert importazione.totale_costi == D(8820674 + 693043)  # direct costs + overhead of the Piano Programma
    assert importazione.totale_ricavi == 0
    assert importazione.attiva
    ev = EventoAudit.objects.get(azione="contabilita.importa")
    assert ev.dopo["righe"] == importazione.numero_righe and ev.prima is None


def test_errore_non_salva_nulla(configurato, tmp_path, importazione):
    f = csv_file(tmp_path, "conto;centro;importo\n60101;CS.CAT;100\n60101;CS.CAT;dieci\n")
    with pytest.raises(ValidationError) as exc:
        services.importa_contabilita(
            ambito=configurato, file=f, esercizio=2023, tipo_versione="preventivo", attore=None
        )
    assert exc.value.messages == ["righe.csv, riga 3, colonna «importo»: «dieci» non è un numero"]
    assert ImportazioneContabile.objects.count() == 1
    assert ImportazioneContabile.objects.get().attiva


def test_reimportare_sostituisce_e_conserva_la_storia(configurato, tmp_path, importazione):
    f = csv_file(tmp_path, "conto;centro;importo\n60101;CS.CAT;100\n70201;CS.CAT;40\n")
    nuova = services.importa_contabilita(
        ambito=configurato, file=f, esercizio=2023, tipo_versione="preventivo", attore=None
    )
    importazione.refresh_from_db()
    assert importazione.sostituita_da == nuova and not importazione.attiva
    assert RigaContabile.objects.filter(importazione=importazione).count() == importazione.numero_righe
    assert (nuova.totale_costi, nuova.totale_ricavi) == (D(100), D(40))
    ev = EventoAudit.objects.filter(azione="contabilita.importa").latest("id")
    assert ev.prima["importazione"] == importazione.pk
    # another version type is independent
    altra = services.importa_contabilita(
        ambito=configurato, file=f, esercizio=2023, tipo_versione="consuntivo", attore=None
    )
    nuova.refresh_from_db()
    assert nuova.attiva and altra.attiva


def test_versione_ed_esercizio_controllati(configurato):
    with pytest.raises(ValidationError, match="non valida"):
        services.importa_contabilita(
            ambito=configurato, file=CONTABILITA, esercizio=2023, tipo_versione="bozza", attore=None
        )
    with pytest.raises(ValidationError, match="tra 1990 e 2100"):
        services.importa_contabilita(
            ambito=configurato, file=CONTABILITA, esercizio=3000, tipo_versione="preventivo", attore=None
        )


def test_piano_conti_tutto_o_niente(configurato, tmp_path):
    prima = ContoContabile.objects.count()
    f = csv_file(tmp_path, "conto;categoria;descrizione\n99901;C01;nuovo\n60101;C77;cambiato\n", "p.csv")
    with pytest.raises(ValidationError) as exc:
        services.importa_piano_conti(ambito=configurato, file=f, attore=None)
    assert exc.value.messages == [
        "p.csv, riga 3, colonna «categoria»: categoria «C77» inesistente nello schema «sole»"
    ]
    assert ContoContabile.objects.count() == prima
    # civil-code scheme, and an update is audited
    f = csv_file(tmp_path, "conto;categoria;schema\n60101;B9;cc\n", "p.csv")
    assert services.importa_piano_conti(ambito=configurato, file=f, attore=None) == {
        "creati": 0,
        "aggiornati": 1,
    }
    conto = ContoContabile.objects.get(codice="60101")
    assert (conto.categoria.schema.codice, conto.categoria.codice) == ("cc", "B9")
    assert EventoAudit.objects.filter(azione="contabilita.modifica_conto").count() == 1


def test_centri_catalogo_sconosciuto(ambito, tmp_path):
    f = csv_file(tmp_path, "codice;nome;tipo;servizio_catalogo\nCS.X;x;servizio;NONCE\n", "c.csv")
    with pytest.raises(ValidationError, match="riga 2, colonna «servizio_catalogo»"):
        services.importa_centri(ambito=ambito, file=f, attore=None)
    assert not CentroCosto.objects.exists()


def test_schemi_seminati(db):
    from ambito.contabilita.models import CategoriaCosto

    sole = CategoriaCosto.objects.filter(schema__codice="sole", tipo="costo")
    assert sole.count() == 11
    assert sole.first().nome == "Costi delle risorse umane"
    assert CategoriaCosto.objects.filter(schema__codice="cc", codice="B7", tipo="costo").exists()
    assert CategoriaCosto.objects.filter(schema__codice="cc", codice="A1", tipo="ricavo").exists()


def esegui(*args):
    out, err = StringIO(), StringIO()
    call_command("contabilita", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_cli(configurato, tmp_path):
    out, _ = esegui("importa", str(CONTABILITA), "--esercizio", "2023", "--versione", "preventivo")
    assert "Importate 101 righe" in out and "9.513.717,00 €" in out
    f = csv_file(tmp_path, "conto;centro;importo\n60101;CS.NO;1\n00000;CS.CAT;1,5\n")
    with pytest.raises(CommandError, match="2 errori, nulla importato") as exc:
        esegui("importa", str(f), "--esercizio", "2023", "--versione", "consuntivo")
    assert exc.value.returncode == 1
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command(
            "contabilita", "importa", str(f), "--esercizio", "2023", "--versione", "consuntivo", stderr=err
        )
    assert err.getvalue().splitlines() == [
        "righe.csv, riga 2, colonna «centro»: centro di costo «CS.NO» inesistente",
        "righe.csv, riga 3, colonna «conto»: conto 00000 non presente nel piano dei conti: "
        "importare la mappatura",
    ]
    assert ImportazioneContabile.objects.count() == 1


def test_cli_centri_e_piano(ambito, tmp_path):
    from ambito.catalogo.models import Servizio

    from .conftest import CATALOGO, CENTRI, PIANO

    for c in CATALOGO:
        Servizio.objects.create(ambito=ambito, codice=c, nome=c)
    out, _ = esegui("centri", str(CENTRI))
    assert out.startswith("Centri di costo: 32 creati")
    out, _ = esegui("piano-conti", str(PIANO))
    assert out.startswith("Piano dei conti: 17 conti creati")
    out, _ = esegui("piano-conti", str(PIANO))
    assert "0 conti creati, 0 aggiornati" in out


def test_passo_della_demo(configurato):
    riga = services.carica_esempio_demo(configurato)
    assert riga.startswith("Contabilità 2023 (preventivo): 101 righe, costi 9.513.717,00 €")
    assert services.carica_esempio_demo(configurato) == "Contabilità 2023: già presente"
    assert ImportazioneContabile.objects.get().tipo_versione == "preventivo"


def test_xlsx_come_il_csv(configurato, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["conto", "centro", "importo", "descrizione"])
    ws.append([60101, "CS.CAT", 1000.5, "stipendi"])
    ws.append([60701, None, "2.000,00", "organi: centro predefinito del conto"])
    f = tmp_path / "consuntivo.xlsx"
    wb.save(f)
    i = services.importa_contabilita(
        ambito=configurato, file=f, esercizio=2023, tipo_versione="consuntivo", attore=None
    )
    righe = list(RigaContabile.objects.filter(importazione=i).select_related("centro", "categoria"))
    assert [(r.riga_file, r.centro.codice, r.categoria.codice, r.importo) for r in righe] == [
        (2, "CS.CAT", "C01", D("1000.50")),
        (3, "ST.ORGANI", "C07", D("2000.00")),
    ]
