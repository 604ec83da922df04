import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ambito.core.models import EventoAudit
from ambito.fondi import services
from ambito.fondi.models import (
    Accantonamento,
    AttoAssegnazione,
    Destinazione,
    MovimentoFondo,
    QuotaEsercizio,
)

from .conftest import assegna, movimento


def test_assegnazione_fnps_2021_divisa_su_due_esercizi(fondo, amministrazione):
    atto = assegna(
        fondo,
        "617025.92",
        quote=[(2021, D("202025.92")), (2022, D("415000.00"))],
        annualita=2021,
        attore=amministrazione,
    )
    assert sorted(atto.quote.values_list("esercizio", "importo")) == [
        (2021, D("202025.92")),
        (2022, D("415000.00")),
    ]
    assert services.situazione(fondo, 2021).assegnato == D("202025.92")
    assert services.situazione(fondo, 2022).assegnato == D("415000.00")
    ev = EventoAudit.objects.get(azione="fondi.registra_assegnazione")
    assert ev.attore == amministrazione and ev.dopo["quote"] == {"2021": "202025.92", "2022": "415000.00"}


@pytest.mark.parametrize(
    "quote, frammento",
    [
        ([(2021, D("202025.91")), (2022, D("415000.00"))], "differenza 0,01"),
        ([(2021, D("617025.92")), (2021, D("0.01"))], "una sola volta"),
        ([], "almeno una quota"),
        ([(2021, D("617025.925"))], "due decimali"),
        ([(2021, D("-1")), (2022, D("617026.92"))], "maggiore di zero"),
    ],
)
def test_quote_che_non_tornano_al_centesimo_sono_rifiutate(fondo, quote, frammento):
    with pytest.raises(ValidationError) as exc:
        assegna(fondo, "617025.92", quote=quote, annualita=2021)
    assert frammento in " ".join(exc.value.messages)
    assert not AttoAssegnazione.objects.exists() and not QuotaEsercizio.objects.exists()
    assert not EventoAudit.objects.exists()


def test_accantonamento_e_utilizzo_non_oltre_quanto_accantonato(fondo):
    assegna(fondo, "500000", annualita=2020)
    acc = services.registra_accantonamento(
        attore=None, fondo=fondo, esercizio=2020, importo=D("120000"), motivo="Attività distrettuali 2021"
    )
    s2020 = services.situazione(fondo, 2020)
    assert s2020.disponibile == D("380000.00")
    services.utilizza_accantonamento(attore=None, accantonamento=acc, esercizio=2021, importo=D("100000"))
    with pytest.raises(ValidationError, match="restano 20.000,00"):
        services.utilizza_accantonamento(
            attore=None, accantonamento=acc, esercizio=2021, importo=D("20000.01")
        )
    with pytest.raises(ValidationError, match="precedente"):
        services.utilizza_accantonamento(attore=None, accantonamento=acc, esercizio=2019, importo=D("1"))
    services.utilizza_accantonamento(attore=None, accantonamento=acc, esercizio=2021, importo=D("20000"))
    assert services.situazione(fondo, 2021).disponibile == D("120000.00")
    with pytest.raises(ValidationError, match="restano liberi"):
        services.registra_accantonamento(
            attore=None, fondo=fondo, esercizio=2020, importo=D("380000.01"), motivo="x"
        )
    assert Accantonamento.objects.count() == 1


def test_destinazione_non_oltre_il_disponibile(fondo, servizio, paullo):
    assegna(fondo, "1000")
    d = services.registra_destinazione(
        attore=None, fondo=fondo, esercizio=2023, servizio=servizio, importo=D("600"), comuni=[paullo]
    )
    assert list(d.comuni.all()) == [paullo]
    with pytest.raises(ValidationError, match="400,00 € ancora da destinare"):
        services.registra_destinazione(
            attore=None, fondo=fondo, esercizio=2023, servizio=servizio, importo=D("400.01")
        )
    services.registra_destinazione(
        attore=None, fondo=fondo, esercizio=2023, servizio=servizio, importo=D("400")
    )
    assert Destinazione.objects.count() == 2
    with pytest.raises(ValidationError):
        services.registra_destinazione(
            attore=None, fondo=fondo, esercizio=2024, servizio=servizio, importo=D("1")
        )


def test_destinazione_con_dati_di_altro_ambito_rifiutata(fondo, altro_ambito):
    from ambito.catalogo.models import Servizio

    estraneo = Servizio.objects.create(ambito=altro_ambito, codice="X", nome="X")
    assegna(fondo, "1000")
    with pytest.raises(ValidationError, match="altro Ambito"):
        services.registra_destinazione(
            attore=None, fondo=fondo, esercizio=2023, servizio=estraneo, importo=D("1")
        )


def test_impegni_pagamenti_disimpegni_storni(fondo):
    assegna(fondo, "1000")
    with pytest.raises(ValidationError, match="supera il residuo da impegnare"):
        movimento(fondo, "impegno", "1000.01")
    movimento(fondo, "impegno", "800")
    with pytest.raises(ValidationError, match="supera l'impegnato"):
        movimento(fondo, "pagamento", "800.01")
    movimento(fondo, "pagamento", "500")
    with pytest.raises(ValidationError, match="non ancora pagato"):
        movimento(fondo, "disimpegno", "300.01")
    movimento(fondo, "disimpegno", "300")
    with pytest.raises(ValidationError, match="supera il pagato"):
        movimento(fondo, "storno", "500.01")
    movimento(fondo, "storno", "100")
    s = services.situazione(fondo, 2023)
    assert (s.impegnato, s.pagato, s.residuo_da_pagare, s.residuo_da_impegnare) == (
        D("500.00"),
        D("400.00"),
        D("100.00"),
        D("500.00"),
    )
    assert s.kpi_pagato_su_assegnato == D("40.00")
    assert EventoAudit.objects.filter(azione__startswith="fondi.registra_").count() == 5


@pytest.mark.parametrize(
    "kw, frammento",
    [
        ({"tipo": "impegno", "importo": D("-5")}, "maggiore di zero"),
        ({"tipo": "impegno", "importo": D("0")}, "maggiore di zero"),
        ({"tipo": "disimpegno", "importo": D("1"), "motivo": ""}, "richiede il motivo"),
        ({"tipo": "impegno", "importo": D("1"), "data": dt.date(2024, 1, 10)}, "fuori dall'esercizio"),
        ({"tipo": "impegno", "importo": D("1"), "riferimento": " "}, "riferimento"),
        ({"tipo": "rimborso", "importo": D("1")}, "Tipo di movimento"),
    ],
)
def test_movimenti_non_validi(fondo, kw, frammento):
    assegna(fondo, "1000")
    args = {
        "attore": None,
        "fondo": fondo,
        "esercizio": 2023,
        "data": dt.date(2023, 5, 1),
        "riferimento": "Det. 5",
        "motivo": "",
    } | kw
    with pytest.raises(ValidationError) as exc:
        services.registra_movimento(**args)
    assert frammento in " ".join(exc.value.messages)
    assert not MovimentoFondo.objects.exists()


def test_data_fuori_esercizio_documentata_accettata(fondo):
    assegna(fondo, "1000")
    m = movimento(
        fondo, "impegno", "10", data=dt.date(2024, 1, 15), motivo="Impegno di competenza 2023 (det. 3/2024)"
    )
    assert m.esercizio == 2023


def test_il_modello_rifiuta_modifiche_e_cancellazioni(fondo):
    assegna(fondo, "1000")
    m = movimento(fondo, "impegno", "100")
    m.importo = D("50")
    with pytest.raises(PermissionDenied):
        m.save()
    with pytest.raises(PermissionDenied):
        MovimentoFondo.objects.filter(pk=m.pk).update(importo=D("50"))
    with pytest.raises(PermissionDenied):
        MovimentoFondo.objects.get(pk=m.pk).delete()
    with pytest.raises(PermissionDenied):
        MovimentoFondo.objects.all().delete()
    assert MovimentoFondo.objects.get(pk=m.pk).importo == D("100.00")


def test_annullamento_di_riga_errata(fondo, amministrazione):
    assegna(fondo, "1000")
    imp = movimento(fondo, "impegno", "100")
    errato = (
        movimento(fondo, "impegno", "1000", esercizio=2023) if False else movimento(fondo, "impegno", "90")
    )
    pag = movimento(fondo, "pagamento", "150")
    with pytest.raises(ValidationError, match="Annullamento non possibile"):
        services.annulla_movimento(attore=amministrazione, movimento=errato, motivo="doppio")
    with pytest.raises(ValidationError, match="motivo"):
        services.annulla_movimento(attore=amministrazione, movimento=pag, motivo="")
    services.annulla_movimento(attore=amministrazione, movimento=pag, motivo="importo errato")
    services.annulla_movimento(attore=amministrazione, movimento=errato, motivo="doppio")
    with pytest.raises(ValidationError, match="già annullato"):
        services.annulla_movimento(attore=amministrazione, movimento=errato, motivo="doppio")
    s = services.situazione(fondo, 2023)
    assert (s.impegnato, s.pagato) == (D("100.00"), D("0.00"))
    assert MovimentoFondo.objects.count() == 3 and imp.pk
    ev = EventoAudit.objects.filter(azione="fondi.annulla_movimento").first()
    assert ev.prima["annullato_il"] is None and ev.dopo["annullato_il"]
    errato.refresh_from_db()
    with pytest.raises(PermissionDenied):
        errato.save()


def test_crea_fondo(ambito, amministrazione):
    f = services.crea_fondo(
        ambito=ambito, attore=amministrazione, codice="dopo_di_noi", nome="Dopo di Noi", tipo="statale"
    )
    assert f.codice == "DOPO_DI_NOI"
    with pytest.raises(ValidationError, match="Esiste già"):
        services.crea_fondo(
            ambito=ambito, attore=amministrazione, codice="DOPO_DI_NOI", nome="x", tipo="statale"
        )
    with pytest.raises(ValidationError, match="Tipo"):
        services.crea_fondo(ambito=ambito, attore=amministrazione, codice="Y", nome="x", tipo="boh")
