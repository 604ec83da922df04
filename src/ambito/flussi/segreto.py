"""Statistical confidentiality of published counts (segreto statistico), with no Django import.

Published tables of users must not let a reader single out one person. The rule used:

- **primary suppression**: a cell counting 1 or 2 persons is not published (0 is published as 0);
- **secondary (complementary) suppression**: cells are tied by linear relations whose other
  terms are published (a row adds up to its published total, an area's services add up to the
  area's cell). A relation with exactly one suppressed cell gives that cell away by subtraction,
  so the smallest published cell of that relation is suppressed too (a non-zero one first, a zero
  only when nothing else is left), until no relation has exactly one suppressed cell.

Totals stay published and equal the true totals. Amounts (spending, co-payments) are suppressed
together with the users cell they belong to, so the same pattern protects them.

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
    "di ricavare una cella oscurata. Gli importi sono oscurati insieme alla cella degli utenti. "
    "I totali sono pubblicati e uguali ai valori veri. 0 è pubblicato come 0."
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
    tied by one equation whose other terms are published). Deterministic: ties go to the cell
    listed first in the relation."""
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


def relazioni_gerarchiche(
    gruppi: Mapping[Hashable, Sequence[Hashable]], colonne: Sequence[Hashable]
) -> list[list[tuple]]:
    """Relations of a table whose rows are grouped (area -> services) and whose group subtotals
    per column are cells too. Leaf cells are ("s", row, column), subtotal cells ("g", group,
    column). Published totals: each row's, each group's, each column's and the grand total."""
    rel: list[list[tuple]] = []
    for g, righe in gruppi.items():
        for r in righe:
            rel.append([("s", r, c) for c in colonne])  # a service across Comuni = its total
        rel.append([("g", g, c) for c in colonne])  # an area across Comuni = its total
        for c in colonne:
            rel.append([*(("s", r, c) for r in righe), ("g", g, c)])  # services of the area = area cell
    for c in colonne:
        rel.append([("g", g, c) for g in gruppi])  # areas of a Comune = the Comune's total
    return rel


def oscura_gerarchica(
    valori: Mapping[tuple[Hashable, Hashable], int],
    gruppi: Mapping[Hashable, Sequence[Hashable]],
    colonne: Sequence[Hashable],
    soglia: int = SOGLIA,
) -> Oscuramento:
    """Suppression of a grouped table. `valori` maps (row, column) to persons (missing = 0);
    `gruppi` maps each group to its rows. Keys of the result as in `relazioni_gerarchiche`."""
    celle: dict[tuple, int] = {}
    for g, righe in gruppi.items():
        for c in colonne:
            sub = 0
            for r in righe:
                v = valori.get((r, c), 0)
                celle[("s", r, c)] = v
                sub += v
            celle[("g", g, c)] = sub
    return oscura(celle, relazioni_gerarchiche(gruppi, colonne), soglia)
