"""Statistical confidentiality of published counts (segreto statistico), with no Django import.

Published tables of users must not let a reader single out one person. The rule used:

- **primary suppression**: a cell counting 1 or 2 persons is not published (0 is published as 0);
- **secondary (complementary) suppression**: cells are tied by linear relations whose other
  terms are published (a row adds up to its published total, an area's services add up to the
  area's cell). A relation with exactly one suppressed cell gives that cell away by subtraction,
  so the smallest published cell of that relation is suppressed too (a non-zero one first, a zero
  only when nothing else is left), until no relation has exactly one suppressed cell.

Totals are cells too: a total of 1 or 2 persons (a Comune's, a service's, an area's) is
suppressed like any other cell, and a relation's total is one of its terms, so a suppressed total
is protected by the same rule. A published total is the true total. Amounts (spending,
co-payments) are suppressed together with the users cell they belong to, so the same pattern
protects them.

This is the usual heuristic for additive tables, not a linear-programming audit: it guarantees
that no row, column or subtotal relation isolates a suppressed cell.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

SOGLIA = 3  # cells with 1 to SOGLIA-1 persons are suppressed
REGOLA = (
    "Segreto statistico: non sono pubblicate le celle con 1 o 2 persone (oscuramento primario); "
    "in ogni riga, colonna o subtotale con una sola cella oscurata è oscurata anche la cella più "
    "piccola ancora pubblicata (oscuramento secondario), ripetendo fino a che nessun totale permette "
    "di ricavare una cella oscurata. I totali sono celle come le altre: un totale di 1 o 2 persone "
    "non è pubblicato. Gli importi sono oscurati insieme alla cella degli utenti. I totali "
    "pubblicati sono uguali ai valori veri. 0 è pubblicato come 0."
)


@dataclass(frozen=True)
class Oscuramento:
    """Which cells are suppressed, and why."""

    primarie: frozenset
    secondarie: frozenset
    # Relations (by index) with one suppressed cell and no other cell to suppress: a total equals
    # a single sensitive cell. Empty for any table with at least two cells per relation.
    non_protette: tuple[int, ...] = ()

    @property
    def oscurate(self) -> frozenset:
        return self.primarie | self.secondarie

    def __contains__(self, chiave) -> bool:
        return chiave in self.primarie or chiave in self.secondarie


def sensibile(valore: int, soglia: int = SOGLIA) -> bool:
    return 0 < valore < soglia


def oscura(
    valori: Mapping[Hashable, int], relazioni: Iterable[Sequence[Hashable]], soglia: int = SOGLIA
) -> Oscuramento:
    """Primary then secondary suppression of `valori` under `relazioni` (each a list of cell keys
    tied by one equation: all its terms, or those not listed are published). Deterministic: ties
    go to the cell listed first in the relation."""
    relazioni = [list(r) for r in relazioni]
    primarie = {k for k, v in valori.items() if sensibile(v, soglia)}
    oscurate = set(primarie)
    per_cella: dict[Hashable, list[int]] = {}
    for i, rel in enumerate(relazioni):
        for k in rel:
            per_cella.setdefault(k, []).append(i)
    da_vedere = list(range(len(relazioni)))
    non_protette: set[int] = set()
    while da_vedere:
        prossime: set[int] = set()
        for i in da_vedere:
            rel = relazioni[i]
            if sum(1 for k in rel if k in oscurate) != 1:
                continue
            pubblicate = [(valori.get(k, 0) == 0, valori.get(k, 0), j, k) for j, k in enumerate(rel)]
            pubblicate = [p for p in pubblicate if p[3] not in oscurate]
            if not pubblicate:
                non_protette.add(i)
                continue
            scelta = min(pubblicate, key=lambda p: p[:3])[3]
            oscurate.add(scelta)
            prossime.update(per_cella.get(scelta, ()))
        da_vedere = sorted(prossime)
    return Oscuramento(
        primarie=frozenset(primarie),
        secondarie=frozenset(oscurate - primarie),
        non_protette=tuple(sorted(i for i in non_protette if sum(k in oscurate for k in relazioni[i]) == 1)),
    )


# --- the survey's table: services grouped by area (rows) x Comuni (columns) -----------------------
#
# Cell keys: ("s", row, column) a service in a Comune, ("g", group, column) an area in a Comune,
# ("S", row) a service's total, ("G", group) an area's total, ("M", group, subgroup) a macro-area's
# total within its area, ("C", column) a Comune's total, ("T",) the grand total.


def relazioni_gerarchiche(
    gruppi: Mapping[Hashable, Sequence[Hashable]],
    colonne: Sequence[Hashable],
    sottogruppi: Mapping[Hashable, Mapping[Hashable, Sequence[Hashable]]] | None = None,
) -> list[list[tuple]]:
    """The equations of a table whose rows are grouped (area -> services, optionally area ->
    macro-area -> services) with every total published as a cell: each relation's terms add up
    (the last term is the sum of the others)."""
    rel: list[list[tuple]] = []
    for g, righe in gruppi.items():
        for r in righe:
            rel.append([*(("s", r, c) for c in colonne), ("S", r)])  # a service across Comuni
        rel.append([*(("g", g, c) for c in colonne), ("G", g)])  # an area across Comuni
        for c in colonne:
            rel.append([*(("s", r, c) for r in righe), ("g", g, c)])  # services of the area, a Comune
        rel.append([*(("S", r) for r in righe), ("G", g)])  # services of the area, all Comuni
        for m, righe_m in ((sottogruppi or {}).get(g) or {}).items():
            rel.append([*(("S", r) for r in righe_m), ("M", g, m)])  # services of a macro-area
        if (sottogruppi or {}).get(g):
            rel.append([*(("M", g, m) for m in sottogruppi[g]), ("G", g)])  # macro-areas of the area
    tutte = [r for righe in gruppi.values() for r in righe]
    for c in colonne:
        rel.append([*(("g", g, c) for g in gruppi), ("C", c)])  # areas of a Comune
        rel.append([*(("s", r, c) for r in tutte), ("C", c)])  # all its services (implied, listed)
    rel.append([*(("C", c) for c in colonne), ("T",)])  # Comuni
    rel.append([*(("G", g) for g in gruppi), ("T",)])  # areas
    rel.append([*(("S", r) for r in tutte), ("T",)])  # all services (implied, listed)
    return rel


def oscura_gerarchica(
    valori: Mapping[tuple[Hashable, Hashable], int],
    gruppi: Mapping[Hashable, Sequence[Hashable]],
    colonne: Sequence[Hashable],
    soglia: int = SOGLIA,
    sottogruppi: Mapping[Hashable, Mapping[Hashable, Sequence[Hashable]]] | None = None,
) -> Oscuramento:
    """Suppression of a grouped table with its totals. `valori` maps (row, column) to persons
    (missing = 0); `gruppi` maps each group to its rows, `sottogruppi` each group to its subgroups'
    rows. Keys of the result as in `relazioni_gerarchiche`."""
    celle: dict[tuple, int] = {}
    for g, righe in gruppi.items():
        celle[("G", g)] = 0
        for r in righe:
            celle[("S", r)] = sum(valori.get((r, c), 0) for c in colonne)
            celle[("G", g)] += celle[("S", r)]
        for c in colonne:
            sub = 0
            for r in righe:
                v = valori.get((r, c), 0)
                celle[("s", r, c)] = v
                sub += v
            celle[("g", g, c)] = sub
        for m, righe_m in ((sottogruppi or {}).get(g) or {}).items():
            celle[("M", g, m)] = sum(celle[("S", r)] for r in righe_m)
    for c in colonne:
        celle[("C", c)] = sum(celle[("g", g, c)] for g in gruppi)
    celle[("T",)] = sum(celle[("C", c)] for c in colonne)
    return oscura(celle, relazioni_gerarchiche(gruppi, colonne, sottogruppi), soglia)
