"""`ambito relazioni comune --anno 2025 --comune 015140 --pdf FILE --xlsx FILE`
`ambito relazioni gestione --anno 2023 --pdf FILE`"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ambito.core.models import Ambito
from ambito.territorio.models import Ente

from ... import documenti, selectors
from ...engine import TabellaNonQuadra


class Command(BaseCommand):
    help = "Genera il rendiconto annuale di un Comune (PDF/XLSX) o la relazione sulla gestione (PDF)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="documento", required=True)
        c = sub.add_parser("comune", help="rendiconto annuale al Comune (art. 23)")
        c.add_argument("--anno", type=int, required=True)
        c.add_argument("--comune", required=True, help="codice ISTAT del Comune")
        c.add_argument("--pdf", type=Path)
        c.add_argument("--xlsx", type=Path)
        c.add_argument("--ambito", help="codice dell'Ambito (se l'installazione ne ha più di uno)")
        g = sub.add_parser("gestione", help="relazione sulla gestione")
        g.add_argument("--anno", type=int, required=True)
        g.add_argument("--pdf", type=Path, required=True)
        g.add_argument("--ambito", help="codice dell'Ambito (se l'installazione ne ha più di uno)")

    def _ambito(self, codice):
        qs = Ambito.objects.all()
        if codice:
            qs = qs.filter(codice=codice)
        ambiti = list(qs[:2])
        if len(ambiti) != 1:
            raise CommandError("Indicare --ambito con il codice di un Ambito esistente.")
        return ambiti[0]

    def handle(self, *args, **o):
        ambito = self._ambito(o.get("ambito"))
        try:
            if o["documento"] == "comune":
                if not o["pdf"] and not o["xlsx"]:
                    raise CommandError("Indicare --pdf e/o --xlsx.")
                try:
                    comune = selectors.comune_per_codice(ambito, o["comune"])
                except Ente.DoesNotExist:
                    raise CommandError(f"Comune {o['comune']} non trovato nell'Ambito.") from None
                p = selectors.pacchetto_comune(ambito, comune, o["anno"])
                if o["pdf"]:
                    o["pdf"].write_bytes(documenti.pdf_comune(p))
                    self.stdout.write(f"PDF: {o['pdf']}")
                if o["xlsx"]:
                    o["xlsx"].write_bytes(documenti.xlsx_comune(p))
                    self.stdout.write(f"XLSX: {o['xlsx']}")
                self.stdout.write(
                    f"{comune.nome} {o['anno']}: {p.persone_distinte} persone, "
                    f"{p.operatori_distinti} operatori, costo {p.costi.totale[1]} €"
                )
            else:
                r = selectors.relazione_gestione(ambito, o["anno"])
                o["pdf"].write_bytes(documenti.pdf_gestione(r))
                self.stdout.write(
                    f"PDF: {o['pdf']} ({len(r.eventi)} fatti di rilievo, riparto: {r.riferimento.etichetta})"
                )
        except TabellaNonQuadra as exc:
            raise CommandError(f"Documento non prodotto: {exc}") from exc
