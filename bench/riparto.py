"""Benchmark of the riparto by consumption: a year of 2,000,000 deliveries (issue 4).

Run by `make bench-riparto` (and `make bench`) as `DEBUG=1 .venv/bin/python bench/riparto.py`.
Size from AMBITO_BENCH_EROGAZIONI (default 2,000,000). Works in a throwaway database like the
other benchmarks (a temporary SQLite file, or `test_<name>` beside DATABASE_URL).

Setup (not timed): the demo Ambito without persons, then synthetic persons from the demo
generator, one case and one intervention per person and service over 20 catalogue services, and
weekly deliveries for the whole year written with a raw bulk insert (COPY on PostgreSQL); 1% of
them annulled; a few cases left with a Comune that does not confer the service (anomalies). A
draft version of the year with those 20 services, all charged by consumption (or capitation and
consumption), conferred by the ten member Comuni.

Timed, alternated, best of 3 (the first read after a bulk load pays cold caches):
  (a) the single SQL aggregate: SUM(quantita) of the same deliveries GROUP BY Comune, service;
  (b) the full riparto of the year: `consumi_dalla_cartella` + `engine.calcola`, without
      storing; and `applica_consumi` (the same read, the engine, the stored version, the
      rewritten workbook and the audit), with storing.
Prints the seconds and the ratios (b)/(a) (target ≤ 2×), and checks that the units the riparto
used equal the aggregate's, cell by cell.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

RADICE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RADICE / "src"))
sys.path.insert(0, str(RADICE / "bench"))

from _database import database_usa_e_getta  # noqa: E402

EROGAZIONI = int(os.environ.get("AMBITO_BENCH_EROGAZIONI", "2000000"))
ANNO = 2024
SETTIMANE = 52
N_SERVIZI = 20
RIPETIZIONI = 3
OBIETTIVO = 2.0
QUOTA_ANNULLATE = 0.01
QUOTA_NON_CONFERENTI = 0.002  # cases whose Comune does not confer the service

AGGREGATO_SQL = """
SELECT c.comune_responsabile_id, i.servizio_id, SUM(e.quantita)
FROM cartella_erogazione e
JOIN cartella_intervento i ON i.id = e.intervento_id
JOIN cartella_caso c ON c.id = i.caso_id
WHERE e.ambito_id = %s AND e.annullato_il IS NULL AND i.annullato_il IS NULL
  AND e.dal <= %s AND e.al >= %s
GROUP BY c.comune_responsabile_id, i.servizio_id
"""


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ambito-bench-riparto-") as cartella:
        with database_usa_e_getta(Path(cartella)) as connection:
            return esegui(connection)


def _carica(ambito, rng: random.Random) -> tuple[list, list[str], dict]:
    """Persons, cases, interventions and deliveries; returns (services, conferring Comuni, counts)."""
    from django.db import connection, transaction

    from ambito.cartella.models import Caso, Erogazione, Intervento, Persona
    from ambito.cartella.persone_testo import chiave_ricerca
    from ambito.catalogo.models import Servizio
    from ambito.demo import generatore as G
    from ambito.gestione import workbook as w
    from ambito.territorio.models import Ente, TipoEnte

    esempio = w.leggi(RADICE / "docs" / "examples" / "riparto-2023-assemi.xlsx").dati
    data_pop, popolazione = next(iter(esempio.popolazione.items()))
    conferenti = sorted(popolazione)
    comuni = {
        x.codice_istat: x
        for x in Ente.objects.filter(ambito=ambito, tipo=TipoEnte.COMUNE).exclude(codice_istat="")
    }
    altri = sorted(set(comuni) - set(conferenti))
    servizi = list(Servizio.objects.filter(ambito=ambito).order_by("codice")[:N_SERVIZI])
    interventi_n = max(len(servizi), -(-EROGAZIONI // SETTIMANE))
    persone_n = max(1, interventi_n // 2)

    pesi = {k: v for k, v in G.pesi_comuni_demo().items() if k in comuni}
    gen = G.genera_persone(persone_n, seed=11, comuni=pesi, oggi=dt.date(ANNO, 12, 31))
    with transaction.atomic():
        Persona.objects.bulk_create(
            [
                Persona(
                    ambito=ambito,
                    codice_fiscale=p.codice_fiscale,
                    cognome=p.cognome,
                    nome=p.nome,
                    sesso=p.sesso,
                    data_nascita=p.data_nascita,
                    codice_belfiore_nascita=p.codice_belfiore_nascita,
                    nato_estero=p.nato_estero,
                    chiave_ricerca=chiave_ricerca(p.cognome, p.nome),
                )
                for p in gen
            ],
            batch_size=2000,
        )
        persone = list(Persona.objects.filter(ambito=ambito).order_by("pk").values_list("pk", flat=True))
        residenza = {p.codice_fiscale: p.comune_residenza for p in gen}
        cf = dict(Persona.objects.filter(ambito=ambito).values_list("pk", "codice_fiscale"))
        casi = []
        for k in range(interventi_n):
            pid = persone[k % len(persone)]
            istat = residenza[cf[pid]]
            if istat not in conferenti or rng.random() < QUOTA_NON_CONFERENTI:
                istat = (
                    rng.choice(altri) if rng.random() < QUOTA_NON_CONFERENTI * 5 else rng.choice(conferenti)
                )
            casi.append(
                Caso(
                    ambito=ambito,
                    persona_id=pid,
                    servizio=servizi[k % len(servizi)],
                    comune_responsabile=comuni[istat],
                    data_apertura=dt.date(ANNO - 1, 12, 1),
                )
            )
        Caso.objects.bulk_create(casi, batch_size=2000)
        casi_id = list(Caso.objects.filter(ambito=ambito).order_by("pk").values_list("pk", "servizio_id"))
        Intervento.objects.bulk_create(
            [
                Intervento(
                    ambito=ambito,
                    caso_id=caso_id,
                    servizio_id=servizio_id,
                    dal=dt.date(ANNO, 1, 1),
                    presenza_prova_mezzi="0",
                    carattere_prestazione="1",
                )
                for caso_id, servizio_id in casi_id
            ],
            batch_size=2000,
        )
        interventi = list(Intervento.objects.filter(ambito=ambito).values_list("pk", flat=True))

    # Deliveries: a raw bulk insert (COPY on PostgreSQL), as generated data is not user input.
    ops = connection.ops
    adesso = ops.adapt_datetimefield_value(dt.datetime(ANNO + 1, 1, 15, tzinfo=dt.UTC))
    settimane = [
        (ops.adapt_datefield_value(d), ops.adapt_datefield_value(d + dt.timedelta(days=6)))
        for d in (dt.date(ANNO, 1, 1) + dt.timedelta(days=7 * k) for k in range(SETTIMANE))
    ]
    quantita = [Decimal(q) / 2 for q in range(2, 21)]  # 1 to 10 units, by halves
    colonne = (
        "ambito_id creato_il aggiornato_il annullato_il motivo_annullamento intervento_id dal al "
        "data_erogazione quantita importo quota_ente quota_utente quota_ssn"
    ).split()

    def righe():
        n = 0
        for intervento in interventi:
            tariffa = Decimal(rng.randint(15, 90))
            for dal, al in settimane:
                if n >= EROGAZIONI:
                    return
                q = rng.choice(quantita)
                importo = q * tariffa
                annullata = rng.random() < QUOTA_ANNULLATE
                yield (
                    ambito.pk,
                    adesso,
                    adesso,
                    adesso if annullata else None,
                    "errore di registrazione" if annullata else "",
                    intervento,
                    dal,
                    al,
                    al,
                    str(q),
                    str(importo),
                    str(importo),
                    "0",
                    "0",
                )
                n += 1

    tabella = Erogazione._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {tabella} ({', '.join(colonne)}) FROM STDIN") as copia:
                for r in righe():
                    copia.write_row(r)
        else:
            sql = f"INSERT INTO {tabella} ({', '.join(colonne)}) VALUES ({', '.join(['%s'] * len(colonne))})"
            blocco = []
            for r in righe():
                blocco.append(r)
                if len(blocco) == 50000:
                    cur.executemany(sql, blocco)
                    blocco = []
            if blocco:
                cur.executemany(sql, blocco)
        cur.execute("ANALYZE")  # planner statistics after a bulk load, as autovacuum would
    conti = {
        "persone": len(persone),
        "casi": len(casi),
        "erogazioni": Erogazione.objects.filter(ambito=ambito).count(),
        "annullate": Erogazione.objects.filter(ambito=ambito, annullato_il__isnull=False).count(),
    }
    return servizi, conferenti, {"conti": conti, "popolazione": (data_pop, popolazione)}


def _versione(ambito, servizi, conferenti, popolazione, rng: random.Random):
    """A draft version of the year: the 20 services by consumption, conferred by the members."""
    from ambito.gestione import engine as e
    from ambito.gestione import services
    from ambito.gestione import workbook as w
    from ambito.territorio.models import Ente

    data_pop, pop = popolazione
    servizi_e = []
    for s in servizi:
        metodo = s.metodo_riparto if s.metodo_riparto in e.METODI_CONSUMO | e.METODI_MISTI else e.CONSUMO
        servizi_e.append(
            e.Servizio(
                codice=s.codice,
                nome=s.nome,
                metodo=metodo,
                data_popolazione=data_pop,
                quota_capitaria=Decimal("0.4") if metodo in e.METODI_MISTI else None,
            )
        )
    nomi = dict(
        Ente.objects.filter(ambito=ambito, codice_istat__in=conferenti).values_list("codice_istat", "nome")
    )
    dati = e.DatiRiparto(
        servizi=tuple(servizi_e),
        costi_diretti={s.codice: Decimal(rng.randint(100_000, 2_000_000)) for s in servizi},
        conferimenti={s.codice: frozenset(conferenti) for s in servizi},
        costi_indiretti=Decimal("850000"),
        popolazione={data_pop: dict(pop)},
        consumi={(s.codice, c): Decimal(1) for s in servizi for c in conferenti},
        nomi_comuni=nomi,
    )
    buf = io.BytesIO()
    w.scrivi(buf, w.fogli_da_dati(dati, parametri={}))
    buf.name = f"riparto-{ANNO}-bench.xlsx"
    v = services.importa_riparto(ambito=ambito, file=buf, esercizio=ANNO, versione="bench", attore=None)
    return v, dati


def esegui(connection) -> int:
    from django.conf import settings
    from django.db import connection as conn

    from ambito.core.models import Ambito
    from ambito.demo.services import carica_demo
    from ambito.gestione import engine as e
    from ambito.gestione import services
    from ambito.gestione.consumi import applica_consumi, consumi_dalla_cartella

    print(f"Database: {connection.vendor}")
    settings.DEBUG = True  # the demo users are refused otherwise
    carica_demo(persone=0)
    settings.DEBUG = False
    ambito = Ambito.objects.get(codice="ATS-SGM")
    rng = random.Random(4)
    t0 = time.perf_counter()
    servizi, conferenti, info = _carica(ambito, rng)
    c = info["conti"]
    print(
        f"Dati sintetici ({time.perf_counter() - t0:.0f} s, non misurati): {c['persone']:,} persone, "
        f"{c['casi']:,} prese in carico, {c['erogazioni']:,} erogazioni settimanali del {ANNO} "
        f"({c['annullate']:,} annullate), {len(servizi)} servizi, {len(conferenti)} Comuni conferenti"
    )
    v, dati_iniziali = _versione(ambito, servizi, conferenti, info["popolazione"], rng)
    dal, al = dt.date(ANNO, 1, 1), dt.date(ANNO, 12, 31)

    def aggregato():
        with conn.cursor() as cur:
            cur.execute(AGGREGATO_SQL, [ambito.pk, al, dal])
            return cur.fetchall()

    def riparto():
        cc = consumi_dalla_cartella(ambito, v, dal, al)
        r = e.calcola(dataclasses.replace(cc.dati, consumi=cc.consumi_nuovi()))
        return cc, r

    def azzera():
        services.ricalcola_versione(
            versione=v, dati=dati_iniziali, attore=None, azione="bench.azzera", descrizione="azzera"
        )

    def salva():
        esito = applica_consumi(versione=v, dal=dal, al=al, attore=None, escludi_non_conferenti=True)
        assert esito.cambiata
        return esito

    tempi: dict[str, list[float]] = {"a": [], "b": [], "b_salva": []}
    aggregato()  # warm-up of the bulk-loaded pages, for both
    for _ in range(RIPETIZIONI):
        for chiave, funzione in (("a", aggregato), ("b", riparto), ("b_salva", salva)):
            if chiave == "b_salva":
                azzera()
            t = time.perf_counter()
            risultato = funzione()
            tempi[chiave].append(time.perf_counter() - t)
            if chiave == "a":
                righe_a = risultato
            elif chiave == "b":
                cc, r = risultato

    # the same units, cell by cell
    from ambito.territorio.models import Ente

    istat = dict(Ente.objects.filter(ambito=ambito).values_list("pk", "codice_istat"))
    codice = {s.pk: s.codice for s in servizi}
    attesi = {
        (codice[s], istat[cm]): Decimal(str(u)).quantize(Decimal("0.01"))
        for cm, s, u in righe_a
        if s in codice
    }
    usati = dict(cc.consumi) | {(x.servizio, x.comune): x.unita for x in cc.anomalie}
    differenze = sum(1 for k in attesi.keys() | usati.keys() if attesi.get(k) != usati.get(k))
    anomalie = cc.anomalie

    a, b, bs = (min(tempi[k]) for k in ("a", "b", "b_salva"))
    print(f"(a) aggregato SQL nudo (una query, {len(righe_a)} righe Comune × servizio): {a:.3f} s")
    print(
        f"(b) riparto completo dell'anno, consumi_dalla_cartella + calcola: {b:.3f} s "
        f"| rapporto (b)/(a) {b / a:.2f}× "
        f"(obiettivo ≤ {OBIETTIVO:g}×: {'OK' if b / a <= OBIETTIVO else 'NO'})"
    )
    print(
        f"(b) con salvataggio della versione (applica_consumi: lettura, motore, quote, cartella .xlsx, "
        f"audit): {bs:.3f} s | rapporto {bs / a:.2f}× "
        f"(obiettivo ≤ {OBIETTIVO:g}×: {'OK' if bs / a <= OBIETTIVO else 'NO'})"
    )
    print(
        "Tutti i tempi (s): "
        + "; ".join(f"{k}: {', '.join(f'{x:.3f}' for x in t)}" for k, t in tempi.items())
    )
    print(
        f"Controllo: {len(attesi)} celle, differenze tra aggregato e consumi usati: {differenze}; "
        f"anomalie (Comuni non conferenti) {len(anomalie)} per "
        f"{sum(x.righe for x in anomalie):,} erogazioni; totale a carico dei Comuni {r.totale:,} €"
    )
    ok = differenze == 0 and b / a <= OBIETTIVO and bs / a <= OBIETTIVO
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
