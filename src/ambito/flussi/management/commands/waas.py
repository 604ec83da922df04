"""`ambito waas token-demo [--ambito CODICE] [--durata SECONDI]`: a Bearer token for the local
WaaS API, accepted when `WAAS_AUTH=demo` (HS256 with the demo key; never in production).

`ambito waas simula-inps --url http://127.0.0.1:8000/waas/v1 [--token T] [--rifiuta-ogni N]`:
plays INPS against a running server (see flussi/simulatore_inps.py); without --token it makes a
demo token for the Ambito."""

from django.core.management.base import BaseCommand, CommandError

from ambito.flussi import waas
from ambito.flussi.simulatore_inps import ErroreInps, simula_inps

from .siuss import _ambito


class Command(BaseCommand):
    help = "API WaaS (INPS): token-demo stampa un token per il server locale con WAAS_AUTH=demo."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="azione", required=True, metavar="{token-demo,simula-inps}")
        t = sub.add_parser("token-demo", help="stampa un token Bearer di prova (WAAS_AUTH=demo)")
        t.add_argument("--ambito", metavar="CODICE")
        t.add_argument("--durata", type=int, default=3600, metavar="SECONDI")
        s = sub.add_parser(
            "simula-inps", help="fa la parte di INPS: preleva tutti i flussi e invia gli esiti"
        )
        s.add_argument("--url", default="http://127.0.0.1:8000/waas/v1", metavar="URL")
        s.add_argument("--token", default="", metavar="TOKEN", help="predefinito: un token demo")
        s.add_argument("--ambito", metavar="CODICE")
        s.add_argument(
            "--rifiuta-ogni", type=int, default=0, metavar="N", help="rifiuta un flusso ogni N (0: nessuno)"
        )
        s.add_argument("--limit", type=int, default=100, metavar="N", help="flussi per pagina (max 100)")

    def handle(self, *args, **opts):
        if opts["azione"] == "simula-inps":
            token = opts["token"] or waas.token_demo(_ambito(opts["ambito"]).codice)
            try:
                r = simula_inps(opts["url"], token, rifiuta_ogni=opts["rifiuta_ogni"], limite=opts["limit"])
            except (ErroreInps, OSError) as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(
                f"INPS simulato: {r.presi} flussi prelevati in {r.pagine} pagine; "
                f"accettati {r.accettati}, rifiutati {r.rifiutati}."
            )
            return
        ambito = _ambito(opts["ambito"])
        if not waas.modo_demo():
            self.stderr.write("Attenzione: il server accetta questo token solo con WAAS_AUTH=demo.")
        self.stdout.write(waas.token_demo(ambito.codice, durata=opts["durata"]))
