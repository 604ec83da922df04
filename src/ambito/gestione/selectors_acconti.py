"""Reads of advances and balance per Comune, for the page, the export and the management report.

`prospetto_acconti(ambito, anno)` is the table of the 2021 management report: for each Comune
the totals of the budget versions, the advances invoiced per tranche, what was invoiced in all
and the balance; the last row holds the totals. A constant number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from ambito.territorio.models import Ente

from . import acconti as a
from .models import (
    Addebito,
    Esercizio,
    PianoAcconti,
    QuotaRiparto,
    TipoAddebito,
    TipoVersione,
    VersioneBilancio,
)

ZERO = Decimal(0)
TIPI = [t.value for t in TipoVersione]


@dataclass
class RigaAcconti:
    """One Comune (or, with `comune=None`, the totals) of the advances/balance table.

    Version figures are the Comune's total in the approved version of each type, else in the
    latest draft (its type is then in `bozze`), else None. `acconti` follows the plan's tranches,
    net of credit notes. `saldo` = consuntivo − advances (positive: to pay, negative: to refund);
    `da_fatturare` = consuntivo − everything invoiced (0 once the balance is issued).
    """

    comune: Ente | None
    preventivo: Decimal | None = None
    assestamento: Decimal | None = None
    preconsuntivo: Decimal | None = None
    consuntivo: Decimal | None = None
    acconti: list[Decimal] = field(default_factory=list)
    saldo_fatturato: Decimal = ZERO
    bozze: frozenset[str] = frozenset()

    @property
    def totale(self) -> bool:
        return self.comune is None

    @property
    def acconti_totale(self) -> Decimal:
        return sum(self.acconti, ZERO)

    @property
    def fatturato(self) -> Decimal:
        return self.acconti_totale + self.saldo_fatturato

    @property
    def saldo(self) -> Decimal | None:
        return a.saldo(self.consuntivo, self.acconti_totale)

    @property
    def da_fatturare(self) -> Decimal | None:
        return a.saldo(self.consuntivo, self.fatturato)


@dataclass
class RataProspetto:
    rata: PianoAcconti  # unsaved when the plan is still the default one
    base: VersioneBilancio | None  # the approved version it is (or would be) computed from
    previsto: Decimal | None  # percentuale × the basis grand total, to the cent
    esatto: Decimal | None  # the same, not rounded
    emessi: int = 0  # active documents of this tranche
    da_emettere: int = 0  # Comuni with a non-zero amount in the basis and no active document
    fatturato: Decimal = ZERO  # net of credit notes

    @property
    def arrotondamento(self) -> Decimal | None:
        return None if self.previsto is None else self.previsto - self.esatto

    @property
    def descrizione_base(self) -> str:
        return a.BASI[self.rata.base]


@dataclass
class Acconti:
    esercizio: Esercizio
    rate: list[RataProspetto]
    versioni: dict[str, VersioneBilancio | None]  # per type: approved, else latest draft
    righe: list[RigaAcconti]  # Comuni by name, then the totals row
    documenti: list[Addebito]
    piano_modificabile: bool
    consuntivo_approvato: bool

    @property
    def totale(self) -> RigaAcconti:
        return self.righe[-1]

    @property
    def saldi_da_emettere(self) -> int:
        """Comuni whose balance (against the shown consuntivo) is not invoiced yet."""
        return sum(1 for r in self.righe[:-1] if r.da_fatturare)


def esercizio(ambito, anno: int) -> Esercizio | None:
    return Esercizio.objects.per_ambito(ambito).filter(anno=anno).first()


def anni(ambito) -> list[int]:
    return list(Esercizio.objects.per_ambito(ambito).order_by("-anno").values_list("anno", flat=True))


def rate(es: Esercizio) -> list[PianoAcconti]:
    """The stored tranches, or the contract's defaults (unsaved) if none was stored yet."""
    salvate = list(PianoAcconti.objects.filter(esercizio=es).order_by("numero"))
    if salvate:
        return salvate
    return [
        PianoAcconti(
            ambito_id=es.ambito_id,
            esercizio=es,
            numero=r.numero,
            nome=r.nome,
            scadenza=r.scadenza(es.anno),
            percentuale=r.percentuale,
            base=r.base,
        )
        for r in a.RATE_PREDEFINITE
    ]


def _versioni(es: Esercizio) -> tuple[dict[str, VersioneBilancio | None], dict[str, VersioneBilancio | None]]:
    """Per type: the shown version (approved, else latest draft) and the latest approved one."""
    per_tipo: dict[str, list[VersioneBilancio]] = defaultdict(list)
    for v in VersioneBilancio.objects.filter(esercizio=es).order_by("creata_il", "id"):
        per_tipo[v.tipo].append(v)
    mostrate, approvate = {}, {}
    for t in TIPI:
        ok = sorted((v for v in per_tipo[t] if v.approvata), key=lambda v: (v.approvata_il, v.pk))
        approvate[t] = ok[-1] if ok else None
        mostrate[t] = approvate[t] or (per_tipo[t][-1] if per_tipo[t] else None)
    return mostrate, approvate


def _somma(valori) -> Decimal | None:
    valori = [x for x in valori if x is not None]
    return sum(valori, ZERO) if valori else None


def acconti(ambito, anno: int, *, comune_id: int | None = None) -> Acconti | None:
    """Everything the page shows for one esercizio, optionally limited to one Comune (8 queries)."""
    es = esercizio(ambito, anno)
    if es is None:
        return None
    mostrate, approvate = _versioni(es)
    piano = rate(es)

    # Comune totals of every shown version (approved or draft) and of the tranches' bases
    basi = {}
    for r in piano:
        base = next((approvate[t] for t in a.ORDINE_BASI[r.base] if approvate[t] is not None), None)
        basi[r.numero] = base
    ids = {v.pk for v in mostrate.values() if v} | {v.pk for v in basi.values() if v}
    quote = QuotaRiparto.objects.filter(versione_id__in=ids)
    totali: dict[int, dict[int, Decimal]] = defaultdict(dict)  # versione → comune → total
    for x in quote.values("versione_id", "comune_id").annotate(t=Sum("importo")).order_by():
        totali[x["versione_id"]][x["comune_id"]] = x["t"]

    # invoiced, net of credit notes, per Comune and tranche (None = balance)
    docs = Addebito.objects.filter(esercizio=es)
    if comune_id is not None:
        docs = docs.filter(comune_id=comune_id)
    fatt: dict[int, dict[int | None, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for x in docs.values("comune_id", "rata__numero").annotate(t=Sum("importo")).order_by():
        fatt[x["comune_id"]][x["rata__numero"]] += x["t"]
    attivi: dict[int, set[int]] = defaultdict(set)  # tranche → Comuni with an active advance
    for numero, comune in (
        docs.filter(tipo=TipoAddebito.ACCONTO, annullato_da__isnull=True)
        .values_list("rata__numero", "comune_id")
        .order_by()
    ):
        attivi[numero].add(comune)

    comuni_ids = set(fatt)
    for v in mostrate.values():
        if v:
            comuni_ids |= set(totali[v.pk])
    if comune_id is not None:
        comuni_ids &= {comune_id}
    comuni = sorted(Ente.objects.filter(pk__in=comuni_ids), key=lambda c: (c.nome, c.pk))

    bozze = frozenset(t for t, v in mostrate.items() if v is not None and not v.approvata)
    righe = []
    for c in comuni:
        riga = RigaAcconti(comune=c, bozze=bozze)
        for t, v in mostrate.items():
            setattr(riga, t, totali[v.pk].get(c.pk) if v else None)
        riga.acconti = [fatt[c.pk][r.numero] for r in piano]
        riga.saldo_fatturato = fatt[c.pk][None]
        righe.append(riga)
    tot = RigaAcconti(comune=None, bozze=bozze)
    for t in TIPI:
        setattr(tot, t, _somma(getattr(r, t) for r in righe))
    tot.acconti = [sum((r.acconti[i] for r in righe), ZERO) for i in range(len(piano))]
    tot.saldo_fatturato = sum((r.saldo_fatturato for r in righe), ZERO)
    righe.append(tot)

    rate_p = []
    for i, r in enumerate(piano):
        base = basi[r.numero]
        previsto = esatto = None
        da_emettere = 0
        if base is not None:
            calcolo = a.calcola_rata(totali[base.pk], r.percentuale)
            da_emettere = len(
                {q.comune for q in calcolo.quote if q.importo} - attivi[r.numero]
                if comune_id is None
                else {q.comune for q in calcolo.quote if q.importo and q.comune == comune_id}
                - attivi[r.numero]
            )
            if comune_id is not None:
                q = calcolo.per_comune().get(comune_id)
                previsto, esatto = (q.importo, q.esatto) if q else (ZERO, ZERO)
            else:
                previsto, esatto = calcolo.totale, calcolo.totale_esatto
        rate_p.append(
            RataProspetto(r, base, previsto, esatto, len(attivi[r.numero]), da_emettere, tot.acconti[i])
        )

    documenti = list(
        docs.select_related(
            "esercizio", "comune", "rata", "versione", "emesso_da", "storna__esercizio"
        ).order_by("numero")
    )
    annullati = {d.storna_id for d in documenti if d.storna_id}
    for d in documenti:
        d.annullato = d.pk in annullati
    return Acconti(
        esercizio=es,
        rate=rate_p,
        versioni=mostrate,
        righe=righe,
        documenti=documenti,
        piano_modificabile=not any(d.rata_id for d in documenti) if comune_id is None else False,
        consuntivo_approvato=approvate[TipoVersione.CONSUNTIVO] is not None,
    )


def prospetto_acconti(ambito, anno: int, *, comune_id: int | None = None) -> list[RigaAcconti]:
    """Per Comune (by name): version totals, advances per tranche, invoiced, balance; then totals.

    The last row is the totals (`comune is None`). Empty list if the esercizio does not exist.
    `comune_id` limits the table to one Comune (the totals row is then that Comune's).
    """
    p = acconti(ambito, anno, comune_id=comune_id)
    return p.righe if p else []
