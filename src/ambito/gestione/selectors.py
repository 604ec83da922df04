"""Reads of the riparto, always scoped to one Ambito, with a constant number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from . import engine
from .models import CartellaRiparto, Esercizio, QuotaRiparto, VersioneBilancio, VoceRiparto

ZERO = Decimal(0)


def versioni(ambito) -> list[tuple[int, list[VersioneBilancio]]]:
    """Every version of the Ambito grouped by year (most recent year first): 1 query."""
    gruppi: dict[int, list[VersioneBilancio]] = defaultdict(list)
    qs = (
        VersioneBilancio.objects.per_ambito(ambito)
        .select_related("esercizio", "approvata_da", "cartella")
        .defer("cartella__contenuto", "cartella__dati")
        .order_by("-esercizio__anno", "creata_il", "id")
    )
    for v in qs:
        gruppi[v.esercizio.anno].append(v)
    return sorted(gruppi.items(), reverse=True)


def esercizi(ambito):
    return Esercizio.objects.per_ambito(ambito).order_by("-anno")


def versione(ambito, pk: int) -> VersioneBilancio:
    """Raises VersioneBilancio.DoesNotExist outside the Ambito."""
    return VersioneBilancio.objects.per_ambito(ambito).select_related("esercizio", "approvata_da").get(pk=pk)


# --- the Comune × service table ----------------------------------------------------------------


@dataclass
class RigaComune:
    comune: object  # territorio.Ente
    celle: list[Decimal | None]
    totale: Decimal = ZERO


@dataclass
class Tabella:
    versione: VersioneBilancio
    voci: list[VoceRiparto]
    righe: list[RigaComune]
    totali_servizio: list[Decimal]
    non_arrotondati: list[Decimal]  # the Comuni's share of each service before rounding
    arrotondamenti: list[Decimal]  # rounded − unrounded, per service
    totale: Decimal = ZERO
    arrotondamento_totale: Decimal = ZERO


def tabella(versione: VersioneBilancio) -> Tabella:
    """Rows Comuni (by name), columns services (workbook order), totals and rounding: 2 queries."""
    voci = list(VoceRiparto.objects.filter(versione=versione).order_by("ordine"))
    colonna = {v.pk: i for i, v in enumerate(voci)}
    righe: dict[int, RigaComune] = {}
    for q in (
        QuotaRiparto.objects.filter(versione=versione)
        .select_related("comune")
        .only("importo", "voce_id", "comune__nome", "comune__codice_istat", "comune_id")
        .order_by("comune__nome", "comune_id")
    ):
        r = righe.get(q.comune_id)
        if r is None:
            r = righe[q.comune_id] = RigaComune(q.comune, [None] * len(voci))
        r.celle[colonna[q.voce_id]] = q.importo
        r.totale += q.importo
    totali = [sum((r.celle[i] or ZERO for r in righe.values()), ZERO) for i in range(len(voci))]
    non_arr = [v.comuni.quantize(Decimal("0.01")) for v in voci]
    arr = [t - v.comuni for t, v in zip(totali, voci, strict=True)]
    return Tabella(
        versione=versione,
        voci=voci,
        righe=list(righe.values()),
        totali_servizio=totali,
        non_arrotondati=non_arr,
        arrotondamenti=[a.quantize(Decimal("0.01")) for a in arr],
        totale=sum(totali, ZERO),
        arrotondamento_totale=sum(arr, ZERO).quantize(Decimal("0.01")),
    )


# --- a Comune's bill ---------------------------------------------------------------------------


@dataclass
class RigaBolletta:
    voce: VoceRiparto
    importo: Decimal
    percentuale: Decimal  # of the Comune's total


@dataclass
class Bolletta:
    versione: VersioneBilancio
    comune: object
    righe: list[RigaBolletta] = field(default_factory=list)
    totale: Decimal = ZERO
    totale_versione: Decimal = ZERO

    @property
    def percentuale_ambito(self) -> Decimal:
        return self.totale * 100 / self.totale_versione if self.totale_versione else ZERO


def bolletta(versione: VersioneBilancio, comune) -> Bolletta:
    """A Comune's amounts per service with totals: 2 queries."""
    quote = list(
        QuotaRiparto.objects.filter(versione=versione, comune=comune)
        .select_related("voce")
        .order_by("voce__ordine")
    )
    b = Bolletta(versione=versione, comune=comune)
    b.totale = sum((q.importo for q in quote), ZERO)
    b.totale_versione = (
        QuotaRiparto.objects.filter(versione=versione).aggregate(t=Sum("importo"))["t"] or ZERO
    )
    b.righe = [
        RigaBolletta(q.voce, q.importo, q.importo * 100 / b.totale if b.totale else ZERO) for q in quote
    ]
    return b


def comune_del_riparto(versione: VersioneBilancio, comune_id: int):
    """The Comune if it has a share in the version, else None (1 query)."""
    q = QuotaRiparto.objects.filter(versione=versione, comune_id=comune_id).select_related("comune").first()
    return q.comune if q else None


def quota(versione: VersioneBilancio, comune_id: int, codice: str) -> QuotaRiparto:
    """One cell with its explanation; raises QuotaRiparto.DoesNotExist (1 query)."""
    return QuotaRiparto.objects.select_related("voce", "comune").get(
        versione=versione, comune_id=comune_id, voce__codice=codice
    )


# --- comparison of two versions ----------------------------------------------------------------


@dataclass
class RigaConfronto:
    etichetta: str
    a: Decimal
    b: Decimal
    codice: str = ""

    @property
    def differenza(self) -> Decimal:
        return self.b - self.a

    @property
    def percentuale(self) -> Decimal | None:
        return (self.b - self.a) * 100 / self.a if self.a else None


@dataclass
class Confronto:
    a: VersioneBilancio
    b: VersioneBilancio
    comuni: list[RigaConfronto]
    servizi: list[RigaConfronto]
    totale: RigaConfronto


def confronto(a: VersioneBilancio, b: VersioneBilancio, *, comune_id: int | None = None) -> Confronto:
    """Totals per Comune and per service of two versions, absolute and %: 2 queries."""
    base = QuotaRiparto.objects.filter(versione__in=[a, b])
    if comune_id is not None:
        base = base.filter(comune_id=comune_id)
    per_comune: dict[tuple, dict[int, Decimal]] = defaultdict(dict)
    for r in base.values("versione_id", "comune_id", "comune__nome").annotate(t=Sum("importo")).order_by():
        per_comune[(r["comune__nome"], r["comune_id"])][r["versione_id"]] = r["t"]
    per_servizio: dict[str, dict] = {}
    for r in (
        base.values("versione_id", "voce__codice", "voce__nome", "voce__ordine")
        .annotate(t=Sum("importo"))
        .order_by()
    ):
        d = per_servizio.setdefault(r["voce__codice"], {"nome": r["voce__nome"], "ordine": {}})
        d[r["versione_id"]] = r["t"]
        d["ordine"][r["versione_id"]] = r["voce__ordine"]
    comuni = [
        RigaConfronto(nome, v.get(a.pk, ZERO), v.get(b.pk, ZERO), str(pk))
        for (nome, pk), v in sorted(per_comune.items())
    ]
    servizi = [
        RigaConfronto(f"{codice} – {d['nome']}", d.get(a.pk, ZERO), d.get(b.pk, ZERO), codice)
        for codice, d in sorted(
            per_servizio.items(),
            key=lambda kv: (kv[1]["ordine"].get(b.pk, kv[1]["ordine"].get(a.pk, 0)), kv[0]),
        )
    ]
    totale = RigaConfronto("Totale", sum((r.a for r in comuni), ZERO), sum((r.b for r in comuni), ZERO))
    return Confronto(a=a, b=b, comuni=comuni, servizi=servizi, totale=totale)


def quote_equipe(versione: VersioneBilancio, comune) -> list:
    """The team quotas assigned to `comune` for services it does not confer (So.Le.'s 20% rule),
    recomputed from the version's stored input: they are paid by a fund, not stored as shares."""
    from .services import dati_versione

    c = CartellaRiparto.objects.filter(versione=versione).only("dati").first()
    if c is None or not any(s.get("quota_equipe_non_conferenti") for s in c.dati.get("servizi") or []):
        return []
    dati = dati_versione(versione)
    return [
        q
        for s in dati.servizi
        for q in engine.quote_equipe_servizio(dati, s)
        if q.comune == comune.codice_istat
    ]
