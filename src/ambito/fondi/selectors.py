"""Reads of the funds, always scoped to one Ambito, with a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Sum

from . import engine
from .models import (
    Accantonamento,
    AttoAssegnazione,
    Destinazione,
    Fondo,
    MovimentoFondo,
    QuotaEsercizio,
    UtilizzoAccantonamento,
)

ORDINAMENTI = {
    "codice": lambda r: r.fondo.codice,
    "nome": lambda r: r.fondo.nome.lower(),
    "assegnato": lambda r: r.situazione.assegnato,
    "impegnato": lambda r: r.situazione.impegnato,
    "pagato": lambda r: r.situazione.pagato,
    "residuo": lambda r: r.situazione.residuo_da_impegnare,
    "kpi": lambda r: (
        r.situazione.kpi_pagato_su_assegnato is not None,
        r.situazione.kpi_pagato_su_assegnato or 0,
    ),
}


@dataclass
class RigaFondo:
    fondo: Fondo
    situazione: engine.Situazione


def fondi(ambito):
    return Fondo.objects.per_ambito(ambito).order_by("codice")


def fondo(ambito, pk: int) -> Fondo:
    return Fondo.objects.per_ambito(ambito).get(pk=pk)


def _somme_per_fondo(qs, campo_fondo: str) -> dict[int, Decimal]:
    return {
        r[campo_fondo]: engine.euro(r["t"])
        for r in qs.values(campo_fondo).annotate(t=Sum("importo")).order_by()
    }


def situazioni(ambito, anno: int, fondi_ids: list[int] | None = None) -> dict[int, engine.Situazione]:
    """Each fund's position in `anno`, in 5 queries whatever the number of funds."""
    filtro = {} if fondi_ids is None else {"fondo_id__in": fondi_ids}
    quote = _somme_per_fondo(
        QuotaEsercizio.objects.per_ambito(ambito).filter(
            esercizio=anno, **{f"assegnazione__{k}": v for k, v in filtro.items()}
        ),
        "assegnazione__fondo_id",
    )
    acc = _somme_per_fondo(
        Accantonamento.objects.per_ambito(ambito).filter(esercizio=anno, **filtro), "fondo_id"
    )
    uti = _somme_per_fondo(
        UtilizzoAccantonamento.objects.per_ambito(ambito).filter(
            esercizio=anno, **{f"accantonamento__{k}": v for k, v in filtro.items()}
        ),
        "accantonamento__fondo_id",
    )
    dest = _somme_per_fondo(
        Destinazione.objects.per_ambito(ambito).filter(esercizio=anno, **filtro), "fondo_id"
    )
    mov: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for r in (
        MovimentoFondo.objects.per_ambito(ambito)
        .filter(esercizio=anno, annullato_il__isnull=True, **filtro)
        .values("fondo_id", "tipo")
        .annotate(t=Sum("importo"))
        .order_by()
    ):
        mov[r["fondo_id"]][r["tipo"]] = engine.euro(r["t"])
    ids = set(quote) | set(acc) | set(uti) | set(dest) | set(mov)
    zero = engine.ZERO
    return {
        i: engine.Situazione(
            assegnato=quote.get(i, zero),
            accantonato=acc.get(i, zero),
            utilizzato_accantonamenti=uti.get(i, zero),
            destinato=dest.get(i, zero),
            impegni=mov[i].get(engine.IMPEGNO, zero),
            disimpegni=mov[i].get(engine.DISIMPEGNO, zero),
            pagamenti=mov[i].get(engine.PAGAMENTO, zero),
            storni=mov[i].get(engine.STORNO, zero),
        )
        for i in ids
    }


def elenco(ambito, anno: int, ordina: str = "codice") -> tuple[list[RigaFondo], engine.Situazione]:
    """The funds of the Ambito with their position in `anno`, sorted; plus the totals row.
    `ordina` is a key of ORDINAMENTI, with a leading "-" for descending order."""
    sit = situazioni(ambito, anno)
    righe = [RigaFondo(f, sit.get(f.pk, engine.Situazione())) for f in fondi(ambito)]
    discendente = ordina.startswith("-")
    chiave = ORDINAMENTI.get(ordina.lstrip("-"), ORDINAMENTI["codice"])
    righe.sort(key=chiave, reverse=discendente)
    totale = engine.Situazione(
        **{
            k: sum((getattr(r.situazione, k) for r in righe), engine.ZERO)
            for k in engine.Situazione.__dataclass_fields__
        }
    )
    return righe, totale


def anni_con_dati(ambito) -> list[int]:
    anni = set(QuotaEsercizio.objects.per_ambito(ambito).values_list("esercizio", flat=True).distinct())
    anni |= set(MovimentoFondo.objects.per_ambito(ambito).values_list("esercizio", flat=True).distinct())
    return sorted(anni, reverse=True)


def utilizzo_da_erogazioni(ambito, fondo: Fondo, anno: int) -> Decimal:
    """What the case record actually spent on this fund in `anno` (by the delivery's date):
    the sum of `cartella.FinanziamentoErogazione` of valid deliveries, in one query."""
    from ambito.cartella.models import FinanziamentoErogazione

    totale = FinanziamentoErogazione.objects.filter(
        fondo=fondo,
        erogazione__ambito=ambito,
        erogazione__annullato_il__isnull=True,
        erogazione__data_erogazione__gte=dt.date(anno, 1, 1),
        erogazione__data_erogazione__lte=dt.date(anno, 12, 31),
    ).aggregate(t=Sum("importo"))["t"]
    return engine.euro(totale)


def utilizzo_da_erogazioni_per_servizio(ambito, fondo: Fondo, anno: int) -> list[dict]:
    """The same spending split by service (one query), for the fund page."""
    from ambito.cartella.models import FinanziamentoErogazione

    return list(
        FinanziamentoErogazione.objects.filter(
            fondo=fondo,
            erogazione__ambito=ambito,
            erogazione__annullato_il__isnull=True,
            erogazione__data_erogazione__gte=dt.date(anno, 1, 1),
            erogazione__data_erogazione__lte=dt.date(anno, 12, 31),
        )
        .values("erogazione__intervento__servizio__codice", "erogazione__intervento__servizio__nome")
        .annotate(importo=Sum("importo"))
        .order_by("erogazione__intervento__servizio__codice")
    )


@dataclass
class DettaglioFondo:
    fondo: Fondo
    anno: int
    situazione: engine.Situazione
    assegnazioni: list = field(default_factory=list)
    accantonamenti: list = field(default_factory=list)
    destinazioni: list = field(default_factory=list)
    registro: list = field(default_factory=list)
    spesa_erogazioni: Decimal = engine.ZERO
    spesa_per_servizio: list = field(default_factory=list)


def registro(
    ambito, fondo: Fondo, anno: int, disponibile: Decimal = engine.ZERO
) -> list[engine.RigaRegistro]:
    """The ledger of the year: chronological rows with running balances (annulled rows shown,
    not counted)."""
    movimenti = list(
        MovimentoFondo.objects.per_ambito(ambito)
        .filter(fondo=fondo, esercizio=anno)
        .select_related("creato_da", "annullato_da")
        .order_by("data", "id")
    )
    return engine.registro(
        ((m, m.tipo, m.importo, m.annullato_il is not None) for m in movimenti), disponibile=disponibile
    )


def dettaglio(ambito, pk: int, anno: int) -> DettaglioFondo:
    """Everything the fund page shows, in a constant number of queries."""
    f = fondo(ambito, pk)
    sit = situazioni(ambito, anno, [f.pk]).get(f.pk, engine.Situazione())
    assegnazioni = list(
        AttoAssegnazione.objects.per_ambito(ambito)
        .filter(fondo=f)
        .prefetch_related(Prefetch("quote", queryset=QuotaEsercizio.objects.order_by("esercizio")))
        .order_by("-annualita", "data", "id")
    )
    accantonamenti = list(
        Accantonamento.objects.per_ambito(ambito)
        .filter(fondo=f)
        .prefetch_related(
            Prefetch("utilizzi", queryset=UtilizzoAccantonamento.objects.order_by("esercizio", "id"))
        )
        .order_by("-esercizio", "id")
    )
    for a in accantonamenti:
        a.utilizzato = sum((u.importo for u in a.utilizzi.all()), engine.ZERO)
        a.residuo = a.importo - a.utilizzato
    destinazioni = list(
        Destinazione.objects.per_ambito(ambito)
        .filter(fondo=f, esercizio=anno)
        .select_related("servizio")
        .prefetch_related("comuni")
        .order_by("servizio__codice", "id")
    )
    return DettaglioFondo(
        fondo=f,
        anno=anno,
        situazione=sit,
        assegnazioni=assegnazioni,
        accantonamenti=accantonamenti,
        destinazioni=destinazioni,
        registro=registro(ambito, f, anno, sit.disponibile),
        spesa_erogazioni=utilizzo_da_erogazioni(ambito, f, anno),
        spesa_per_servizio=utilizzo_da_erogazioni_per_servizio(ambito, f, anno),
    )
