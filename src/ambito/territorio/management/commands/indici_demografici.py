import csv
import json

from django.core.management.base import BaseCommand, CommandError

from ambito.core.comandi import data_iso
from ambito.territorio import engine, selectors

from ._opzioni import aggiungi_ambito, risolvi_ambito

INTESTAZIONE = ["codice_istat", "comune", *engine.NOMI_INDICI]


def _numero(valore):
    v = engine.arrotonda(valore)
    return None if v is None else float(v)


class Command(BaseCommand):
    help = (
        "Stampa i sette indici demografici del Piano di Zona per ogni Comune, per l'Ambito "
        "(ponderato sulla popolazione) e la media semplice dei Comuni."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-riferimento", required=True, type=data_iso, metavar="AAAA-MM-GG")
        parser.add_argument("--formato", choices=["csv", "json"], default="csv")
        aggiungi_ambito(parser)

    def handle(self, *args, **opts):
        ambito = risolvi_ambito(opts["ambito"])
        data = opts["data_riferimento"]
        risultato = selectors.indici_alla_data(ambito, data)
        if risultato.tabella is None:
            date = ", ".join(f"{r.data_riferimento:%Y-%m-%d}" for r in selectors.rilevazioni(ambito))
            raise CommandError(
                f"Nessuna popolazione caricata al {data:%d/%m/%Y} per l'Ambito {ambito.codice}. "
                f"Date disponibili: {date or 'nessuna'}."
            )
        t = risultato.tabella
        righe = [*t.comuni, t.ambito, t.media_comuni]
        if opts["formato"] == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(INTESTAZIONE)
            for r in righe:
                valori = r.indici.come_dict()
                nome = r.nome
                writer.writerow(
                    [r.chiave, nome, *(engine.formato_macchina(valori[n]) for n in engine.NOMI_INDICI)]
                )
            return

        def riga_json(r):
            return {
                "codice_istat": r.chiave,
                "comune": r.nome,
                "popolazione": r.popolazione,
                **{n: _numero(v) for n, v in r.indici.come_dict().items()},
            }

        dati = {
            "metadati": risultato.metadati(),
            "comuni": [riga_json(r) for r in t.comuni],
            "ambito": riga_json(t.ambito),
            "media_comuni": riga_json(t.media_comuni),
        }
        self.stdout.write(json.dumps(dati, ensure_ascii=False, indent=2))
