"""Reads for the SIUSS flows: what the case record's selector does not give, and the flows."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q, QuerySet

from ambito.cartella.models import StatoApprovazione, TipoValutazione, Valutazione
from ambito.territorio.models import Ente

from .models import FlussoSiuss, StatoFlusso

CAMPI_SINA = (
    "mobilita",
    "attivita_vita_quotidiana",
    "disturbi_area_cognitiva",
    "disturbi_comportamentali",
    "necessita_cure_sanitarie",
    "area_reddituale",
    "area_supporto",
    "fonte_derivazione_valutazione",
    "strumento_valutazione",
    "invalidita_civile",
    "fonte_derivazione_invalidita",
    "necessita_interventi",
)
STATI_VALUTAZIONE = (StatoApprovazione.APPROVATA, StatoApprovazione.SUPERATA)


def enti_per_id(ambito) -> dict[int, dict]:
    """Every Ente of the Ambito as a plain dict (one query)."""
    return {
        e["id"]: e
        for e in Ente.objects.filter(ambito=ambito).values("id", "nome", "codice_catastale", "codice_fiscale")
    }


class Valutazioni:
    """The approved assessments of the Ambito's cases by type, to find the one in force at a date
    (the latest with data <= the date). One query per type."""

    def __init__(self, ambito, tipo: str, campi: tuple[str, ...]):
        self._per_caso: dict[int, list] = defaultdict(list)
        righe = (
            Valutazione.objects.filter(
                ambito=ambito, tipo=tipo, stato__in=STATI_VALUTAZIONE, annullato_il__isnull=True
            )
            .order_by("caso_id", "data", "id")
            .values("id", "caso_id", "data", *campi)
        )
        for v in righe:
            self._per_caso[v["caso_id"]].append(v)
        self._date = {c: [v["data"] for v in vs] for c, vs in self._per_caso.items()}

    def alla_data(self, caso_id: int, data: dt.date) -> dict | None:
        vs = self._per_caso.get(caso_id)
        if not vs:
            return None
        i = bisect.bisect_right(self._date[caso_id], data)
        return vs[i - 1] if i else None


def valutazioni_uvm(ambito) -> Valutazioni:
    return Valutazioni(ambito, TipoValutazione.UVM, CAMPI_SINA)


def valutazioni_minori(ambito) -> Valutazioni:
    return Valutazioni(ambito, TipoValutazione.MINORI, ("dati_sinba",))


def ultimi_per_chiave(ambito, chiavi_qs: Q) -> dict[str, list[dict]]:
    """The flows (not superseded) per key, oldest first, as plain dicts (one query)."""
    out: dict[str, list[dict]] = defaultdict(list)
    righe = (
        FlussoSiuss.objects.filter(ambito=ambito)
        .filter(chiavi_qs)
        .exclude(stato=StatoFlusso.SUPERATO)
        .order_by("id")
        .values("id", "chiave", "tipo", "tipo_operazione", "stato", "impronta", "annulla_id", "ente_id")
    )
    for r in righe.iterator(chunk_size=5000):
        out[r["chiave"]].append(r)
    return out


def flussi(ambito, *, stato: str | None = None, tipo: str | None = None) -> QuerySet[FlussoSiuss]:
    qs = FlussoSiuss.objects.filter(ambito=ambito).select_related("persona", "ente")
    if stato:
        qs = qs.filter(stato=stato)
    if tipo:
        qs = qs.filter(tipo=tipo)
    return qs.order_by("-id")


def conteggi(ambito) -> dict[str, int]:
    return dict(
        FlussoSiuss.objects.filter(ambito=ambito).values_list("stato").annotate(n=Count("id")).order_by()
    )


def da_correggere(ambito) -> QuerySet[FlussoSiuss]:
    """Invalid flows and flows refused by INPS: the data-quality page's rows."""
    return (
        FlussoSiuss.objects.filter(ambito=ambito, stato__in=(StatoFlusso.INVALIDO, StatoFlusso.RIFIUTATO))
        .select_related("persona", "ente", "erogazione")
        .order_by("persona__cognome", "persona__nome", "id")
    )


def problemi_raggruppati(ambito, *, limite_righe: int = 200) -> list[dict]:
    """Rows to fix grouped by problem (where and which field), largest group first; each group
    keeps at most `limite_righe` rows (and its full count)."""
    gruppi: dict[tuple, dict] = {}
    for f in da_correggere(ambito).iterator(chunk_size=2000):
        problemi = f.errori or []
        if f.stato == StatoFlusso.RIFIUTATO:
            problemi = [
                {
                    "oggetto": "inps",
                    "campo": f"esito INPS {f.codice_esito}",
                    "messaggio": f.descrizione_esito or f.codice_esito,
                }
            ]
        visti = set()
        for p in problemi:
            chiave = (p.get("oggetto", ""), p.get("campo", ""))
            if chiave in visti:
                continue
            visti.add(chiave)
            g = gruppi.setdefault(
                chiave,
                {
                    "oggetto": chiave[0],
                    "campo": chiave[1],
                    "esempio": p.get("messaggio", ""),
                    "righe": [],
                    "n": 0,
                },
            )
            g["n"] += 1
            if len(g["righe"]) < limite_righe:
                g["righe"].append({"flusso": f, "messaggio": p.get("messaggio", "")})
    return sorted(gruppi.values(), key=lambda g: (-g["n"], g["oggetto"], g["campo"]))
