"""Create or update the roles (groups and permissions) defined in ambito.utenti.ruoli."""

from django.core.management.base import BaseCommand

from ambito.utenti.ruoli import assicura_ruoli


class Command(BaseCommand):
    help = "Crea o aggiorna i ruoli (gruppi e permessi) definiti nel codice."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        esito = assicura_ruoli(using=options["database"])
        for nome, n in esito.items():
            self.stdout.write(f"{nome}: {n} permessi")
        self.stdout.write(self.style.SUCCESS(f"Ruoli aggiornati: {len(esito)}."))
