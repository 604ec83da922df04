"""Create a personal API token and print its secret, once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ambito.utenti.token import crea_token


class Command(BaseCommand):
    help = "Crea un token personale per l'API e lo mostra una sola volta."

    def add_arguments(self, parser):
        parser.add_argument("username", help="Utente a cui appartiene il token.")
        parser.add_argument("--nome", default="Token da riga di comando", help="A cosa serve il token.")
        parser.add_argument("--giorni", type=int, default=None, help="Giorni di validità (senza: non scade).")

    def handle(self, *args, username, nome, giorni, **options):
        try:
            utente = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"Utente inesistente: {username}") from exc
        if not utente.is_active:
            raise CommandError(f"L'utente {username} non è attivo.")
        try:
            token, segreto = crea_token(utente=utente, nome=nome, giorni_validita=giorni, attore=None)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        scadenza = token.scade_il.strftime("%d/%m/%Y %H:%M") if token.scade_il else "mai"
        self.stdout.write(segreto)
        self.stderr.write(
            f"Token «{token.nome}» per {username} (prefisso {token.prefisso}, scadenza: {scadenza}). "
            "Copiarlo ora: non sarà più mostrato."
        )
