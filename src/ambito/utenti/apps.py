from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _ruoli_dopo_migrate(sender, using="default", **kwargs):
    # Permissions of every app exist only once the last app has migrated: run once, then.
    ultima = [c for c in apps.get_app_configs() if c.models_module is not None][-1]
    if sender.label != ultima.label:
        return
    from .ruoli import assicura_ruoli

    assicura_ruoli(using=using)


class UtentiConfig(AppConfig):
    name = "ambito.utenti"
    label = "utenti"
    verbose_name = "Utenti, ruoli e ambiti di visibilità"

    def ready(self):
        from ambito.core import menu

        post_migrate.connect(_ruoli_dopo_migrate, dispatch_uid="ambito.utenti.assicura_ruoli")
        menu.registra("Team", "utenti:team", permesso="utenti.view_team", ordine=80)
        menu.registra(
            "Registro accessi", "utenti:registro_accessi", permesso="core.view_accessodati", ordine=90
        )
        menu.registra(
            "Registro modifiche", "utenti:registro_audit", permesso="core.view_eventoaudit", ordine=91
        )
