"""Selectors of the erogazioni area: the case section, lists, the riepilogo, and the reads for
the riparto (consumi_per_comune) and the SIUSS flows (erogazioni_per_siuss)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from django.db.models import F, Value
from django.utils import timezone

from ambito.cartella.models import Attivita, Erogazione, FinanziamentoErogazione, Isee, Residenza
from ambito.cartella.selectors import erogazioni as sel
from ambito.cartella.services import erogazioni as srv
from ambito.utenti.selectors import ambito_visibilita

from .test_erogazioni_servizi import crosswalk


def riga(
    mondo, intervento, dal, al, *, quantita="1", importo="10.00", ente=None, utente="0", annullata=False
):
    """A delivery written directly (scene setting); funds on FNPS for the quota ente."""
    ente = D(ente if ente is not None else importo)
    e = Erogazione.objects.create(
        ambito=mondo.ambito,
        intervento=intervento,
        dal=dal,
        al=al,
        data_erogazione=al,
        quantita=D(quantita),
        importo=D(importo),
        quota_ente=ente,
        quota_utente=D(utente),
        annullato_il=timezone.now() if annullata else None,
    )
    if ente:
        FinanziamentoErogazione.objects.create(erogazione=e, fondo=mondo.fnps, importo=ente)
    return e


def test_consumi_per_comune_by_hand(mondo, altro_mondo):
    # Distinct surnames: the fixture's name suffixes give equal codici fiscali for vowels.
    a1 = mondo.caso(servizio=mondo.sad, persona=mondo.persona(cognome="Verdi"))
    a2 = mondo.caso(servizio=mondo.sad, persona=mondo.persona(cognome="Neri"))
    b1 = mondo.caso(servizio=mondo.sad, comune=mondo.altro_comune, persona=mondo.persona(cognome="Gialli"))
    i_a1, i_a1bis = mondo.intervento(a1), mondo.intervento(a1, dal=dt.date(2024, 2, 1))
    i_a2, i_b1 = mondo.intervento(a2), mondo.intervento(b1)
    i_minori = mondo.intervento(mondo.caso(persona=mondo.persona(cognome="Bruni")))  # another service
    m = dt.date
    riga(
        mondo,
        i_a1,
        m(2024, 3, 1),
        m(2024, 3, 31),
        quantita="10",
        importo="150.00",
        ente="120.00",
        utente="30.00",
    )
    riga(mondo, i_a1bis, m(2024, 4, 1), m(2024, 4, 30), quantita="2.5", importo="37.50")
    riga(mondo, i_a2, m(2024, 2, 20), m(2024, 3, 5), quantita="4", importo="60.00")  # overlaps the start
    riga(mondo, i_a2, m(2024, 3, 6), m(2024, 3, 31), quantita="99", importo="999.00", annullata=True)
    riga(mondo, i_a2, m(2024, 5, 1), m(2024, 5, 31), quantita="7", importo="70.00")  # after the range
    riga(
        mondo,
        i_b1,
        m(2024, 4, 25),
        m(2024, 5, 10),
        quantita="3",
        importo="45.01",
        ente="40.00",
        utente="5.01",
    )
    riga(mondo, i_minori, m(2024, 3, 1), m(2024, 3, 31), quantita="1", importo="500.00")
    riga(
        altro_mondo,
        altro_mondo.intervento(altro_mondo.caso(servizio=altro_mondo.sad)),
        m(2024, 3, 1),
        m(2024, 3, 31),
        quantita="1",
        importo="1.00",
    )

    righe = sel.consumi_per_comune(mondo.ambito, mondo.sad, m(2024, 3, 1), m(2024, 4, 30))
    per_comune = {r["comune_id"]: r for r in righe}
    assert set(per_comune) == {mondo.comune.pk, mondo.altro_comune.pk}
    a = per_comune[mondo.comune.pk]
    assert a["unita"] == D("16.50")  # 10 + 2.5 + 4
    assert a["importo"] == D("247.50")  # 150 + 37.50 + 60
    assert a["quota_ente"] == D("217.50")  # 120 + 37.50 + 60
    assert a["quota_utente"] == D("30.00")
    assert a["persone"] == 2 and a["erogazioni"] == 3
    assert a["codice_istat"] == mondo.comune.codice_istat
    b = per_comune[mondo.altro_comune.pk]
    assert (b["unita"], b["importo"], b["quota_ente"], b["persone"]) == (D("3"), D("45.01"), D("40.00"), 1)
    # All services at once.
    tutti = sel.consumi_per_comune(mondo.ambito, None, m(2024, 3, 1), m(2024, 4, 30))
    assert {(r["comune_id"], r["servizio_id"]) for r in tutti} == {
        (mondo.comune.pk, mondo.sad.pk),
        (mondo.comune.pk, mondo.minori.pk),
        (mondo.altro_comune.pk, mondo.sad.pk),
    }


def test_a_withdrawn_case_counts_nowhere(mondo):
    """Deliveries of a case withdrawn as entered by mistake leave the riparto's consumption and
    the yearly counts (ISTAT, reports) that share `erogazioni_valide`."""
    m = dt.date
    buono = mondo.intervento(mondo.caso(servizio=mondo.sad, persona=mondo.persona(cognome="Verdi")))
    errato = mondo.caso(servizio=mondo.sad, persona=mondo.persona(cognome="Neri"))
    riga(mondo, buono, m(2024, 3, 1), m(2024, 3, 31), quantita="2", importo="20.00")
    riga(mondo, mondo.intervento(errato), m(2024, 3, 1), m(2024, 3, 31), quantita="5", importo="50.00")
    errato.segna_annullato("aperto per errore")

    (r,) = sel.consumi_per_comune(mondo.ambito, mondo.sad, m(2024, 1, 1), m(2024, 12, 31))
    assert (r["unita"], r["importo"], r["persone"]) == (D("2"), D("20.00"), 1)
    assert list(sel.erogazioni_dell_anno(mondo.ambito, 2024).values_list("importo", flat=True)) == [
        D("20.00")
    ]
    assert not sel.erogazioni_dell_anno(mondo.ambito, 2023).exists()


def test_erogazioni_per_siuss_one_delivery(mondo, django_assert_num_queries):
    crosswalk(mondo, mondo.sad, "siuss_codice_prestazione", "A1.04")
    crosswalk(mondo, mondo.sad, "siuss_area_utenza", "4")
    caso = mondo.caso(servizio=mondo.sad)
    p = caso.persona
    # A later residence in the other Comune: the one at the delivery date counts.
    Residenza.objects.filter(persona=p).update(al=dt.date(2024, 6, 30))
    Residenza.objects.create(
        ambito=mondo.ambito,
        persona=p,
        comune=mondo.altro_comune,
        codice_istat_comune=mondo.altro_comune.codice_istat,
        dal=dt.date(2024, 7, 1),
    )
    isee = Isee.objects.create(
        ambito=mondo.ambito,
        persona=p,
        valore=D("8123.45"),
        protocollo_dsu="INPS-ISEE-2024-00000123-00",
        data_dsu=dt.date(2024, 1, 15),
        scadenza=dt.date(2024, 12, 31),
    )
    i = srv.avvia_intervento(
        caso=caso,
        servizio=mondo.sad,
        dal=dt.date(2024, 2, 1),
        erogatore=mondo.coop,
        presenza_prova_mezzi="1",
        carattere_prestazione="1",
        protocollo_domanda="PROT-9",
        attore=mondo.direzione,
    )
    e = srv.registra_erogazione(
        intervento=i,
        dal=dt.date(2024, 3, 1),
        al=dt.date(2024, 3, 31),
        data_erogazione=dt.date(2024, 4, 5),
        quantita=D("12"),
        importo=D("240.00"),
        quota_ente=D("200.00"),
        quota_utente=D("30.00"),
        quota_ssn=D("10.00"),
        finanziamenti=[(mondo.fnps, D("200.00"))],
        attore=mondo.direzione,
    )
    annullata = riga(mondo, i, dt.date(2024, 4, 1), dt.date(2024, 4, 20), annullata=True)
    fuori = riga(mondo, i, dt.date(2024, 5, 1), dt.date(2024, 5, 31))
    with django_assert_num_queries(3):
        righe = list(sel.erogazioni_per_siuss(mondo.ambito, dt.date(2024, 4, 1), dt.date(2024, 4, 30)))
    assert len(righe) == 1
    r = righe[0]
    atteso = {
        "erogazione_id": e.pk,
        "intervento_id": i.pk,
        "caso_id": caso.pk,
        "persona_id": p.pk,
        "annullata": False,
        "codice_fiscale": p.codice_fiscale,
        "cf_temporaneo": False,
        "cognome": p.cognome,
        "nome": p.nome,
        "sesso": "M",
        "genere": "1",
        "data_nascita": dt.date(1950, 3, 1),
        "anno_nascita": 1950,
        "codice_belfiore_nascita": "F205",
        "cittadinanza": "100",
        "residenza_istat": mondo.comune.codice_istat,
        "codice_prestazione": "A1.04",
        "denominazione_prestazione": "Voce A1.04 di siuss_codice_prestazione",
        "area_utenza": "4",
        "protocollo_domanda": "PROT-9",
        "presenza_prova_mezzi": "1",
        "carattere_prestazione": "1",
        "isee_valore": D("8123.45"),
        "isee_protocollo_dsu": "INPS-ISEE-2024-00000123-00",
        "isee_data_dsu": dt.date(2024, 1, 15),
        "anno_dsu": 2024,
        "dal": dt.date(2024, 3, 1),
        "al": dt.date(2024, 3, 31),
        "data_erogazione": dt.date(2024, 4, 5),
        "quantita": D("12.00"),
        "importo": D("240.00"),
        "quota_ente": D("200.00"),
        "quota_utente": D("30.00"),
        "quota_ssn": D("10.00"),
        "presa_in_carico": True,
        "unita_misura": "casi",
    }
    assert {k: r[k] for k in atteso} == atteso
    assert isee.pk and fuori.pk
    # Annulled rows on request (for cancellations), and the residence moves with the date.
    tutte = list(
        sel.erogazioni_per_siuss(
            mondo.ambito, dt.date(2024, 4, 1), dt.date(2024, 8, 31), includi_annullate=True
        )
    )
    assert [x["erogazione_id"] for x in tutte] == [e.pk, annullata.pk, fuori.pk]
    assert [x["annullata"] for x in tutte] == [False, True, False]


def test_sezione_caso_constant_queries(mondo, django_assert_num_queries):
    caso = mondo.caso(servizio=mondo.sad)
    vis = ambito_visibilita(mondo.operatore_sad)
    i1 = mondo.intervento(caso, erogatore=mondo.coop)
    riga(mondo, i1, dt.date(2024, 2, 1), dt.date(2024, 2, 29), quantita="3", importo="30.00")
    with django_assert_num_queries(2):
        piccolo = sel.sezione_caso(vis, caso)
    i2 = mondo.intervento(caso, dal=dt.date(2024, 2, 10))
    giorno = dt.date(2024, 3, 1)
    for n in range(60):
        d = giorno + dt.timedelta(days=n)
        riga(mondo, i2, d, d, quantita="1", importo="10.00")
        Attivita.objects.create(
            ambito=mondo.ambito,
            intervento=i2,
            operatore=mondo.operatore_sad,
            data=d,
            tipo="assistenza",
            ore=D("1.5"),
        )
    with django_assert_num_queries(2):
        grande = sel.sezione_caso(vis, caso)
    assert len(piccolo["erogazioni_interventi"]) == 1
    per_pk = {i.pk: i for i in grande["erogazioni_interventi"]}
    assert per_pk[i2.pk].erogata == D("60") and per_pk[i2.pk].tot_importo == D("600.00")
    assert per_pk[i2.pk].tot_ore == D("90.00")
    assert [e.dal for e in per_pk[i2.pk].ultime_erogazioni] == [
        giorno + dt.timedelta(days=n) for n in (59, 58, 57)
    ]
    assert [e.dal for e in per_pk[i1.pk].ultime_erogazioni] == [dt.date(2024, 2, 1)]
    # Someone who cannot see the case's interventions gets none.
    assert sel.sezione_caso(ambito_visibilita(mondo.operatore), caso)["erogazioni_interventi"] == []


def test_miei_interventi_provider_and_operator(mondo):
    caso = mondo.caso(servizio=mondo.sad)
    mio = mondo.intervento(caso, erogatore=mondo.coop)
    altrui = mondo.intervento(mondo.caso(servizio=mondo.sad), erogatore=mondo.altra_coop)
    concluso = mondo.intervento(caso, erogatore=mondo.coop)
    concluso.al = dt.date(2024, 3, 1)
    concluso.save()
    vis = ambito_visibilita(mondo.erogatore)
    assert list(sel.miei_interventi(vis, mondo.erogatore)) == [mio]
    assert set(sel.miei_interventi(vis, mondo.erogatore, anche_conclusi=True)) == {mio, concluso}
    vis_op = ambito_visibilita(mondo.operatore_sad)
    assert set(sel.miei_interventi(vis_op, mondo.operatore_sad)) == {mio, altrui}
    assert list(sel.miei_interventi(ambito_visibilita(mondo.operatore), mondo.operatore)) == []


def test_riepilogo_intervento(mondo):
    i = mondo.intervento(mondo.caso(servizio=mondo.sad))
    riga(
        mondo,
        i,
        dt.date(2024, 2, 1),
        dt.date(2024, 2, 29),
        quantita="3",
        importo="30.00",
        ente="25.00",
        utente="5",
    )
    riga(mondo, i, dt.date(2024, 3, 1), dt.date(2024, 3, 31), quantita="4.5", importo="45.50")
    riga(mondo, i, dt.date(2024, 4, 1), dt.date(2024, 4, 30), quantita="100", importo="1000", annullata=True)
    for d, ore, acc in (
        (dt.date(2024, 2, 3), "2.5", 1),
        (dt.date(2024, 2, 20), "1", 0),
        (dt.date(2024, 3, 2), "0", 2),
    ):
        Attivita.objects.create(
            ambito=mondo.ambito,
            intervento=i,
            operatore=mondo.operatore_sad,
            data=d,
            tipo="assistenza",
            ore=D(ore),
            accessi=acc,
        )
    r = sel.riepilogo_intervento(i)
    assert (r["quantita_prevista"], r["quantita_erogata"], r["quantita_residua"]) == (
        D("10"),
        D("7.5"),
        D("2.5"),
    )
    assert r["percentuale_erogata"] == D("75.0")
    assert (r["importo"], r["quota_ente"], r["quota_utente"], r["quota_ssn"]) == (
        D("75.50"),
        D("70.50"),
        D("5.00"),
        D("0"),
    )
    assert r["n_erogazioni"] == 2
    assert [(f["fondo__codice"], f["importo"]) for f in r["per_fondo"]] == [("FNPS", D("70.50"))]
    assert [(m["mese"], m["ore"], m["accessi"]) for m in r["ore_per_mese"]] == [
        (dt.date(2024, 2, 1), D("3.50"), 1),
        (dt.date(2024, 3, 1), D("0"), 2),
    ]
    assert r["ore_totali"] == D("3.50") and r["accessi_totali"] == 3


def test_erogazioni_per_siuss_same_values_as_the_orm_iterator(mondo):
    """The memoized reader of erogazioni_per_siuss gives exactly what `.values().iterator()` gives:
    same keys in the same order, equal values of the same types (amounts with the same exponent),
    with raw values repeated across rows and chunks (dates, amounts, flags) and zero amounts."""
    crosswalk(mondo, mondo.sad, "siuss_codice_prestazione", "A1.04")
    caso = mondo.caso(servizio=mondo.sad)
    i = mondo.intervento(caso, erogatore=mondo.coop)
    for n in range(6):
        giorno = dt.date(2024, 3, 1) + dt.timedelta(days=n % 3)
        riga(mondo, i, giorno, giorno, quantita=str(n % 2 + 1), importo="12.50", utente="0")
    riga(mondo, i, dt.date(2024, 3, 9), dt.date(2024, 3, 9), importo="0.00", annullata=True)
    qs = (
        Erogazione.objects.filter(ambito=mondo.ambito)
        .annotate(residenza_istat=Value("000000"))
        .values(
            "residenza_istat",
            *[k for k, v in sel.CAMPI_SIUSS.items() if k == v],
            **{k: F(v) for k, v in sel.CAMPI_SIUSS.items() if k != v},
        )
        .order_by("data_erogazione", "id")
    )
    memo = list(sel._valori_memoizzati(qs, 3))
    orm = list(qs.iterator(chunk_size=3))
    assert len(memo) == 7
    assert [list(r.items()) for r in memo] == [list(r.items()) for r in orm]
    tipi = [[type(v) for v in r.values()] for r in memo]
    assert tipi == [[type(v) for v in r.values()] for r in orm]
    esponenti = [[v.as_tuple() for v in r.values() if isinstance(v, D)] for r in memo]
    assert esponenti == [[v.as_tuple() for v in r.values() if isinstance(v, D)] for r in orm]
    righe = sel.erogazioni_per_siuss(
        mondo.ambito, dt.date(2024, 1, 1), dt.date(2024, 12, 31), includi_annullate=True
    )
    assert [r["erogazione_id"] for r in righe] == [r["erogazione_id"] for r in orm]
