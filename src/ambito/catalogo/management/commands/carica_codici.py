"""Add a new version of a national code table from a CSV file (all-or-nothing)."""

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ambito.catalogo.codici_csv import ErroreCSV, leggi_codici
from ambito.catalogo.services import carica_versione_codici


class Command(BaseCommand):
    help = (
        "Carica una nuova versione di una tabella di codici nazionali da un CSV "
        "(intestazione codice;denominazione). Chiude la versione precedente il giorno prima."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", required=True, help="file CSV (UTF-8, separatore ; o ,)")
        parser.add_argument(
            "--tabella", required=True, help="codice della tabella, es. siuss_codice_prestazione"
        )
        parser.add_argument("--valido-dal", required=True, help="inizio validità della versione, AAAA-MM-GG")
        parser.add_argument("--nome", default="", help="denominazione, solo per creare una tabella nuova")
        parser.add_argument("--fonte", default="", help="fonte, solo per una tabella nuova")

    def handle(self, *args, **opts):
        try:
            valido_dal = dt.date.fromisoformat(opts["valido_dal"])
        except ValueError:
            raise CommandError(f"Data «{opts['valido_dal']}» non valida: usare AAAA-MM-GG.") from None
        percorso = Path(opts["file"])
        try:
            testo = percorso.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise CommandError(f"Impossibile leggere {percorso}: {e}") from None
        try:
            voci = leggi_codici(testo)
            tabella = carica_versione_codici(
                tabella=opts["tabella"],
                voci=voci,
                valido_dal=valido_dal,
                nome=opts["nome"],
                fonte=opts["fonte"],
            )
        except ErroreCSV as e:
            raise CommandError(f"{percorso}: {e} Nessun codice caricato.") from None
        except ValidationError as e:
            raise CommandError(f"{' '.join(e.messages)} Nessun codice caricato.") from None
        self.stdout.write(
            f"Tabella {tabella.codice}: caricati {len(voci)} codici validi dal {valido_dal:%d/%m/%Y}."
        )
