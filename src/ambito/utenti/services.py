"""Writes of users, roles, teams and scope assignments. Each one is audited in its transaction.

Bad input raises django.core.exceptions.ValidationError with an Italian message and writes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ambito.core.models import Ambito, Utente
from ambito.core.services import istantanea, registra_evento

from . import ruoli as R
from .models import AssegnazioneAmbito, MembroTeam, RuoloNelTeam, Team, TipoAssegnazione

_CAMPI_UTENTE = [
    "username",
    "first_name",
    "last_name",
    "email",
    "ambito",
    "qualifica",
    "codice_fiscale",
    "is_staff",
    "is_active",
]


def _controlla_ruoli(ruoli) -> list[str]:
    ruoli = list(dict.fromkeys(ruoli))
    if not ruoli:
        raise ValidationError("Indicare almeno un ruolo.")
    sconosciuti = [r for r in ruoli if r not in R.RUOLI]
    if sconosciuti:
        raise ValidationError(f"Ruolo sconosciuto: {', '.join(sconosciuti)}.")
    if R.CITTADINO in ruoli and len(ruoli) > 1:
        raise ValidationError("Il ruolo Cittadino non si combina con ruoli del personale.")
    return ruoli


def _gruppi(ruoli: list[str]) -> list[Group]:
    gruppi = list(Group.objects.filter(name__in=ruoli))
    if len(gruppi) != len(ruoli):
        R.assicura_ruoli()
        gruppi = list(Group.objects.filter(name__in=ruoli))
    return gruppi


def crea_utente(
    *,
    ambito: Ambito,
    username: str,
    password: str,
    ruoli: list[str],
    nome: str = "",
    cognome: str = "",
    qualifica: str = "",
    email: str = "",
    codice_fiscale: str = "",
    attore: Utente | None,
    demo: bool = False,
) -> Utente:
    """Create a user of `ambito` with its roles. Staff unless the only role is Cittadino.

    `demo=True` skips the password validators (demo password "demo"), only with DEBUG on.
    """
    if ambito is None:
        raise ValidationError("Ogni utente appartiene a un Ambito.")
    username = (username or "").strip()
    if not username:
        raise ValidationError("Il nome utente è obbligatorio.")
    ruoli = _controlla_ruoli(ruoli)
    if Utente.objects.filter(username__iexact=username).exists():
        raise ValidationError(f"Esiste già un utente con nome utente «{username}».")
    utente = Utente(
        ambito=ambito,
        username=username,
        first_name=nome,
        last_name=cognome,
        email=email,
        qualifica=qualifica,
        codice_fiscale=codice_fiscale,
        is_staff=any(R.RUOLI[r].staff for r in ruoli),
    )
    if demo:
        if not settings.DEBUG:
            raise ValidationError("Gli utenti dimostrativi si creano solo con DEBUG attivo.")
    else:
        try:
            password_validation.validate_password(password, utente)
        except ValidationError as exc:
            raise ValidationError(["Password non valida."] + list(exc.messages)) from exc
    utente.set_password(password)
    with transaction.atomic():
        utente.save()
        utente.groups.set(_gruppi(ruoli))
        dopo = istantanea(utente, _CAMPI_UTENTE)
        dopo["ruoli"] = ruoli
        registra_evento(attore=attore, azione="utente.creato", oggetto=utente, ambito=ambito, dopo=dopo)
    return utente


def imposta_ruoli(*, utente: Utente, ruoli: list[str], attore: Utente | None) -> Utente:
    """Replace a user's roles (and staff flag accordingly)."""
    ruoli = _controlla_ruoli(ruoli)
    with transaction.atomic():
        prima = sorted(utente.groups.values_list("name", flat=True))
        utente.groups.set(_gruppi(ruoli))
        utente.is_staff = utente.is_superuser or any(R.RUOLI[r].staff for r in ruoli)
        utente.save(update_fields=["is_staff"])
        registra_evento(
            attore=attore,
            azione="utente.ruoli",
            oggetto=utente,
            prima={"ruoli": prima},
            dopo={"ruoli": sorted(ruoli)},
        )
    return utente


def _stesso_ambito(utente: Utente, oggetto, etichetta: str) -> None:
    if oggetto is not None and oggetto.ambito_id != utente.ambito_id:
        raise ValidationError(f"{etichetta} appartiene a un altro Ambito.")


def assegna_ambito(
    *,
    utente: Utente,
    tipo: str,
    ente=None,
    servizio=None,
    team: Team | None = None,
    dal: dt.date | None = None,
    al: dt.date | None = None,
    attore: Utente | None,
) -> AssegnazioneAmbito:
    """Give `utente` visibility on one Ente, service or team from `dal` (today) to `al` (open).

    An operatore comunale gets exactly one Ente, a Comune; an ente erogatore exactly one provider
    Ente. Overlapping active assignments of those are refused.
    """
    from ambito.territorio.models import TipoEnte

    if utente.ambito_id is None:
        raise ValidationError("L'utente non appartiene ad alcun Ambito.")
    if tipo not in TipoAssegnazione.values:
        raise ValidationError("Tipo di assegnazione non valido: indicare ente, servizio o team.")
    oggetti = {"ente": ente, "servizio": servizio, "team": team}
    if oggetti[tipo] is None:
        raise ValidationError(f"Per un'assegnazione di tipo {tipo} indicare il {tipo}.")
    if any(v is not None for k, v in oggetti.items() if k != tipo):
        raise ValidationError("Un'assegnazione riguarda un solo ente, servizio o team.")
    _stesso_ambito(utente, oggetti[tipo], tipo.capitalize())
    dal = dal or timezone.localdate()
    if al is not None and al < dal:
        raise ValidationError("La data di fine non può precedere la data di inizio.")

    ruoli = set(utente.groups.values_list("name", flat=True))
    for ruolo, tipo_ente, messaggio in [
        (R.OPERATORE_COMUNALE, TipoEnte.COMUNE, "Un operatore comunale si assegna a un Comune."),
        (
            R.ENTE_EROGATORE,
            TipoEnte.EROGATORE,
            "Un utente di ente erogatore si assegna al proprio ente erogatore.",
        ),
    ]:
        if ruolo not in ruoli:
            continue
        if tipo != TipoAssegnazione.ENTE or ente.tipo != tipo_ente:
            raise ValidationError(messaggio)
        sovrapposte = AssegnazioneAmbito.objects.filter(utente=utente, tipo=TipoAssegnazione.ENTE).exclude(
            al__lt=dal
        )
        if al is not None:
            sovrapposte = sovrapposte.exclude(dal__gt=al)
        if sovrapposte.exists():
            raise ValidationError(
                f"{ruolo}: l'utente ha già un ente assegnato nel periodo; revocare prima l'assegnazione."
            )

    with transaction.atomic():
        a = AssegnazioneAmbito.objects.create(
            ambito_id=utente.ambito_id,
            utente=utente,
            tipo=tipo,
            ente=ente,
            servizio=servizio,
            team=team,
            dal=dal,
            al=al,
        )
        registra_evento(attore=attore, azione="assegnazione.creata", oggetto=a, dopo=istantanea(a))
    return a


def revoca_assegnazione(
    *, assegnazione: AssegnazioneAmbito, al: dt.date | None = None, attore: Utente | None
) -> AssegnazioneAmbito:
    """End an assignment on `al` (today by default). Never deletes."""
    al = al or timezone.localdate()
    if assegnazione.al is not None and assegnazione.al <= al:
        raise ValidationError("L'assegnazione è già terminata.")
    if al < assegnazione.dal:
        raise ValidationError("La data di fine non può precedere la data di inizio.")
    with transaction.atomic():
        a = AssegnazioneAmbito.objects.select_for_update().get(pk=assegnazione.pk)
        prima = istantanea(a)
        a.al = al
        a.save(update_fields=["al"])
        registra_evento(
            attore=attore, azione="assegnazione.revocata", oggetto=a, prima=prima, dopo=istantanea(a)
        )
    assegnazione.al = al
    return a


def crea_team(*, ambito: Ambito, nome: str, servizio=None, ente=None, attore: Utente | None) -> Team:
    nome = (nome or "").strip()
    if not nome:
        raise ValidationError("Il nome del team è obbligatorio.")
    for etichetta, o in (("Il servizio", servizio), ("L'ente", ente)):
        if o is not None and o.ambito_id != ambito.pk:
            raise ValidationError(f"{etichetta} appartiene a un altro Ambito.")
    if Team.objects.filter(ambito=ambito, nome__iexact=nome).exists():
        raise ValidationError(f"Esiste già un team «{nome}» in questo Ambito.")
    with transaction.atomic():
        t = Team.objects.create(ambito=ambito, nome=nome, servizio=servizio, ente=ente)
        registra_evento(attore=attore, azione="team.creato", oggetto=t, dopo=istantanea(t))
    return t


def aggiungi_membro(
    *,
    team: Team,
    utente: Utente,
    ruolo_nel_team: str,
    dal: dt.date | None = None,
    al: dt.date | None = None,
    attore: Utente | None,
) -> MembroTeam:
    if utente.ambito_id != team.ambito_id:
        raise ValidationError("L'utente appartiene a un altro Ambito.")
    if ruolo_nel_team not in RuoloNelTeam.values:
        raise ValidationError("Ruolo nel team non valido.")
    dal = dal or timezone.localdate()
    if al is not None and al < dal:
        raise ValidationError("La data di fine non può precedere la data di inizio.")
    attivi = MembroTeam.objects.filter(team=team, utente=utente).exclude(al__lt=dal)
    if al is not None:
        attivi = attivi.exclude(dal__gt=al)
    if attivi.exists():
        raise ValidationError("L'utente fa già parte del team nel periodo indicato.")
    with transaction.atomic():
        m = MembroTeam.objects.create(team=team, utente=utente, ruolo_nel_team=ruolo_nel_team, dal=dal, al=al)
        registra_evento(
            attore=attore, azione="team.membro_aggiunto", oggetto=team, ambito=team.ambito, dopo=istantanea(m)
        )
    return m


def rimuovi_membro(*, membro: MembroTeam, al: dt.date | None = None, attore: Utente | None) -> MembroTeam:
    """End a membership on `al` (today by default). Never deletes."""
    al = al or timezone.localdate()
    if membro.al is not None and membro.al <= al:
        raise ValidationError("L'appartenenza al team è già terminata.")
    if al < membro.dal:
        raise ValidationError("La data di fine non può precedere la data di inizio.")
    with transaction.atomic():
        prima = istantanea(membro)
        membro.al = al
        membro.save(update_fields=["al"])
        registra_evento(
            attore=attore,
            azione="team.membro_rimosso",
            oggetto=membro.team,
            ambito=membro.team.ambito,
            prima=prima,
            dopo=istantanea(membro),
        )
    return membro


# --- two-factor login ----------------------------------------------------------------------------


def prepara_otp(*, utente: Utente):
    """The user's unconfirmed TOTP device, created if missing (not audited: nothing is active yet)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    dispositivo = TOTPDevice.objects.filter(user=utente, confirmed=False).order_by("pk").first()
    if dispositivo is None:
        dispositivo = TOTPDevice.objects.create(user=utente, name="Autenticatore", confirmed=False)
    return dispositivo


def conferma_otp(*, utente: Utente, dispositivo, codice: str) -> bool:
    """Confirm a device with a code from the app. False (and nothing changed) if the code is wrong."""
    if dispositivo.user_id != utente.pk or dispositivo.confirmed:
        raise ValidationError("Dispositivo non valido.")
    if not dispositivo.verify_token((codice or "").strip()):
        return False
    with transaction.atomic():
        dispositivo.confirmed = True
        dispositivo.save(update_fields=["confirmed"])
        registra_evento(
            attore=utente,
            azione="2fa.attivata",
            oggetto=utente,
            ambito=utente.ambito,
            descrizione=f"Verifica in due passaggi attivata per {utente.username}",
        )
    return True


def disattiva_otp(*, utente: Utente, attore: Utente | None) -> int:
    """Remove the user's TOTP devices. Refused while 2FA is mandatory for staff."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if getattr(settings, "OTP_OBBLIGATORIO", False) and utente.is_staff:
        raise ValidationError("La verifica in due passaggi è obbligatoria e non può essere disattivata.")
    with transaction.atomic():
        n, _ = TOTPDevice.objects.filter(user=utente).delete()
        registra_evento(
            attore=attore,
            azione="2fa.disattivata",
            oggetto=utente,
            ambito=utente.ambito,
            descrizione=f"Verifica in due passaggi disattivata per {utente.username}",
        )
    return n
