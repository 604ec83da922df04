from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ambito.demo.services import carica_demo


class Command(BaseCommand):
    help = (
        "Carica l'Ambito dimostrativo (A.S.S.E.MI., Ambito di San Giuliano Milanese) con popolazione "
        "ISTAT reale, catalogo, contratti 2023 e gli utenti dimostrativi. Si può rieseguire."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--senza-utenti",
            action="store_true",
            help="Carica solo i dati, senza utenti dimostrativi (consentito anche con DEBUG disattivo).",
        )

        parser.add_argument(
            "--persone",
            type=int,
            default=4000,
            help="Persone sintetiche con le loro cartelle (predefinito 4000; 0 per nessuna).",
        )

    def handle(self, *args, **opts):
        try:
            righe = carica_demo(con_utenti=not opts["senza_utenti"], persone=opts["persone"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        for riga in righe:
            self.stdout.write(riga)
        self.stdout.write(self.style.SUCCESS("Ambito dimostrativo pronto."))
