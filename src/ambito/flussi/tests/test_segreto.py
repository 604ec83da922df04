"""Statistical confidentiality: properties of the suppression, on random tables (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from ambito.flussi import segreto

conteggi = st.integers(min_value=0, max_value=12)


@st.composite
def tabelle(draw):
    """A grouped table: 2-4 groups of 1-4 rows, 2-6 columns, small counts (many 1s and 2s).

    At least two groups and two columns, as in the survey (7 areas, the Ambito's Comuni): with a
    single group a Comune's published total is its one group cell (see the test below)."""
    n_gruppi = draw(st.integers(2, 4))
    gruppi, n = {}, 0
    for g in range(n_gruppi):
        k = draw(st.integers(1, 4))
        gruppi[f"A{g}"] = [f"S{n + i}" for i in range(k)]
        n += k
    colonne = [f"C{i}" for i in range(draw(st.integers(2, 6)))]
    valori = {(r, c): draw(conteggi) for righe in gruppi.values() for r in righe for c in colonne}
    return gruppi, colonne, valori


def _celle(gruppi, colonne, valori):
    """Every published count, totals included, computed here independently of the module."""
    celle = {}
    for g, righe in gruppi.items():
        for c in colonne:
            for r in righe:
                celle[("s", r, c)] = valori[(r, c)]
            celle[("g", g, c)] = sum(valori[(r, c)] for r in righe)
        for r in righe:
            celle[("S", r)] = sum(valori[(r, c)] for c in colonne)
        celle[("G", g)] = sum(valori[(r, c)] for r in righe for c in colonne)
    for c in colonne:
        celle[("C", c)] = sum(v for (r, cc), v in valori.items() if cc == c)
    celle[("T",)] = sum(valori.values())
    return celle


@settings(max_examples=300, deadline=None)
@given(tabelle())
def test_no_relation_isolates_a_suppressed_cell(t):
    gruppi, colonne, valori = t
    o = segreto.oscura_gerarchica(valori, gruppi, colonne)
    assert o.non_protette == ()
    for rel in segreto.relazioni_gerarchiche(gruppi, colonne):
        assert sum(1 for k in rel if k in o) != 1, rel
    # Rows and columns of the plain service x Comune grid too: a Comune's column of services adds
    # up to the Comune's total, a service's row to the service's total.
    for c in colonne:
        col = [*(("s", r, c) for righe in gruppi.values() for r in righe), ("C", c)]
        assert sum(1 for k in col if k in o) != 1
    for righe in gruppi.values():
        for r in righe:
            assert sum(1 for k in [*(("s", r, c) for c in colonne), ("S", r)] if k in o) != 1


@settings(max_examples=300, deadline=None)
@given(tabelle())
def test_no_small_cell_published_and_primaries_kept(t):
    gruppi, colonne, valori = t
    celle = _celle(gruppi, colonne, valori)
    o = segreto.oscura_gerarchica(valori, gruppi, colonne)
    for k, v in celle.items():
        if k not in o:
            assert v == 0 or v >= segreto.SOGLIA, (k, v)
        if 0 < v < segreto.SOGLIA:
            assert k in o.primarie
    assert not (o.primarie & o.secondarie)


@settings(max_examples=200, deadline=None)
@given(tabelle())
def test_published_totals_equal_true_totals(t):
    """Totals are computed from every cell, suppressed ones included: what is published as a
    total is the true total, and the suppressed cells add up to total minus published cells."""
    gruppi, colonne, valori = t
    o = segreto.oscura_gerarchica(valori, gruppi, colonne)
    for righe in gruppi.values():
        for r in righe:
            totale = sum(valori[(r, c)] for c in colonne)
            pubblicate = sum(valori[(r, c)] for c in colonne if ("s", r, c) not in o)
            nascoste = [valori[(r, c)] for c in colonne if ("s", r, c) in o]
            assert pubblicate + sum(nascoste) == totale
            assert len(nascoste) != 1 or ("S", r) in o  # the total is hidden too, or it is safe


def test_zero_is_published_and_a_lone_small_cell_takes_the_smallest_partner():
    gruppi = {"FAM": ["SAD"]}
    valori = {("SAD", "A"): 2, ("SAD", "B"): 7, ("SAD", "C"): 4, ("SAD", "D"): 0}
    o = segreto.oscura_gerarchica(valori, gruppi, ["A", "B", "C", "D"])
    assert o.primarie == {("s", "SAD", "A"), ("g", "FAM", "A"), ("C", "A")}  # Comune A's total is 2
    # The smallest non-zero published cell of the row (4 in C), not the zero.
    assert ("s", "SAD", "C") in o.secondarie and ("s", "SAD", "D") not in o


def test_zero_only_when_nothing_else_is_left():
    o = segreto.oscura({"a": 1, "b": 0}, [["a", "b"]])
    assert o.oscurate == {"a", "b"}


def test_a_relation_of_one_cell_cannot_be_protected_and_is_reported():
    o = segreto.oscura({"a": 1}, [["a"]])
    assert o.non_protette == (0,)


def test_small_totals_are_suppressed_like_cells():
    """A Comune whose only area has one person: its area cell, its total and, here, every total
    that equals it are cells of 1 person, all suppressed, and no relation isolates one."""
    o = segreto.oscura_gerarchica({("S", "A"): 0, ("S", "B"): 1}, {"G": ["S"]}, ["A", "B"])
    assert {("s", "S", "B"), ("g", "G", "B"), ("C", "B"), ("S", "S"), ("G", "G"), ("T",)} <= o.primarie
    assert o.non_protette == ()
    for rel in segreto.relazioni_gerarchiche({"G": ["S"]}, ["A", "B"]):
        assert sum(k in o for k in rel) != 1, rel


def test_nothing_small_nothing_suppressed():
    valori = {("S", "A"): 0, ("S", "B"): 5}
    o = segreto.oscura_gerarchica(valori, {"G": ["S"]}, ["A", "B"])
    assert o.oscurate == frozenset()
