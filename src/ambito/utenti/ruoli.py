"""Roles, defined in code in one place: each is a Django group whose permissions follow patterns.

Patterns are matched with fnmatch on "app_label.codename", so models added later by any app
(e.g. the case record) are picked up without touching this file. `*` as app label only
matches the project's own apps (module under ``ambito.``), never Django's or django-otp's.
Other apps may extend a role with `registra_permessi()` from their AppConfig.ready().

`assicura_ruoli()` is idempotent and makes each group's permissions exactly what the rules say:
permissions edited by hand in the admin are overwritten on the next migrate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from django.apps import apps as django_apps
from django.db import transaction

AMMINISTRATORE = "Amministratore di sistema"
DIREZIONE = "Direzione"
AMMINISTRAZIONE = "Amministrazione e controllo di gestione"
UFFICIO_DI_PIANO = "Ufficio di piano"
COORDINATORE = "Coordinatore di servizio"
OPERATORE = "Operatore"
OPERATORE_COMUNALE = "Operatore comunale"
ENTE_EROGATORE = "Ente erogatore"
CITTADINO = "Cittadino"
DPO = "Responsabile protezione dati (DPO)"

# Logs are written only by services: nobody gets add/change/delete on them, not even the admin.
_REGISTRI = (
    "core.add_eventoaudit",
    "core.change_eventoaudit",
    "core.delete_eventoaudit",
    "core.add_accessodati",
    "core.change_accessodati",
    "core.delete_accessodati",
)

# Public information: territory and the list of services.
_PUBBLICO = ("territorio.view_*", "catalogo.view_servizio")
# Every staff role: the public part plus the rest of the catalogue except contracts.
_BASE_STAFF = _PUBBLICO + ("catalogo.view_*", "utenti.view_team")
# Contracts with the Comuni and their conferred services: business data, not configuration.
_CONTRATTI_TUTTI = ("catalogo.*_contratto*", "catalogo.*_servizioconferit*")
_CONTRATTI = ("catalogo.view_contratto*", "catalogo.view_servizioconferit*")


@dataclass
class Ruolo:
    nome: str
    descrizione: str
    staff: bool = True
    permessi: list[str] = field(default_factory=list)
    esclusi: list[str] = field(default_factory=list)


RUOLI: dict[str, Ruolo] = {
    r.nome: r
    for r in [
        Ruolo(
            AMMINISTRATORE,
            "Gestisce utenti, team, assegnazioni, territorio e catalogo dell'Ambito (non i contratti); "
            "consulta i registri.",
            permessi=["core.*", "utenti.*", "territorio.*", "catalogo.*"],
            esclusi=[*_REGISTRI, *_CONTRATTI_TUTTI, "core.add_ambito", "core.delete_ambito"],
        ),
        Ruolo(
            DPO,
            "Responsabile della protezione dei dati: consulta il registro accessi e il registro modifiche.",
            permessi=[
                *_BASE_STAFF,
                "core.view_accessodati",
                "core.view_eventoaudit",
                "core.view_utente",
                "utenti.view_*",
            ],
            esclusi=list(_CONTRATTI),
        ),
        Ruolo(
            DIREZIONE,
            "Consulta tutto l'Ambito (sola lettura), escluso il registro degli accessi ai dati personali.",
            permessi=["*.view_*"],
            esclusi=["core.view_accessodati"],
        ),
        Ruolo(
            AMMINISTRAZIONE,
            "Contratti di servizio, catalogo e controllo di gestione.",
            permessi=[
                *_BASE_STAFF,
                "catalogo.add_contratto*",
                "catalogo.change_contratto*",
                "catalogo.add_servizioconferit*",
                "catalogo.change_servizioconferit*",
            ],
        ),
        Ruolo(
            UFFICIO_DI_PIANO,
            "Programmazione: territorio, popolazione, indici, catalogo e contratti.",
            permessi=[*_BASE_STAFF, "territorio.add_*", "territorio.change_*"],
        ),
        Ruolo(
            COORDINATORE,
            "Coordina un servizio e i suoi team; vede i contratti.",
            permessi=list(_BASE_STAFF),
        ),
        Ruolo(
            OPERATORE,
            "Assistente sociale, psicologo o educatore: lavora nei propri team e servizi.",
            permessi=list(_BASE_STAFF),
            esclusi=list(_CONTRATTI),
        ),
        Ruolo(
            OPERATORE_COMUNALE,
            "Operatore di un Comune: vede il proprio Comune e i servizi che conferisce.",
            permessi=list(_BASE_STAFF),
        ),
        Ruolo(
            ENTE_EROGATORE,
            "Cooperativa o ente accreditato: vede solo ciò che gli è affidato.",
            permessi=list(_BASE_STAFF),
            esclusi=list(_CONTRATTI),
        ),
        Ruolo(
            CITTADINO,
            "Informazioni pubbliche: territorio e catalogo dei servizi. Nessun dato personale.",
            staff=False,
            permessi=list(_PUBBLICO),
        ),
    ]
}

# Roles that read the whole Ambito rather than an Ente/service/team scope.
RUOLI_INTERO_AMBITO = frozenset({AMMINISTRATORE, DIREZIONE, AMMINISTRAZIONE, UFFICIO_DI_PIANO, DPO})


def registra_permessi(ruolo: str, *pattern: str, esclusi: tuple[str, ...] = ()) -> None:
    """Let an app grant its own permissions to a role (call from AppConfig.ready())."""
    r = RUOLI[ruolo]
    for p in pattern:
        if p not in r.permessi:
            r.permessi.append(p)
    for p in esclusi:
        if p not in r.esclusi:
            r.esclusi.append(p)


def _app_di_progetto() -> set[str]:
    return {c.label for c in django_apps.get_app_configs() if c.name.startswith("ambito.")}


def _corrisponde(chiave: str, app_label: str, pattern: str, progetto: set[str]) -> bool:
    if pattern.startswith("*.") and app_label not in progetto:
        return False
    return fnmatchcase(chiave, pattern)


def permessi_del_ruolo(ruolo: Ruolo, permessi, progetto: set[str] | None = None) -> list:
    """The Permission rows (from an iterable with content_type loaded) a role gets."""
    progetto = progetto if progetto is not None else _app_di_progetto()
    out = []
    for perm in permessi:
        app_label = perm.content_type.app_label
        chiave = f"{app_label}.{perm.codename}"
        if not any(_corrisponde(chiave, app_label, p, progetto) for p in ruolo.permessi):
            continue
        if any(fnmatchcase(chiave, e) for e in ruolo.esclusi):
            continue
        out.append(perm)
    return out


def assicura_ruoli(using: str = "default") -> dict[str, int]:
    """Create or update every role's group and permissions. Idempotent. Returns name -> count."""
    from django.contrib.auth.models import Group, Permission

    tutti = list(Permission.objects.using(using).select_related("content_type"))
    progetto = _app_di_progetto()
    esito = {}
    with transaction.atomic(using=using):
        for ruolo in RUOLI.values():
            gruppo, _ = Group.objects.using(using).get_or_create(name=ruolo.nome)
            perms = permessi_del_ruolo(ruolo, tutti, progetto)
            gruppo.permissions.set(perms)
            esito[ruolo.nome] = len(perms)
    return esito
