"""`ambito contabilita {centri,piano-conti,importa} FILE`: cost centres, chart of accounts, lines.

All-or-nothing: on any error every problem is printed with its row and column, nothing is
stored and the exit code is 1. The formats are in docs/formats/contabilita.md.
"""

from django.core.management.base import BaseCommand

from ambito.core.formats import numero_it
from ambito.gestione.models import TipoVersione


class Command(BaseCommand):
    help = "Contabilità analitica: centri di costo, piano dei conti, righe di preventivo o consuntivo."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="azione", required=True, metavar="{centri,piano-conti,importa}")
        centri = sub.add_parser("centri", help="importa o aggiorna i centri di costo da un file .csv/.xlsx")
        centri.add_argument("file", metavar="FILE")
        piano = sub.add_parser(
            "piano-conti", help="importa o aggiorna la mappatura conto → categoria (e centro predefinito)"
        )
        piano.add_argument("file", metavar="FILE")
        piano.add_argument("--schema", default="sole", help="schema di categorie predefinito (sole, cc)")
        importa = sub.add_parser(
            "importa",
            help="importa le righe di preventivo o consuntivo di un esercizio (sostituisce la precedente)",
        )
        importa.add_argument("file", metavar="FILE")
        importa.add_argument("--esercizio", required=True, type=int, metavar="AAAA")
        importa.add_argument("--versione", required=True, choices=TipoVersione.values)
        for p in (centri, piano, importa):
            p.add_argument("--ambito", metavar="CODICE", help="codice dell'Ambito (se ce n'è più d'uno)")

    def handle(self, *args, **opts):
        from ambito.contabilita import services
        from ambito.core.comandi import ambito_del_comando, importazione

        ambito = ambito_del_comando(opts.get("ambito"))
        with importazione(self, opts["file"]):
            if opts["azione"] == "centri":
                n = services.importa_centri(ambito=ambito, file=opts["file"], attore=None)
                self.stdout.write(f"Centri di costo: {n['creati']} creati, {n['aggiornati']} aggiornati.")
            elif opts["azione"] == "piano-conti":
                n = services.importa_piano_conti(
                    ambito=ambito, file=opts["file"], attore=None, schema=opts["schema"]
                )
                self.stdout.write(
                    f"Piano dei conti: {n['creati']} conti creati, {n['aggiornati']} aggiornati."
                )
            else:
                i = services.importa_contabilita(
                    ambito=ambito,
                    file=opts["file"],
                    esercizio=opts["esercizio"],
                    tipo_versione=opts["versione"],
                    attore=None,
                )
                self.stdout.write(
                    f"Importate {i.numero_righe} righe in {ambito.codice}, esercizio {i.esercizio.anno}, "
                    f"{i.get_tipo_versione_display()}: costi {numero_it(i.totale_costi)} €, "
                    f"ricavi {numero_it(i.totale_ricavi)} €."
                )
