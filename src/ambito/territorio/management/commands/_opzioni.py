"""Options shared by the territorio commands (the underscore keeps Django from listing it)."""

from django.core.management.base import CommandError

from ambito.core.models import Ambito


def aggiungi_ambito(parser) -> None:
    parser.add_argument(
        "--ambito", metavar="CODICE", help="codice dell'Ambito (facoltativo se ne esiste uno solo)"
    )


def risolvi_ambito(codice: str | None) -> Ambito:
    if codice:
        ambito = Ambito.objects.filter(codice=codice).first()
        if ambito is None:
            raise CommandError(f"Ambito «{codice}» inesistente.")
        return ambito
    ambiti = list(Ambito.objects.all()[:2])
    if not ambiti:
        raise CommandError("Nessun Ambito configurato: crearne uno prima di importare dati.")
    if len(ambiti) > 1:
        codici = ", ".join(Ambito.objects.values_list("codice", flat=True))
        raise CommandError(f"Ci sono più Ambiti ({codici}): indicare quale con --ambito CODICE.")
    return ambiti[0]


def stampa_errori(comando, errore) -> None:
    """Writes the rejected file's problems, one per line, then fails the command."""
    for riga in errore.righe_testo():
        comando.stderr.write(riga)
    raise CommandError(errore.testo().splitlines()[0])
