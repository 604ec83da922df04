"""The pure arithmetic: a table that does not add up is refused; shares add up to 100."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ambito.relazioni import engine as e

COLONNE = (e.Colonna("Voce"), e.Colonna("Importo", e.EURO, somma=True), e.Colonna("Per utente", e.EURO))


def test_a_table_whose_rows_add_up_passes():
    righe = (("a", D("10.10"), D("1")), ("b", D("0.20"), None))
    t = e.Tabella("T", COLONNE, righe, e.totali(COLONNE, righe))
    assert e.verifica(t).totale == ("Totale", D("10.30"), None)


def test_a_table_off_by_one_cent_is_refused():
    righe = (("a", D("4412179.01"), None),)
    with pytest.raises(e.TabellaNonQuadra, match="Importo"):
        e.verifica(e.Tabella("Consuntivo", COLONNE, righe, ("Totale", D("4412179.02"), None)))


def test_a_missing_total_or_a_short_row_is_refused():
    with pytest.raises(e.TabellaNonQuadra):
        e.verifica(e.Tabella("T", COLONNE, (("a", D(1), None),), ("Totale", None, None)))
    with pytest.raises(e.TabellaNonQuadra):
        e.verifica(e.Tabella("T", COLONNE, (("a", D(1)),), None))


def test_a_column_without_data_has_no_total():
    righe = (("a", None, None), ("b", None, None))
    e.verifica(e.Tabella("T", COLONNE, righe, ("Totale", None, None)))


def test_per_user_cost_delta_and_share():
    assert e.per_utente(D("100"), 3) == D("33.33")
    assert e.per_utente(D("100"), 0) is None
    assert e.variazione(D("4412179.02"), D("4571888.48")) == (D("-159709.46"), D("-3.49"))
    assert e.variazione(D("1"), None) == (None, None)
    assert e.percentuale(D("202025.92"), D("617025.92")) == D("32.74")


def test_sections_that_disagree_are_refused():
    e.verifica_coerenza("x", D("1.00"), D("1"))
    with pytest.raises(e.TabellaNonQuadra, match="incoerenti"):
        e.verifica_coerenza("x", D("1.00"), D("1.01"))


@given(st.lists(st.decimals(min_value=0, max_value=10**9, places=2), min_size=1, max_size=30))
def test_shares_always_add_up_to_exactly_100(valori):
    quote = e.quote_percentuali(valori)
    if sum(valori) == 0:
        assert all(q is None for q in quote)
    else:
        assert sum(quote) == D("100.00")
        assert all(abs(q - v * 100 / sum(valori)) < D("0.01") for q, v in zip(quote, valori, strict=True))


importi = st.one_of(st.none(), st.decimals(min_value=-(10**7), max_value=10**7, places=2))


@given(
    st.lists(st.tuples(importi, importi), max_size=20), st.integers(0, 1), st.sampled_from(["0.01", "-0.01"])
)
def test_any_table_with_its_own_totals_passes_and_a_cent_off_is_refused(righe, colonna, cent):
    colonne = (e.Colonna("Voce"), e.Colonna("A", e.EURO, somma=True), e.Colonna("B", e.EURO, somma=True))
    righe = tuple(("r", a, b) for a, b in righe)
    totale = e.totali(colonne, righe)
    e.verifica(e.Tabella("T", colonne, righe, totale))
    sbagliato = list(totale)
    sbagliato[colonna + 1] = (sbagliato[colonna + 1] or D(0)) + D(cent)
    with pytest.raises(e.TabellaNonQuadra):
        e.verifica(e.Tabella("T", colonne, righe, tuple(sbagliato)))
