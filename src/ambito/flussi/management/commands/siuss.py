"""`ambito siuss genera --dal AAAA-MM-GG --al AAAA-MM-GG` and `ambito siuss esporta --cartella DIR`."""

from django.core.management.base import BaseCommand, CommandError

from ambito.core.comandi import data_iso
from ambito.core.models import Ambito
from ambito.flussi import services


def _ambito(codice: str | None) -> Ambito:
    if codice:
        try:
            return Ambito.objects.get(codice=codice)
        except Ambito.DoesNotExist:
            raise CommandError(f"Ambito inesistente: {codice}.") from None
    ambiti = list(Ambito.objects.all()[:2])
    if len(ambiti) != 1:
        raise CommandError("Indicare l'Ambito con --ambito CODICE.")
    return ambiti[0]


class Command(BaseCommand):
    help = "Flussi SIUSS verso INPS (sottocomandi: genera, esporta)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="azione", required=True, metavar="{genera,esporta}")
        g = sub.add_parser("genera", help="prepara e valida i flussi delle erogazioni di un periodo")
        g.add_argument("--dal", required=True, type=data_iso, metavar="AAAA-MM-GG")
        g.add_argument("--al", required=True, type=data_iso, metavar="AAAA-MM-GG")
        g.add_argument("--ambito", metavar="CODICE")
        g.add_argument(
            "--cf-operatore",
            default="",
            metavar="CF",
            help="CFOperatore per i Comuni senza codice fiscale in anagrafica",
        )
        x = sub.add_parser(
            "esporta", help="scrive i flussi validi come file XML (e i lotti per l'upload web)"
        )
        x.add_argument("--cartella", required=True, metavar="DIR")
        x.add_argument("--ambito", metavar="CODICE")

    def handle(self, *args, **opts):
        ambito = _ambito(opts["ambito"])
        if opts["azione"] == "genera":
            if opts["al"] < opts["dal"]:
                raise CommandError("--al precede --dal.")
            r = services.genera_flussi(
                ambito=ambito, dal=opts["dal"], al=opts["al"], attore=None, cf_operatore=opts["cf_operatore"]
            )
            self.stdout.write(
                f"Flussi validi: {r['validi']} (di cui cancellazioni: {r['cancellazioni']}); "
                f"non validi: {r['invalidi']}; invariati: {r['saltati']}."
            )
        else:
            r = services.esporta_flussi(ambito=ambito, cartella=opts["cartella"])
            self.stdout.write(
                f"File validi scritti: {r['validi']}; non validi: {r['invalidi']}; "
                f"lotti per l'upload web: {r['lotti']}."
            )
