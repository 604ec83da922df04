"""`ambito riparto calcola --da-file FILE.xlsx`: the riparto from a workbook alone, no database.

Prints `comune,servizio,importo` (the Comune by ISTAT code) as CSV or JSON, or with
`--spiega COMUNE SERVIZIO` the explanation of one amount. The format is in docs/formats/riparto.md.
"""

import csv
import io
import json
import os
import sys
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from ambito.core.formats import numero_it
from ambito.gestione import engine as e
from ambito.gestione import workbook as w

from . import _acconti, _riparto_consumi


def euro(x: Decimal | int, decimali: int = 2) -> str:
    """Italian format: 1.234,56."""
    return numero_it(x, decimali)


def segno(x: Decimal) -> str:
    return ("+" if x >= 0 else "−") + euro(abs(x))


class Command(BaseCommand):
    help = "Riparto dei costi dei servizi tra i Comuni (sottocomandi: calcola, importa)."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="azione", required=True, metavar="{calcola,importa,consumi,acconti}")
        calcola = sub.add_parser(
            "calcola",
            help="calcola il riparto da una cartella .xlsx, senza database",
            description="Calcola il riparto da una cartella .xlsx (formato: docs/formats/riparto.md).",
        )
        calcola.add_argument("--da-file", required=True, metavar="FILE.xlsx", help="la cartella di lavoro")
        calcola.add_argument("--formato", choices=["csv", "json"], default="csv", help="formato di uscita")
        calcola.add_argument(
            "--spiega",
            nargs=2,
            metavar=("COMUNE", "SERVIZIO"),
            help="spiega un importo: Comune per codice ISTAT o nome, servizio per codice",
        )

        importa = sub.add_parser(
            "importa",
            help="importa una cartella .xlsx nel database come riparto di una versione di bilancio",
            description="Importa la cartella (formato: docs/formats/riparto.md) nella versione indicata: "
            "tutto o niente; una versione approvata non si reimporta.",
        )
        importa.add_argument("file", metavar="FILE.xlsx", help="la cartella di lavoro")
        importa.add_argument("--esercizio", required=True, type=int, metavar="AAAA", help="l'anno")
        importa.add_argument("--versione", required=True, metavar="NOME", help="nome della versione")
        importa.add_argument("--ambito", metavar="CODICE", help="codice dell'Ambito (se ce n'è più d'uno)")
        _riparto_consumi.aggiungi(sub)
        _acconti.aggiungi(sub)

    def handle(self, *args, **opts):
        if opts["azione"] == "importa":
            return self._importa(opts)
        if opts["azione"] == "consumi":
            return _riparto_consumi.esegui(self, opts)
        if opts["azione"] == "acconti":
            return _acconti.esegui(self, opts, euro)
        try:
            cartella, risultato = w.calcola_file(opts["da_file"])
        except w.ErroriCartella as exc:
            for err in exc.errori:
                self.stderr.write(str(err))
            raise CommandError(
                f"{opts['da_file']}: {len(exc.errori)} errori, nessun calcolo eseguito."
            ) from None
        if opts["spiega"]:
            self._spiega(cartella, risultato, *opts["spiega"], formato=opts["formato"])
        elif opts["formato"] == "json":
            self._json(cartella, risultato)
        else:
            testo = io.StringIO()
            scrittore = csv.writer(testo, lineterminator="\n")
            scrittore.writerow(["comune", "servizio", "importo"])
            for c, s, v in risultato.righe():
                scrittore.writerow([c, s, v])
            try:
                self.stdout.write(testo.getvalue(), ending="")
            except BrokenPipeError:  # `… | head`: stop quietly
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    def _importa(self, opts) -> None:
        from ambito.core.comandi import ambito_del_comando, importazione
        from ambito.gestione import selectors, services

        ambito = ambito_del_comando(opts.get("ambito"))
        with importazione(self, opts["file"]):
            v = services.importa_riparto(
                ambito=ambito,
                file=opts["file"],
                esercizio=opts["esercizio"],
                versione=opts["versione"],
                attore=None,
            )
        t = selectors.tabella(v)
        self.stdout.write(
            f"Importato in {ambito.codice}, esercizio {v.esercizio.anno}, "
            f"versione «{v.nome}» ({v.get_tipo_display()}): "
            f"{len(t.voci)} servizi, {len(t.righe)} Comuni, totale a carico dei Comuni {euro(t.totale, 0)} €."
        )

    def _json(self, cartella: w.Cartella, r: e.Risultato) -> None:
        dati = {
            "righe": [
                {"comune": c, "nome_comune": cartella.nome_comune(c), "servizio": s, "importo": v}
                for c, s, v in r.righe()
            ],
            "totali_servizio": {s: r.totale_servizio(s) for s in r.servizi},
            "totali_comune": {c: r.totale_comune(c) for c in r.comuni},
            "totale": r.totale,
            "prospetto": [
                {
                    "servizio": p.servizio,
                    "nome": p.nome,
                    "costi_diretti": str(p.diretti),
                    "costi_indiretti": str(p.indiretti.quantize(Decimal("0.01"))),
                    "costo_totale": str(p.totale.quantize(Decimal("0.01"))),
                    "fondi": {f: str(v) for f, v in p.fondi},
                    "conferimenti_comuni": p.comuni_arrotondato,
                }
                for p in r.prospetto
            ],
        }
        self.stdout.write(json.dumps(dati, ensure_ascii=False, indent=2))

    def _spiega(self, cartella: w.Cartella, r: e.Risultato, comune: str, servizio: str, *, formato: str):
        codice = cartella.cerca_comune(comune)
        if codice is None:
            raise CommandError(f"Comune «{comune}» non presente nella cartella.")
        if servizio not in r.servizi:
            raise CommandError(f"Servizio «{servizio}» non presente nella cartella.")
        sp = r.spiegazioni.get((codice, servizio))
        if sp is None:
            raise CommandError(
                f"Il Comune {cartella.nome_comune(codice)} non partecipa al servizio {servizio}: importo 0."
            )
        riga = next(p for p in r.prospetto if p.servizio == servizio)
        if formato == "json":
            self.stdout.write(json.dumps(_spiegazione_json(sp, cartella), ensure_ascii=False, indent=2))
            return
        out = [
            f"Comune: {cartella.nome_comune(codice)} ({codice})",
            f"Servizio: {servizio} – {riga.nome}",
            f"Metodo: {e.DESCRIZIONE_METODO.get(sp.metodo, sp.metodo)} ({sp.metodo})",
            f"Costo del servizio: diretti {euro(riga.diretti)} + indiretti {euro(riga.indiretti)} "
            f"= {euro(riga.totale)} €",
        ]
        if riga.fondi:
            fondi = ", ".join(f"{f} {euro(v)}" for f, v in riga.fondi)
            out.append(f"Fondi sul servizio: {fondi}")
        out.append(
            f"A carico dei Comuni: {euro(riga.comuni)} € (arrotondato {euro(riga.comuni_arrotondato, 0)} €)"
        )
        for p in sp.parti:
            if p.descrizione in ("pacchetto", "tariffa × unità"):
                dettaglio = (
                    f"{euro(p.peso, 0)} unità × {euro(p.totale_pesi)} €"
                    if p.descrizione == "tariffa × unità"
                    else "importo fisso"
                )
                out.append(f"Quota fissa ({p.descrizione}): {dettaglio} = {euro(p.importo)} €")
            else:
                out.append(
                    f"Peso: {euro(p.peso, 2 if p.peso != int(p.peso) else 0)} {p.descrizione} su "
                    f"{euro(p.totale_pesi, 2 if p.totale_pesi != int(p.totale_pesi) else 0)} "
                    f"({euro(p.quota * 100, 4)}%) di {euro(p.importo_ripartito)} € = {euro(p.importo)} €"
                )
        out.append(f"Quota lorda: {euro(sp.lordo)} €")
        out.append(
            f"Quota dei fondi generali attribuibile al Comune (informativa, già dedotta): "
            f"{euro(sp.quota_fondi_generali)} €"
        )
        if sp.fondi_vincolati:
            for f, v in sp.fondi_vincolati:
                out.append(f"Fondo vincolato {f}: −{euro(v)} €")
        else:
            out.append("Fondi vincolati: nessuno")
        out.append(f"Importo non arrotondato: {euro(sp.non_arrotondato, 4)} €")
        out.append(f"Arrotondamento (resti maggiori): {segno(sp.arrotondamento)} €")
        out.append(f"Importo: {euro(sp.importo, 0)} €")
        self.stdout.write("\n".join(out))


def _spiegazione_json(sp: e.Spiegazione, cartella: w.Cartella) -> dict:
    return {
        "comune": sp.comune,
        "nome_comune": cartella.nome_comune(sp.comune),
        "servizio": sp.servizio,
        "metodo": sp.metodo,
        "parti": [
            {
                "descrizione": p.descrizione,
                "peso": str(p.peso),
                "totale_pesi": str(p.totale_pesi),
                "quota": str(p.quota),
                "importo_ripartito": str(p.importo_ripartito),
                "importo": str(p.importo),
            }
            for p in sp.parti
        ],
        "lordo": str(sp.lordo),
        "quota_fondi_generali": str(sp.quota_fondi_generali),
        "fondi_vincolati": {f: str(v) for f, v in sp.fondi_vincolati},
        "non_arrotondato": str(sp.non_arrotondato),
        "arrotondamento": str(sp.arrotondamento),
        "importo": sp.importo,
    }
