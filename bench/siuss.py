"""Benchmark of the SIUSS flows: `genera_flussi` over 500,000 deliveries beside lxml alone.

Run by `make bench-siuss` (and `make bench`) as `DEBUG=1 .venv/bin/python bench/siuss.py`.
Size from AMBITO_BENCH_EROGAZIONI (default 500,000). Works in a throwaway database like
bench/cartella.py (a temporary SQLite file, or test_<name> beside DATABASE_URL).

1. Loads the demo Ambito and synthetic case records (demo/sintetici.py) until there are at least
   that many deliveries, then removes the newest ones beyond the number (not measured).
2. In a fresh child process (so that the peak memory is the generation's, not the loading's):
   a. `genera_flussi` over every delivery: flows per second, peak RSS (getrusage) and its growth
      over the process's size before the run;
   b. lxml alone on the same documents: each stored flow, read back and turned into plain
      (tag, attributes, text) data outside the clock, is built again with lxml.etree, validated
      with the same compiled XMLSchema and serialised; only these three steps are timed. The
      serialisation must equal the stored bytes and the validation the stored state (checked).
   It prints both rates, their ratio (target <= 2x) and the peak memory.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RADICE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RADICE / "src"))
sys.path.insert(0, str(RADICE / "bench"))

from _database import database_usa_e_getta  # noqa: E402

EROGAZIONI = int(os.environ.get("AMBITO_BENCH_EROGAZIONI", "500000"))
EROGAZIONI_PER_PERSONA = 9.0  # what demo/sintetici.py produces on average (9.1 since residents are taken
# in charge only by the services their Comune confers; it was 10.8 before)
OBIETTIVO_RAPPORTO = 2.0


def mb(kb: int) -> str:
    return f"{kb / 1024:,.0f} MB"


def azzera_picco() -> bool:
    """Reset the process's peak RSS (Linux: /proc/self/clear_refs), so that the next reading is the
    peak of what follows; False where it cannot be done."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def picco_kb() -> int:
    """Peak RSS of this process in kB: VmHWM (Linux; unlike ru_maxrss, it does not keep the RSS the
    parent had when it started us), else ru_maxrss."""
    try:
        for riga in Path("/proc/self/status").read_text().splitlines():
            if riga.startswith("VmHWM:"):
                return int(riga.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_kb() -> int:
    try:
        for riga in Path("/proc/self/status").read_text().splitlines():
            if riga.startswith("VmRSS:"):
                return int(riga.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--misura":
        return misura(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="ambito-bench-siuss-") as cartella:
        with database_usa_e_getta(Path(cartella)) as connection:
            prepara(connection)
            # The child opens the same database: close ours (SQLite holds no lock then).
            nome = connection.settings_dict["NAME"]
            connection.close()
            # Keep the loaded data to measure again (`--misura` on a copy): the SQLite file copied
            # to AMBITO_BENCH_SALVA, or on PostgreSQL a database of that name made from it.
            copia = os.environ.get("AMBITO_BENCH_SALVA")
            if copia and connection.vendor == "sqlite":
                shutil.copyfile(nome, copia)
            elif copia:
                with connection._nodb_cursor() as cur:  # not connected to the template itself
                    cur.execute(f'DROP DATABASE IF EXISTS "{copia}"')
                    cur.execute(f'CREATE DATABASE "{copia}" TEMPLATE "{nome}"')
            figlio = subprocess.run(
                [sys.executable, __file__, "--misura", str(nome)], env=os.environ.copy(), check=False
            )
            return figlio.returncode


def prepara(connection) -> None:
    from django.conf import settings

    from ambito.cartella.models import Erogazione, FinanziamentoErogazione
    from ambito.core.models import Ambito
    from ambito.demo.services import carica_demo
    from ambito.demo.sintetici import carica_sintetici

    print(f"Database: {connection.vendor}")
    settings.DEBUG = True  # the demo users are refused otherwise
    carica_demo(persone=0)
    settings.DEBUG = False
    ambito = Ambito.objects.get(codice="ATS-SGM")
    t0 = time.perf_counter()
    persone = int(EROGAZIONI / EROGAZIONI_PER_PERSONA * 1.05) + 100
    conti = carica_sintetici(ambito=ambito, persone=persone, seed=11)
    ids = list(Erogazione.objects.filter(ambito=ambito).order_by("id").values_list("id", flat=True))
    if len(ids) < EROGAZIONI:
        raise SystemExit(f"Solo {len(ids):,} erogazioni sintetiche: aumentare EROGAZIONI_PER_PERSONA.")
    soglia = ids[EROGAZIONI - 1]
    with connection.cursor() as cur:  # the case record refuses deletes: a throwaway database may
        cur.execute(
            f"DELETE FROM {FinanziamentoErogazione._meta.db_table} WHERE erogazione_id > %s", [soglia]
        )
        cur.execute(f"DELETE FROM {Erogazione._meta.db_table} WHERE id > %s", [soglia])
        cur.execute("ANALYZE")  # planner statistics after a bulk load, as autovacuum would
    n = Erogazione.objects.filter(ambito=ambito).count()
    print(
        f"Dati sintetici (non cronometrati): {conti['persone']:,} persone, {conti['casi']:,} prese in "
        f"carico, {n:,} erogazioni in {time.perf_counter() - t0:.0f} s"
    )


def struttura(el) -> tuple:
    """A document as plain data: (tag, attributes, text, children)."""
    return (el.tag, dict(el.attrib), el.text, [struttura(c) for c in el])


def costruisci(s: tuple, ns: str, padre=None):
    from lxml import etree

    tag, attributi, testo, figli = s
    el = (
        etree.Element(tag, attributi, nsmap={None: ns})
        if padre is None
        else etree.SubElement(padre, tag, attributi)
    )
    if testo is not None:
        el.text = testo
    for f in figli:
        costruisci(f, ns, el)
    return el


def misura(nome: str) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambito.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    from django.db import connection

    connection.settings_dict["NAME"] = nome
    from lxml import etree

    from ambito.cartella.models import Erogazione
    from ambito.core.models import Ambito
    from ambito.flussi import engine as e
    from ambito.flussi.models import FlussoSiuss, StatoFlusso
    from ambito.flussi.services import genera_flussi

    ambito = Ambito.objects.get(codice="ATS-SGM")
    date = Erogazione.objects.filter(ambito=ambito).values_list("data_erogazione", flat=True)
    dal, al = date.order_by("data_erogazione").first(), date.order_by("-data_erogazione").first()
    n_erogazioni = Erogazione.objects.filter(ambito=ambito).count()
    for t in e.TIPI:
        e.schema(t)  # both sides use the compiled schemas: load them outside the clocks
    rss_prima = rss_kb()
    azzera_picco()

    # (a) the application's generation. Two clocks: wall time, and the process's CPU time, which
    # the other work of a shared machine does not inflate (SQLite runs inside the process).
    t0, c0 = time.perf_counter(), time.process_time()
    r = genera_flussi(ambito=ambito, dal=dal, al=al, attore=None)
    t_genera, c_genera = time.perf_counter() - t0, time.process_time() - c0
    rss_picco = picco_kb()
    n_flussi = r["validi"] + r["invalidi"]

    # (b) lxml alone on the same documents.
    conta = {"t": 0.0, "c": 0.0, "n": 0, "byte": 0, "diversi": 0, "stati_diversi": 0}
    qs = FlussoSiuss.objects.filter(ambito=ambito).order_by("id").values_list("tipo", "stato", "xml")

    def esegui(blocco):
        dati = []
        for tipo, stato, xml in blocco:  # outside the clock: the plain data of each document
            b = xml.encode("utf-8")
            conta["byte"] += len(b)
            dati.append((e.schema(tipo), struttura(etree.fromstring(b)), b, stato))
        risultati = []
        t0, c0 = time.perf_counter(), time.process_time()
        for schema, s, _b, _stato in dati:
            doc = costruisci(s, e.NS)
            valido = schema.validate(doc)
            risultati.append((valido, etree.tostring(doc, xml_declaration=True, encoding="UTF-8")))
        conta["t"] += time.perf_counter() - t0
        conta["c"] += time.process_time() - c0
        for (_schema, _s, b, stato), (valido, uscita) in zip(dati, risultati, strict=True):
            conta["diversi"] += uscita != b
            conta["stati_diversi"] += valido != (stato != StatoFlusso.INVALIDO)
        conta["n"] += len(dati)

    blocco: list = []
    for riga in qs.iterator(chunk_size=2000):
        blocco.append(riga)
        if len(blocco) == 2000:
            esegui(blocco)
            blocco = []
    if blocco:
        esegui(blocco)

    n_lxml = conta["n"]
    rapporto = (n_lxml / conta["c"]) / (n_flussi / c_genera)
    rapporto_parete = (n_lxml / conta["t"]) / (n_flussi / t_genera)
    print(
        f"genera_flussi: {n_erogazioni:,} erogazioni -> {n_flussi:,} flussi ({r['validi']:,} validi, "
        f"{r['invalidi']:,} non validi): {n_flussi / c_genera:,.0f} flussi/s di CPU "
        f"({c_genera:.1f} s CPU, {t_genera:.1f} s di orologio = {n_flussi / t_genera:,.0f} flussi/s)"
    )
    print(
        f"lxml da solo (costruzione + validazione XSD + serializzazione): {n_lxml:,} flussi: "
        f"{n_lxml / conta['c']:,.0f} flussi/s di CPU ({conta['c']:.1f} s CPU, {conta['t']:.1f} s di "
        f"orologio = {n_lxml / conta['t']:,.0f} flussi/s)"
    )
    print(
        f"Rapporto lxml / genera_flussi: {rapporto:.2f}x in CPU (obiettivo <= {OBIETTIVO_RAPPORTO:.0f}x: "
        f"{'OK' if rapporto <= OBIETTIVO_RAPPORTO else 'NO'}); {rapporto_parete:.2f}x di orologio"
    )
    print(
        f"Memoria: picco RSS durante genera_flussi {mb(rss_picco)} (processo prima: {mb(rss_prima)}, "
        f"crescita {mb(rss_picco - rss_prima)}); XML prodotto {conta['byte'] / 2**20:,.0f} MB"
    )
    print(
        f"Controlli: serializzazioni diverse dai flussi salvati {conta['diversi']}, "
        f"esiti XSD diversi {conta['stati_diversi']}"
    )
    ok = rapporto <= OBIETTIVO_RAPPORTO and conta["diversi"] == 0 and conta["stati_diversi"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
