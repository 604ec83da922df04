"""Reads for the SIUSS flows: what the case record's selector does not give, and the flows."""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, QuerySet

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
LOTTO_CHIAVI = 2000  # keys per IN (...) query: well below every backend's parameter limit


def enti_per_id(ambito) -> dict[int, dict]:
    """Every Ente of the Ambito as a plain dict (one query)."""
    return {
        e["id"]: e
        for e in Ente.objects.filter(ambito=ambito).values("id", "nome", "codice_catastale", "codice_fiscale")
    }


class Valutazioni:
    """The approved assessments by type, to find the one in force at a date (the latest with
    data <= the date). One query: of the Ambito's cases, or only of `casi`; `carica(casi)` adds
    the cases not loaded yet (one query), so that a generation streamed by chunks of deliveries
    reads each case's assessments once and holds only those of the cases it met."""

    def __init__(self, ambito, tipo: str, campi: tuple[str, ...], casi: Iterable[int] | None = None):
        self.ambito, self.tipo, self.campi = ambito, tipo, campi
        self._per_caso: dict[int, list] = defaultdict(list)
        self._date: dict[int, list] = {}
        self._caricati: set[int] = set()
        self._tutti = casi is None
        self._leggi(None if casi is None else set(casi))

    def _leggi(self, casi: set[int] | None) -> None:
        righe = Valutazione.objects.filter(
            ambito=self.ambito, tipo=self.tipo, stato__in=STATI_VALUTAZIONE, annullato_il__isnull=True
        )
        if casi is not None:
            righe = righe.filter(caso_id__in=casi)
            self._caricati |= casi
        righe = righe.order_by("caso_id", "data", "id").values("id", "caso_id", "data", *self.campi)
        letti = set()
        for v in righe:
            self._per_caso[v["caso_id"]].append(v)
            letti.add(v["caso_id"])
        for c in letti:
            self._date[c] = [v["data"] for v in self._per_caso[c]]

    def carica(self, casi: Iterable[int]) -> None:
        if self._tutti:
            return
        nuovi = set(casi) - self._caricati
        if nuovi:
            self._leggi(nuovi)

    def alla_data(self, caso_id: int, data: dt.date) -> dict | None:
        vs = self._per_caso.get(caso_id)
        if not vs:
            return None
        i = bisect.bisect_right(self._date[caso_id], data)
        return vs[i - 1] if i else None


def valutazioni_uvm(ambito, casi: Iterable[int] | None = None) -> Valutazioni:
    return Valutazioni(ambito, TipoValutazione.UVM, CAMPI_SINA, casi)


def valutazioni_minori(ambito, casi: Iterable[int] | None = None) -> Valutazioni:
    return Valutazioni(ambito, TipoValutazione.MINORI, ("dati_sinba",), casi)


def ultimi_per_chiave(ambito, chiavi: Iterable[str]) -> dict[str, list[dict]]:
    """The flows (not superseded) of the given keys, per key, oldest first, as plain dicts: one
    query per chunk of keys (the keys of one chunk of deliveries), never the whole period."""
    out: dict[str, list[dict]] = defaultdict(list)
    chiavi = list(dict.fromkeys(chiavi))
    qn = connection.ops.quote_name
    colonne = ("id", "chiave", "tipo", "tipo_operazione", "stato", "impronta", "annulla_id", "ente_id")
    for i in range(0, len(chiavi), LOTTO_CHIAVI):
        lotto = chiavi[i : i + LOTTO_CHIAVI]
        # Plain SQL (text and integer columns, nothing to convert): the ORM's compilation of an
        # IN of 2,000 keys, once per chunk of deliveries, cost as much as the query. No ORDER BY:
        # with one, SQLite prefers the Ambito's index (already in id order) and scans every flow
        # of the Ambito for each chunk, a cost growing with the table; the few rows found are
        # sorted here instead.
        sql = (
            f"SELECT {', '.join(qn(c) for c in colonne)} FROM {qn(FlussoSiuss._meta.db_table)} "
            f"WHERE {qn('ambito_id')} = %s AND {qn('stato')} <> %s "
            f"AND {qn('chiave')} IN ({', '.join(['%s'] * len(lotto))})"
        )
        with connection.cursor() as cur:
            cur.execute(sql, [ambito.pk, StatoFlusso.SUPERATO, *lotto])
            for riga in cur.fetchall():
                r = dict(zip(colonne, riga, strict=True))
                out[r["chiave"]].append(r)
    for storia in out.values():
        storia.sort(key=lambda r: r["id"])
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


def chiave_gruppo(oggetto: str, campo: str) -> str:
    """A short, stable key of a data-quality group for the URL (`?gruppo=`)."""
    return hashlib.sha1(f"{oggetto}\x1f{campo}".encode()).hexdigest()[:10]


def problemi_raggruppati(
    ambito, *, per_pagina: int = 50, gruppo: str | None = None, pagina: int = 1
) -> list[dict]:
    """Rows to fix grouped by problem (where and which field), largest group first. Each group has
    its full count `n`, its `pagine` and one page of rows (`per_pagina`): page `pagina` for the
    group whose key is `gruppo`, the first page for the others. Two queries whatever the size:
    the problems of every flow to fix (light values), then the flows of the rows shown."""
    gruppi: dict[tuple, dict] = {}
    righe = (
        FlussoSiuss.objects.filter(ambito=ambito, stato__in=(StatoFlusso.INVALIDO, StatoFlusso.RIFIUTATO))
        .order_by("persona__cognome", "persona__nome", "id")
        .values_list("id", "stato", "errori", "codice_esito", "descrizione_esito")
    )
    for id_, stato, errori, codice_esito, descrizione_esito in righe.iterator(chunk_size=5000):
        problemi = errori or []
        if stato == StatoFlusso.RIFIUTATO:
            problemi = [
                {
                    "oggetto": "inps",
                    "campo": f"esito INPS {codice_esito}",
                    "messaggio": descrizione_esito or codice_esito,
                }
            ]
        visti = set()
        for p in problemi:
            chiave = (p.get("oggetto", ""), p.get("campo", ""))
            if chiave in visti:
                continue
            visti.add(chiave)
            g = gruppi.get(chiave)
            if g is None:
                g = gruppi[chiave] = {
                    "oggetto": chiave[0],
                    "campo": chiave[1],
                    "chiave": chiave_gruppo(*chiave),
                    "esempio": p.get("messaggio", ""),
                    "tutte": [],
                }
            g["tutte"].append((id_, p.get("messaggio", "")))
    ordinati = sorted(gruppi.values(), key=lambda g: (-len(g["tutte"]), g["oggetto"], g["campo"]))
    da_leggere: set[int] = set()
    for g in ordinati:
        g["n"] = len(g["tutte"])
        g["pagine"] = max(1, -(-g["n"] // per_pagina))
        g["pagina"] = min(max(1, pagina), g["pagine"]) if g["chiave"] == gruppo else 1
        inizio = (g["pagina"] - 1) * per_pagina
        g["righe"] = g.pop("tutte")[inizio : inizio + per_pagina]
        g["precedente"] = g["pagina"] - 1 if g["pagina"] > 1 else None
        g["successiva"] = g["pagina"] + 1 if g["pagina"] < g["pagine"] else None
        da_leggere.update(i for i, _ in g["righe"])
    flussi_ = FlussoSiuss.objects.filter(ambito=ambito, pk__in=da_leggere).select_related(
        "persona", "ente", "erogazione"
    )
    per_id = {f.pk: f for f in flussi_} if da_leggere else {}
    for g in ordinati:
        g["righe"] = [{"flusso": per_id[i], "messaggio": m} for i, m in g["righe"] if i in per_id]
    return ordinati
