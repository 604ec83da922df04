from django.core.management.base import BaseCommand, CommandError

from ambito.territorio.services import ErroreImportazione, importa_movimenti_naturali

from ._opzioni import aggiungi_ambito, risolvi_ambito, stampa_errori


class Command(BaseCommand):
    help = (
        "Importa nati e morti per Comune e anno da un CSV codice_istat,anno,nati,morti "
        "(docs/formats/movimenti-naturali.md). Tutto o niente; sostituisce Comune e anno già presenti."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="file CSV")
        parser.add_argument(
            "--fonte", required=True, metavar="TESTO", help="es. «ISTAT, bilancio demografico»"
        )
        aggiungi_ambito(parser)

    def handle(self, *args, **opts):
        ambito = risolvi_ambito(opts["ambito"])
        try:
            n = importa_movimenti_naturali(ambito=ambito, file=opts["file"], fonte=opts["fonte"], attore=None)
        except ErroreImportazione as exc:
            stampa_errori(self, exc)
        except FileNotFoundError:
            raise CommandError(f"File «{opts['file']}» non trovato.") from None
        self.stdout.write(f"Importate {n} righe di movimenti naturali (Ambito {ambito.codice}).")
