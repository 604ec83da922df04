from django.core.management.base import BaseCommand, CommandError

from ambito.core.comandi import data_iso
from ambito.territorio.services import ErroreImportazione, importa_popolazione

from ._opzioni import aggiungi_ambito, risolvi_ambito, stampa_errori


class Command(BaseCommand):
    help = (
        "Importa la popolazione residente per Comune, età (0-100) e sesso da un CSV "
        "codice_istat,eta,maschi,femmine (docs/formats/popolazione.md). Tutto o niente."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="file CSV")
        parser.add_argument("--data-riferimento", required=True, type=data_iso, metavar="AAAA-MM-GG")
        parser.add_argument("--fonte", required=True, metavar="TESTO", help="es. «ISTAT, demo.istat.it»")
        parser.add_argument("--data-consultazione", type=data_iso, metavar="AAAA-MM-GG")
        parser.add_argument("--provvisoria", action="store_true", help="i dati sono provvisori")
        aggiungi_ambito(parser)

    def handle(self, *args, **opts):
        ambito = risolvi_ambito(opts["ambito"])
        try:
            ril = importa_popolazione(
                ambito=ambito,
                file=opts["file"],
                data_riferimento=opts["data_riferimento"],
                fonte=opts["fonte"],
                attore=None,
                data_consultazione=opts["data_consultazione"],
                provvisoria=opts["provvisoria"],
            )
        except ErroreImportazione as exc:
            stampa_errori(self, exc)
        except FileNotFoundError:
            raise CommandError(f"File «{opts['file']}» non trovato.") from None
        righe = ril.righe.count()
        comuni = ril.righe.values("comune").distinct().count()
        self.stdout.write(
            f"Importate {righe} righe per {comuni} Comuni: popolazione al "
            f"{ril.data_riferimento:%d/%m/%Y} (Ambito {ambito.codice})."
        )
