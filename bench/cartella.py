"""Benchmark of the case record at the scale of a large Ambito over many years.

Run by `make bench` as `DEBUG=1 .venv/bin/python bench/cartella.py` (see bench/README.md).
Size from AMBITO_BENCH_PERSONE (default 200,000 persons, which the synthetic generator turns into
about 2,000,000 monthly deliveries). Works in a throwaway database like bench/indici_italia.py.

It prints, each beside a bare query of the same rows and the ratio:
- search by codice fiscale and by name (with accents stripped and a typo), p50 and p95 server
  time of `selectors.persone.cerca` (target p95 < 50 ms);
- the case page of a case with 200 deliveries and 500 diary entries, through Django's full
  request cycle, with its query count (target < 150 ms; the count is pinned in a test).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

RADICE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RADICE / "src"))
sys.path.insert(0, str(RADICE / "bench"))

from _database import database_usa_e_getta  # noqa: E402

PERSONE = int(os.environ.get("AMBITO_BENCH_PERSONE", "200000"))
RICERCHE = 300
RIPETIZIONI_PAGINA = 30
OBIETTIVO_RICERCA_MS = 50
OBIETTIVO_PAGINA_MS = 150


def ms(secondi: float) -> str:
    return f"{secondi * 1000:.1f} ms"


def percentile(valori: list[float], p: float) -> float:
    ordinati = sorted(valori)
    return ordinati[min(len(ordinati) - 1, int(round(p / 100 * (len(ordinati) - 1))))]


def cronometra(funzione, argomenti) -> list[float]:
    tempi = []
    for arg in argomenti:
        t0 = time.perf_counter()
        funzione(arg)
        tempi.append(time.perf_counter() - t0)
    return tempi


def prefisso(testo: str) -> dict:
    """The bare query's prefix filter, as an index range (LIKE alone cannot use it on SQLite)."""
    return {"chiave_ricerca__gte": testo, "chiave_ricerca__lt": testo + "\uffff"}


def con_errore(testo: str, rng: random.Random) -> str:
    """The same name with one letter of the surname dropped (a typical typo)."""
    cognome, _, resto = testo.partition(" ")
    if len(cognome) < 5:
        return testo
    i = rng.randint(2, len(cognome) - 1)
    return f"{cognome[:i]}{cognome[i + 1 :]} {resto}".strip()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ambito-bench-cartella-") as cartella:
        with database_usa_e_getta(Path(cartella)) as connection:
            return esegui(connection)


def esegui(connection) -> int:
    from django.conf import settings
    from django.db import connection as conn
    from django.test import Client

    from ambito.cartella.models import Caso, Erogazione, Persona, VoceDiario
    from ambito.cartella.selectors.persone import cerca
    from ambito.core.models import Ambito, Utente
    from ambito.demo.services import carica_demo
    from ambito.demo.sintetici import carica_sintetici
    from ambito.utenti.selectors import ambito_visibilita

    print(f"Database: {connection.vendor}")
    settings.DEBUG = True  # the demo users are refused otherwise
    carica_demo(persone=0)
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    ambito = Ambito.objects.get(codice="ATS-SGM")

    t0 = time.perf_counter()
    conti = carica_sintetici(ambito=ambito, persone=PERSONE, seed=7)
    print(
        f"Dati sintetici: {conti['persone']:,} persone, {conti['casi']:,} prese in carico, "
        f"{conti['erogazioni']:,} erogazioni, {conti['diario']:,} voci di diario "
        f"in {time.perf_counter() - t0:.0f} s"
    )
    with conn.cursor() as cur:  # planner statistics after a bulk load, as autovacuum would
        cur.execute("ANALYZE")

    direzione = Utente.objects.get(username="direzione")
    vis = ambito_visibilita(direzione)
    rng = random.Random(1)
    campione = list(
        Persona.objects.filter(ambito=ambito)
        .order_by("?")
        .values_list("codice_fiscale", "chiave_ricerca")[:RICERCHE]
    )
    cf = [c for c, _ in campione]
    nomi = [k for _, k in campione]
    nomi_errati = [con_errore(k, rng) for k in nomi]

    # Warm-up, then measure.
    for testo in cf[:20] + nomi[:20]:
        cerca(vis, testo)
    risultati = {}
    for etichetta, testi, bare in (
        ("codice fiscale", cf, lambda t: list(Persona.objects.filter(ambito=ambito, codice_fiscale=t))),
        (
            "nome e cognome",
            nomi,
            lambda t: list(Persona.objects.filter(ambito=ambito, **prefisso(t))[:50]),
        ),
        (
            "nome con un errore",
            nomi_errati,
            lambda t: list(Persona.objects.filter(ambito=ambito, **prefisso(t.split(" ")[0][:2]))[:50]),
        ),
    ):
        nostri = cronometra(lambda t: cerca(vis, t), testi)
        base = cronometra(bare, testi)
        risultati[etichetta] = (nostri, base)
        p95, p95b = percentile(nostri, 95), percentile(base, 95)
        esito = "OK" if p95 * 1000 < OBIETTIVO_RICERCA_MS else "NO"
        print(
            f"Ricerca per {etichetta}: p50 {ms(statistics.median(nostri))}, p95 {ms(p95)} "
            f"| query nuda p95 {ms(p95b)} | rapporto p95 {p95 / p95b:.1f}× "
            f"(obiettivo p95 < {OBIETTIVO_RICERCA_MS} ms: {esito})"
        )
    trovati = sum(1 for c in cf[:50] if any(p.codice_fiscale == c for p in cerca(vis, c)))
    print(f"Controllo: {trovati}/50 codici fiscali trovati dalla ricerca")

    # The case page of a big case: 200 deliveries and 500 diary entries.
    caso = (
        Caso.objects.filter(ambito=ambito, interventi__isnull=False, chiuso_il__isnull=True)
        .order_by("pk")
        .first()
    )
    intervento = caso.interventi.first()
    esistenti = Erogazione.objects.filter(intervento__caso=caso).count()
    giorno = dt.date(2000, 1, 1)
    nuove = []
    for i in range(max(0, 200 - esistenti)):
        dal = giorno + dt.timedelta(days=i)
        nuove.append(
            Erogazione(
                ambito=ambito,
                intervento=intervento,
                dal=dal,
                al=dal,
                data_erogazione=dal,
                quantita=Decimal("1"),
                importo=Decimal("10.00"),
                quota_ente=Decimal("10.00"),
            )
        )
    Erogazione.objects.bulk_create(nuove)
    voci = VoceDiario.objects.filter(caso=caso).count()
    VoceDiario.objects.bulk_create(
        VoceDiario(ambito=ambito, caso=caso, data=giorno + dt.timedelta(days=i), testo=f"Voce {i}")
        for i in range(max(0, 500 - voci))
    )
    assert Erogazione.objects.filter(intervento__caso=caso).count() >= 200
    assert VoceDiario.objects.filter(caso=caso).count() >= 500

    client = Client()
    client.force_login(direzione)
    url = f"/cartella/casi/{caso.pk}/"
    risposta = client.get(url)
    assert risposta.status_code == 200, risposta.status_code
    # Count the queries of one request (Django resets its own query log at each request).
    contate = []
    with conn.execute_wrapper(
        lambda execute, sql, params, many, context: contate.append(sql) or execute(sql, params, many, context)
    ):
        client.get(url)
    tempi = cronometra(lambda _: client.get(url), range(RIPETIZIONI_PAGINA))

    def nuda(_):
        c = Caso.objects.select_related("persona", "servizio", "comune_responsabile").get(pk=caso.pk)
        list(Erogazione.objects.filter(intervento__caso=c))
        list(VoceDiario.objects.filter(caso=c))

    base = cronometra(nuda, range(RIPETIZIONI_PAGINA))
    pagina, nudo = statistics.median(tempi), statistics.median(base)
    print(
        f"Pagina del caso (200 erogazioni, 500 voci di diario): mediana {ms(pagina)}, "
        f"{len(contate)} query | query nude delle stesse righe {ms(nudo)} | "
        f"rapporto {pagina / nudo:.1f}× (obiettivo < {OBIETTIVO_PAGINA_MS} ms: "
        f"{'OK' if pagina * 1000 < OBIETTIVO_PAGINA_MS else 'NO'})"
    )
    ok = pagina * 1000 < OBIETTIVO_PAGINA_MS and all(
        percentile(n, 95) * 1000 < OBIETTIVO_RICERCA_MS for n, _ in risultati.values()
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
