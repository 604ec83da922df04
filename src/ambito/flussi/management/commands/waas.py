"""`ambito waas token-demo [--ambito CODICE] [--durata SECONDI]`: a Bearer token for the local
WaaS API, accepted when `WAAS_AUTH=demo` (HS256 with the demo key; never in production)."""

from django.core.management.base import BaseCommand

from ambito.flussi import waas

from .siuss import _ambito


class Command(BaseCommand):
    help = "API WaaS (INPS): token-demo stampa un token per il server locale con WAAS_AUTH=demo."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="azione", required=True, metavar="{token-demo}")
        t = sub.add_parser("token-demo", help="stampa un token Bearer di prova (WAAS_AUTH=demo)")
        t.add_argument("--ambito", metavar="CODICE")
        t.add_argument("--durata", type=int, default=3600, metavar="SECONDI")

    def handle(self, *args, **opts):
        ambito = _ambito(opts["ambito"])
        if not waas.modo_demo():
            self.stderr.write("Attenzione: il server accetta questo token solo con WAAS_AUTH=demo.")
        self.stdout.write(waas.token_demo(ambito.codice, durata=opts["durata"]))
