"""Advances and balance in the database: issuing, idempotency, credit notes, balance, plan."""

import dataclasses
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from ambito.core.models import EventoAudit
from ambito.gestione import selectors_acconti as sel
from ambito.gestione import services
from ambito.gestione import services_acconti as srv
from ambito.gestione.models import Addebito, PianoAcconti, QuotaRiparto, TipoAddebito, TipoVersione

from .conftest import ESEMPIO

CENT = D("0.01")


def importa(ambito, nome, tipo, delta_cat=None, approva=True):
    v = services.importa_riparto(
        ambito=ambito, file=ESEMPIO, esercizio=2023, versione=nome, tipo=tipo, attore=None
    )
    if delta_cat is not None:
        dati = services.dati_versione(v)
        costi = dict(dati.costi_diretti)
        costi["CAT"] += delta_cat
        services.ricalcola_versione(
            versione=v,
            dati=dataclasses.replace(dati, costi_diretti=costi),
            attore=None,
            azione="gestione.modifica_costo",
            descrizione=f"CAT {delta_cat}",
        )
    if approva:
        services.approva_versione(versione=v, attore=None)
    return v


def totali(v) -> dict[int, D]:
    return {
        r["comune_id"]: r["t"]
        for r in QuotaRiparto.objects.filter(versione=v).values("comune_id").annotate(t=Sum("importo"))
    }


@pytest.fixture
def preventivo(ambito, comuni):
    return importa(ambito, "preventivo", TipoVersione.PREVENTIVO)


def test_acconto_richiede_versione_approvata(ambito, comuni):
    v = importa(ambito, "preventivo", TipoVersione.PREVENTIVO, approva=False)
    with pytest.raises(ValidationError, match="manca la versione"):
        srv.emetti_acconto(esercizio=v.esercizio, rata=1, attore=None)
    assert not Addebito.objects.exists()


def test_primo_acconto_resti_maggiori_e_idempotente(ambito, preventivo):
    es = preventivo.esercizio
    t = totali(preventivo)
    esito = srv.emetti_acconto(esercizio=es, rata=1, attore=None)
    docs = list(Addebito.objects.filter(esercizio=es).order_by("numero"))
    assert len(esito.emessi) == len(docs) == len([x for x in t.values() if x])
    assert [d.numero for d in docs] == list(range(1, len(docs) + 1))
    somma = sum(d.importo for d in docs)
    assert somma == (sum(t.values()) * D("0.5")).quantize(CENT, rounding="ROUND_HALF_UP")
    for d in docs:
        assert d.tipo == TipoAddebito.ACCONTO and d.versione == preventivo and d.rata.numero == 1
        assert d.base == t[d.comune_id]
        assert abs(d.importo - t[d.comune_id] / 2) < CENT
        assert d.esatto == t[d.comune_id] / 2
    assert EventoAudit.objects.filter(azione="gestione.emetti_acconto").count() == len(docs)
    # the default plan was stored
    assert list(PianoAcconti.objects.filter(esercizio=es).values_list("nome", "percentuale")) == [
        ("1° acconto", D(50)),
        ("2° acconto", D(40)),
    ]
    # twice: nothing new, and it says so
    di_nuovo = srv.emetti_acconto(esercizio=es, rata=1, attore=None)
    assert di_nuovo.emessi == [] and "già emesso" in di_nuovo.messaggio
    assert Addebito.objects.count() == len(docs)


def test_secondo_acconto_sull_assestamento_approvato(ambito, preventivo):
    es = preventivo.esercizio
    srv.emetti_acconto(esercizio=es, rata=1, attore=None)
    assest = importa(ambito, "assestamento", TipoVersione.ASSESTAMENTO, delta_cat=D(20000))
    srv.emetti_acconto(esercizio=es, rata=2, attore=None)
    secondo = Addebito.objects.filter(rata__numero=2)
    assert {d.versione_id for d in secondo} == {assest.pk}
    t = totali(assest)
    assert sum(d.importo for d in secondo) == (sum(t.values()) * D("0.4")).quantize(CENT)
    primo = Addebito.objects.filter(rata__numero=1)
    assert {d.versione_id for d in primo} == {preventivo.pk}


def test_storno_con_nota_di_credito_e_riemissione(ambito, preventivo, comuni):
    es = preventivo.esercizio
    srv.emetti_acconto(esercizio=es, rata=1, attore=None)
    sgm = comuni["015195"]
    doc = Addebito.objects.get(comune=sgm, rata__numero=1)
    with pytest.raises(ValidationError, match="motivo"):
        srv.storna(addebito=doc, motivo=" ", attore=None)
    esito = srv.storna(addebito=doc, motivo="importo errato", attore=None)
    nota = esito.emessi[0]
    assert nota.tipo == TipoAddebito.NOTA_CREDITO and nota.importo == -doc.importo and nota.storna == doc
    assert nota.numero == Addebito.objects.filter(esercizio=es).count()
    doc.refresh_from_db()
    assert doc.annullato_da == nota  # the original is kept, cancelled
    # twice: no second credit note
    assert srv.storna(addebito=doc, motivo="ancora", attore=None).emessi == []
    with pytest.raises(ValidationError, match="nota di credito"):
        srv.storna(addebito=nota, motivo="x", attore=None)
    riga = next(r for r in sel.prospetto_acconti(ambito, 2023) if r.comune == sgm)
    assert riga.acconti[0] == 0
    # issuing the tranche again re-issues it to that Comune only
    di_nuovo = srv.emetti_acconto(esercizio=es, rata=1, attore=None)
    assert [d.comune for d in di_nuovo.emessi] == [sgm] and di_nuovo.emessi[0].importo == doc.importo
    riga = next(r for r in sel.prospetto_acconti(ambito, 2023) if r.comune == sgm)
    assert riga.acconti[0] == doc.importo
    assert Addebito.objects.filter(comune=sgm).count() == 3


def test_piano_modificabile_solo_prima_degli_acconti(ambito, preventivo):
    es = preventivo.esercizio
    import datetime as dt

    rate = [
        {
            "nome": "Acconto unico",
            "scadenza": dt.date(2023, 3, 31),
            "percentuale": D(90),
            "base": "preventivo",
        }
    ]
    with pytest.raises(ValidationError, match="100%"):
        srv.imposta_piano(esercizio=es, rate=[rate[0], {**rate[0], "nome": "Altro"}], attore=None)
    srv.imposta_piano(esercizio=es, rate=rate, attore=None)
    assert list(PianoAcconti.objects.filter(esercizio=es).values_list("numero", "nome")) == [
        (1, "Acconto unico")
    ]
    assert EventoAudit.objects.filter(azione="gestione.imposta_piano_acconti").count() == 1
    srv.emetti_acconto(esercizio=es, rata=1, attore=None)
    assert Addebito.objects.aggregate(t=Sum("importo"))["t"] == (
        sum(totali(preventivo).values()) * D("0.9")
    ).quantize(CENT)
    with pytest.raises(ValidationError, match="già stati emessi"):
        srv.imposta_piano(esercizio=es, rate=rate, attore=None)


def test_saldo_al_consuntivo_netto_del_fatturato(ambito, preventivo):
    es = preventivo.esercizio
    with pytest.raises(ValidationError, match="consuntivo"):
        srv.emetti_saldo(esercizio=es, attore=None)
    srv.emetti_acconto(esercizio=es, rata=1, attore=None)
    srv.emetti_acconto(esercizio=es, rata=2, attore=None)
    bozza = importa(ambito, "consuntivo", TipoVersione.CONSUNTIVO, delta_cat=D(30000), approva=False)
    righe = sel.prospetto_acconti(ambito, 2023)
    assert "consuntivo" in righe[-1].bozze  # a draft consuntivo is shown, flagged
    with pytest.raises(ValidationError, match="non è ancora approvato"):
        srv.emetti_saldo(esercizio=es, attore=None)
    services.approva_versione(versione=bozza, attore=None)
    cons = totali(bozza)
    acconti = {
        r["comune_id"]: r["t"] for r in Addebito.objects.values("comune_id").annotate(t=Sum("importo"))
    }
    righe = sel.prospetto_acconti(ambito, 2023)
    for r in righe[:-1]:
        assert r.saldo == cons[r.comune.pk] - acconti[r.comune.pk] == r.da_fatturare
    esito = srv.emetti_saldo(esercizio=es, attore=None)
    assert esito.emessi
    for d in esito.emessi:
        assert d.tipo == TipoAddebito.SALDO and d.versione == bozza
        assert d.importo == cons[d.comune_id] - acconti[d.comune_id]
    # everything invoiced now equals the consuntivo, per Comune and in total
    fatt = {r["comune_id"]: r["t"] for r in Addebito.objects.values("comune_id").annotate(t=Sum("importo"))}
    assert fatt == cons
    righe = sel.prospetto_acconti(ambito, 2023)
    tot = righe[-1]
    assert tot.comune is None and tot.consuntivo == sum(cons.values()) == tot.fatturato
    assert tot.acconti_totale + tot.saldo == tot.consuntivo and tot.da_fatturare == 0
    assert all(r.da_fatturare == 0 for r in righe)
    assert tot.preventivo == sum(totali(preventivo).values())
    # twice: nothing
    assert srv.emetti_saldo(esercizio=es, attore=None).emessi == []


def test_saldo_negativo_e_un_rimborso(ambito, preventivo):
    import datetime as dt

    es = preventivo.esercizio
    srv.imposta_piano(
        esercizio=es,
        rate=[
            {"nome": "Unico", "scadenza": dt.date(2023, 1, 31), "percentuale": D(100), "base": "preventivo"}
        ],
        attore=None,
    )
    srv.emetti_acconto(esercizio=es, rata=1, attore=None)
    cons = importa(ambito, "consuntivo", TipoVersione.CONSUNTIVO, delta_cat=D(-50000))
    esito = srv.emetti_saldo(esercizio=es, attore=None)
    assert esito.emessi and all(d.importo < 0 for d in esito.emessi)  # CAT cost lower: refunds
    assert sum(d.importo for d in esito.emessi) == sum(totali(cons).values()) - sum(
        totali(preventivo).values()
    )
    # a wrong balance is cancelled and re-issued
    d = esito.emessi[0]
    srv.storna(addebito=d, motivo="errore", attore=None)
    di_nuovo = srv.emetti_saldo(esercizio=es, attore=None)
    assert [(x.comune_id, x.importo) for x in di_nuovo.emessi] == [(d.comune_id, d.importo)]


def test_query_costanti(ambito, preventivo, comuni, django_assert_num_queries):
    """8 queries whatever the number of Comuni, tranches and documents."""
    es = preventivo.esercizio
    with django_assert_num_queries(8):
        sel.acconti(ambito, 2023)
    srv.emetti_acconto(esercizio=es, rata=1, attore=None)
    srv.emetti_acconto(esercizio=es, rata=2, attore=None)
    srv.storna(addebito=Addebito.objects.first(), motivo="x", attore=None)
    with django_assert_num_queries(8):
        p = sel.acconti(ambito, 2023)
        [
            (d.comune.nome, d.rata.nome, d.versione.nome, d.storna and d.storna.esercizio.anno)
            for d in p.documenti
        ]
    with django_assert_num_queries(8):
        sel.acconti(ambito, 2023, comune_id=comuni["015195"].pk)
