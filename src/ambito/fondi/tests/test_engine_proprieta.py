"""Properties of the ledger arithmetic: run random operations through the same check the
services use, keep the accepted ones, and look at the balances."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ambito.fondi import engine

importi = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
operazioni = st.lists(st.tuples(st.sampled_from(engine.TIPI), importi), max_size=60)


def applica(disponibile, ops):
    s = engine.Situazione(assegnato=disponibile)
    accettate = []
    for tipo, importo in ops:
        if engine.verifica_movimento(s, tipo, importo) is None:
            s = s.con_movimento(tipo, importo)
            accettate.append((tipo, importo))
    return s, accettate


@given(disponibile=importi, ops=operazioni)
def test_saldi_mai_negativi_e_identita(disponibile, ops):
    s, accettate = applica(disponibile, ops)
    righe = engine.registro(((i, t, v, False) for i, (t, v) in enumerate(accettate)), disponibile=disponibile)
    for r in righe:
        assert r.impegnato >= 0 and r.pagato >= 0
        assert r.residuo_da_pagare >= 0 and r.residuo_da_impegnare >= 0
        assert r.pagato <= r.impegnato <= disponibile
    assert engine.errori_situazione(s) == []
    impegni = sum((v for t, v in accettate if t == engine.IMPEGNO), Decimal(0))
    disimpegni = sum((v for t, v in accettate if t == engine.DISIMPEGNO), Decimal(0))
    pagamenti = sum((v for t, v in accettate if t == engine.PAGAMENTO), Decimal(0))
    storni = sum((v for t, v in accettate if t == engine.STORNO), Decimal(0))
    assert s.impegnato == impegni - disimpegni
    assert s.pagato == pagamenti - storni
    if righe:
        assert (righe[-1].impegnato, righe[-1].pagato) == (s.impegnato, s.pagato)


@given(disponibile=importi, ops=operazioni)
def test_impegni_monotoni_salvo_disimpegni_espliciti(disponibile, ops):
    _, accettate = applica(disponibile, ops)
    righe = engine.registro(((i, t, v, False) for i, (t, v) in enumerate(accettate)), disponibile=disponibile)
    precedente = None
    for r in righe:
        if precedente is not None:
            # gross commitments and de-commitments only grow
            assert r.impegni_cumulati >= precedente.impegni_cumulati
            assert r.disimpegni_cumulati >= precedente.disimpegni_cumulati
            # the net commitment falls only on a de-commitment row, and exactly by its amount
            if r.impegnato < precedente.impegnato:
                assert r.tipo == engine.DISIMPEGNO
                assert precedente.impegnato - r.impegnato == r.importo
            if r.pagato < precedente.pagato:
                assert r.tipo == engine.STORNO
        precedente = r


@given(disponibile=importi, ops=operazioni)
def test_operazione_rifiutata_violerebbe_un_invariante(disponibile, ops):
    s = engine.Situazione(assegnato=disponibile)
    for tipo, importo in ops:
        errore = engine.verifica_movimento(s, tipo, importo)
        dopo = s.con_movimento(tipo, importo)
        assert (errore is None) == (engine.errori_situazione(dopo) == [])
        if errore is None:
            s = dopo


@given(
    importo=st.decimals(min_value=Decimal("0.05"), max_value=Decimal("10000000"), places=2),
    n=st.integers(min_value=1, max_value=5),
    data=st.data(),
)
def test_quote_al_centesimo(importo, n, data):
    tagli = sorted(
        data.draw(
            st.lists(st.integers(1, int(importo * 100) - 1), min_size=n - 1, max_size=n - 1, unique=True)
        )
    )
    bordi = [0, *tagli, int(importo * 100)]
    quote = [(2021 + i, Decimal(b - a) / 100) for i, (a, b) in enumerate(zip(bordi, bordi[1:], strict=False))]
    assert engine.verifica_quote(importo, quote) == []
    anno, q = quote[0]
    sbagliate = [(anno, q + Decimal("0.01")), *quote[1:]]
    assert engine.verifica_quote(importo, sbagliate) != []


def test_kpi():
    s = engine.Situazione(assegnato=Decimal("617000"), impegni=Decimal("500000"), pagamenti=Decimal("308500"))
    assert s.kpi_pagato_su_assegnato == Decimal("50.00")
    assert engine.Situazione().kpi_pagato_su_assegnato is None


def test_righe_annullate_non_contano():
    righe = engine.registro(
        [(1, engine.IMPEGNO, Decimal("10"), False), (2, engine.IMPEGNO, Decimal("5"), True)], Decimal("20")
    )
    assert righe[1].impegnato == Decimal("10") and righe[1].residuo_da_impegnare == Decimal("10")


# --- the same properties through the services and the database (fewer examples) -----------------


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.sampled_from(engine.TIPI), importi), max_size=12))
def test_servizi_accettano_solo_operazioni_coerenti(fondo, ops):
    from django.core.exceptions import ValidationError

    from ambito.fondi import selectors, services
    from ambito.fondi.models import QuotaEsercizio

    from .conftest import assegna

    if not QuotaEsercizio.objects.filter(assegnazione__fondo=fondo).exists():
        assegna(fondo, "3000", annualita=2030)
    for tipo, importo in ops:
        try:
            services.registra_movimento(
                attore=None,
                fondo=fondo,
                esercizio=2030,
                tipo=tipo,
                data=dt.date(2030, 1, 1),
                importo=importo,
                riferimento="r",
                motivo="m",
            )
        except ValidationError:
            pass
    s = services.situazione(fondo, 2030)
    assert engine.errori_situazione(s) == []
    righe = selectors.registro(fondo.ambito, fondo, 2030, s.disponibile)
    assert all(r.residuo_da_pagare >= 0 and r.pagato >= 0 for r in righe)
