"""`ambito istat indagine --anno 2025 --xlsx FILE [--non-oscurato] [--ambito CODICE]`."""

from pathlib import Path

from django.core.management.base import BaseCommand

from ambito.core.comandi import ambito_del_comando
from ambito.core.models import Ambito
from ambito.flussi import istat
from ambito.flussi.istat_xlsx import scrivi_xlsx


def _ambito(codice: str | None) -> Ambito:
    return ambito_del_comando(codice, inesistente="Ambito inesistente: {codice}.")


class Command(BaseCommand):
    help = "Indagine ISTAT sugli interventi e servizi sociali dei Comuni e aggregati SIOSS."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="azione", required=True, metavar="{indagine}")
        i = sub.add_parser("indagine", help="calcola l'indagine di un anno e la scrive in XLSX")
        i.add_argument("--anno", required=True, type=int)
        i.add_argument("--xlsx", metavar="FILE", help="scrive la cartella di lavoro in FILE")
        i.add_argument(
            "--non-oscurato",
            action="store_true",
            help="versione interna senza segreto statistico (USO INTERNO — non pubblicare)",
        )
        i.add_argument("--ambito", metavar="CODICE")

    def handle(self, *args, **opts):
        ambito = _ambito(opts["ambito"])
        anno = opts["anno"]
        ind = istat.indagine_istat(ambito, anno)
        s = istat.sioss(ambito, anno)
        t, nc = ind.totale, ind.totale_non_classificati
        self.stdout.write(
            f"Indagine ISTAT {anno} – {ambito.nome}: {len(ind.servizi)} servizi in {len(ind.aree)} aree, "
            f"{len(ind.comuni)} Comuni, {len(ind.celle)} celle servizio×Comune; utenti (per servizio) "
            f"{t.utenti}, erogazioni {t.erogazioni}; spesa Comuni {t.spesa_comuni} €, compartecipazione "
            f"utenti {t.compartecipazione_utenti} €, SSN {t.quota_ssn} €, totale {t.spesa_totale} €."
        )
        self.stdout.write(
            f"Non classificate: {nc.erogazioni} erogazioni di {len(ind.non_classificati)} servizi "
            f"(spesa totale {nc.spesa_totale} €)."
        )
        o = ind.oscuramento
        self.stdout.write(
            f"Segreto statistico: {len(o.primarie)} celle oscurate (1–2 persone), "
            f"{len(o.secondarie)} oscurate a complemento; "
            f"SIOSS: {len(s.oscuramento.oscurate)} celle oscurate."
        )
        self.stdout.write(f"SIOSS {anno}: {s.persone} persone in carico, {s.nuove} nuove prese in carico.")
        if o.non_protette or s.oscuramento.non_protette:
            self.stderr.write("Attenzione: alcune celle restano ricavabili dai totali (tabella degenere).")
        if opts["xlsx"]:
            contenuto = scrivi_xlsx(ind, s, ambito_nome=ambito.nome, oscurato=not opts["non_oscurato"])
            Path(opts["xlsx"]).write_bytes(contenuto)
            marca = " (USO INTERNO — non pubblicare)" if opts["non_oscurato"] else " (pubblicabile, oscurata)"
            self.stdout.write(f"Scritto {opts['xlsx']}{marca}.")
