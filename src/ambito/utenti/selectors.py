"""Reads of users, roles, scope and logs, always limited to the reader's Ambito.

`ambito_visibilita()` is the single source of "what may this user see": later selectors (cases,
deliveries, documents) filter with `Visibilita.q()` instead of filtering by hand in views.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from ambito.core.models import AccessoDati, EventoAudit

from . import ruoli as R
from .models import AssegnazioneAmbito, MembroTeam, Team, TipoAssegnazione


@dataclass(frozen=True)
class Visibilita:
    """A user's scope on a date. Frozen: compute once per request and pass it around."""

    utente_id: int | None
    ambito_id: int | None
    data: dt.date
    ruoli: frozenset[str]
    ente_ids: frozenset[int]
    servizio_ids: frozenset[int]
    team_ids: frozenset[int]
    is_superuser: bool = False

    def ha_ruolo(self, *nomi: str) -> bool:
        return any(n in self.ruoli for n in nomi)

    @property
    def is_amministratore(self) -> bool:
        return R.AMMINISTRATORE in self.ruoli

    @property
    def is_direzione(self) -> bool:
        return R.DIREZIONE in self.ruoli

    @property
    def is_amministrazione(self) -> bool:
        return R.AMMINISTRAZIONE in self.ruoli

    @property
    def is_ufficio_di_piano(self) -> bool:
        return R.UFFICIO_DI_PIANO in self.ruoli

    @property
    def is_coordinatore(self) -> bool:
        return R.COORDINATORE in self.ruoli

    @property
    def is_operatore(self) -> bool:
        return R.OPERATORE in self.ruoli

    @property
    def is_operatore_comunale(self) -> bool:
        return R.OPERATORE_COMUNALE in self.ruoli

    @property
    def is_ente_erogatore(self) -> bool:
        return R.ENTE_EROGATORE in self.ruoli

    @property
    def is_cittadino(self) -> bool:
        return R.CITTADINO in self.ruoli

    @property
    def is_dpo(self) -> bool:
        return R.DPO in self.ruoli

    @property
    def intero_ambito(self) -> bool:
        """Direzione, administration, planning office, system admin and DPO read the whole Ambito."""
        return self.ambito_id is not None and bool(self.ruoli & R.RUOLI_INTERO_AMBITO)

    @property
    def comune_id(self) -> int | None:
        """The one Comune of an operatore comunale (the service enforces exactly one)."""
        if self.is_operatore_comunale and len(self.ente_ids) == 1:
            return next(iter(self.ente_ids))
        return None

    @property
    def ente_erogatore_id(self) -> int | None:
        if self.is_ente_erogatore and len(self.ente_ids) == 1:
            return next(iter(self.ente_ids))
        return None

    def q(
        self,
        *,
        ambito: str = "ambito",
        ente: str | None = None,
        servizio: str | None = None,
        team: str | None = None,
    ) -> Q:
        """A filter for rows this user may see, given the lookups of their Ente, service and team.

        Pass only the lookups the model has, e.g. ``vis.q(ente="comune", servizio="servizio")``.
        Whole-Ambito roles get every row of their Ambito; others get rows matching any of their
        Enti, services or teams; a user without Ambito gets nothing.
        """
        if self.ambito_id is None:
            return Q(pk__in=[])
        base = Q(**{f"{ambito}_id": self.ambito_id})
        if self.intero_ambito:
            return base
        scope = Q(pk__in=[])
        if ente and self.ente_ids:
            scope |= Q(**{f"{ente}__in": self.ente_ids})
        if servizio and self.servizio_ids:
            scope |= Q(**{f"{servizio}__in": self.servizio_ids})
        if team and self.team_ids:
            scope |= Q(**{f"{team}__in": self.team_ids})
        return base & scope

    def filtra(self, qs: QuerySet, **lookups) -> QuerySet:
        return qs.filter(self.q(**lookups))


def _attiva_il(data: dt.date) -> Q:
    return Q(dal__lte=data) & (Q(al__isnull=True) | Q(al__gte=data))


def ambito_visibilita(utente, data: dt.date | None = None) -> Visibilita:
    """The scope of `utente` on `data` (today by default). Three queries; not cached (see visibilita_di)."""
    data = data or timezone.localdate()
    if not getattr(utente, "is_authenticated", False) or utente.pk is None:
        return Visibilita(None, None, data, frozenset(), frozenset(), frozenset(), frozenset())
    ruoli = frozenset(utente.groups.values_list("name", flat=True))
    enti, servizi, team = set(), set(), set()
    if utente.ambito_id is not None:
        for tipo, ente_id, servizio_id, team_id in AssegnazioneAmbito.objects.filter(
            _attiva_il(data), utente=utente, ambito_id=utente.ambito_id
        ).values_list("tipo", "ente_id", "servizio_id", "team_id"):
            if tipo == TipoAssegnazione.ENTE:
                enti.add(ente_id)
            elif tipo == TipoAssegnazione.SERVIZIO:
                servizi.add(servizio_id)
            else:
                team.add(team_id)
        team.update(
            MembroTeam.objects.filter(
                _attiva_il(data), utente=utente, team__ambito_id=utente.ambito_id
            ).values_list("team_id", flat=True)
        )
    return Visibilita(
        utente_id=utente.pk,
        ambito_id=utente.ambito_id,
        data=data,
        ruoli=ruoli,
        ente_ids=frozenset(enti),
        servizio_ids=frozenset(servizi),
        team_ids=frozenset(team),
        is_superuser=utente.is_superuser,
    )


def visibilita_di(request) -> Visibilita:
    """The logged-in user's scope today, computed once per request."""
    vis = getattr(request, "_ambito_visibilita", None)
    if vis is None:
        vis = request._ambito_visibilita = ambito_visibilita(request.user)
    return vis


def descrivi_visibilita(vis: Visibilita) -> dict:
    """Names of the Enti, services and teams in a scope, for display (three queries)."""
    from ambito.catalogo.models import Servizio
    from ambito.territorio.models import Ente

    if vis.ambito_id is None:
        return {"enti": [], "servizi": [], "team": []}
    return {
        "enti": list(Ente.objects.filter(ambito_id=vis.ambito_id, pk__in=vis.ente_ids).order_by("nome")),
        "servizi": list(Servizio.objects.filter(ambito_id=vis.ambito_id, pk__in=vis.servizio_ids)),
        "team": list(
            Team.objects.filter(ambito_id=vis.ambito_id, pk__in=vis.team_ids).select_related("servizio")
        ),
    }


# --- teams -------------------------------------------------------------------------------------


def team_visibili(*, utente) -> QuerySet[Team]:
    """Teams of the user's Ambito (none without Ambito)."""
    if utente.ambito_id is None:
        return Team.objects.none()
    return Team.objects.filter(ambito_id=utente.ambito_id).select_related("servizio", "ente")


def membri_del_team(*, team: Team) -> QuerySet[MembroTeam]:
    return team.membri_team.select_related("utente").order_by("al", "utente__last_name", "utente__username")


def assegnazioni_di(*, utente) -> QuerySet[AssegnazioneAmbito]:
    return AssegnazioneAmbito.objects.filter(utente=utente, ambito_id=utente.ambito_id).select_related(
        "ente", "servizio", "team"
    )


# --- logs --------------------------------------------------------------------------------------


def accessi_dati(*, utente, filtri: dict | None = None) -> QuerySet[AccessoDati]:
    """Access-log rows of the reader's Ambito, filtered (keys of RegistroAccessiForm)."""
    if utente.ambito_id is None:
        return AccessoDati.objects.none()
    qs = AccessoDati.objects.filter(ambito_id=utente.ambito_id)
    f = filtri or {}
    if f.get("utente"):
        qs = qs.filter(utente_username__icontains=f["utente"])
    if f.get("oggetto_tipo"):
        qs = qs.filter(oggetto_tipo__icontains=f["oggetto_tipo"])
    if f.get("oggetto_id"):
        qs = qs.filter(oggetto_id=f["oggetto_id"])
    if f.get("esito"):
        qs = qs.filter(esito=f["esito"])
    if f.get("dal"):
        qs = qs.filter(momento__date__gte=f["dal"])
    if f.get("al"):
        qs = qs.filter(momento__date__lte=f["al"])
    return qs.order_by("-momento", "-id")


def eventi_audit(*, utente, filtri: dict | None = None) -> QuerySet[EventoAudit]:
    """Audit events of the reader's Ambito, filtered (keys of RegistroAuditForm)."""
    if utente.ambito_id is None:
        return EventoAudit.objects.none()
    qs = EventoAudit.objects.filter(ambito_id=utente.ambito_id)
    f = filtri or {}
    if f.get("attore"):
        qs = qs.filter(attore_username__icontains=f["attore"])
    if f.get("azione"):
        qs = qs.filter(azione__icontains=f["azione"])
    if f.get("oggetto"):
        o = f["oggetto"]
        qs = qs.filter(Q(oggetto_tipo__icontains=o) | Q(oggetto_descrizione__icontains=o) | Q(oggetto_id=o))
    if f.get("dal"):
        qs = qs.filter(momento__date__gte=f["dal"])
    if f.get("al"):
        qs = qs.filter(momento__date__lte=f["al"])
    return qs.order_by("-momento", "-id")


def differenze(prima: dict | None, dopo: dict | None) -> list[dict]:
    """Rows of a before/after table: every field in either state, with a changed flag."""
    prima, dopo = prima or {}, dopo or {}
    if not isinstance(prima, dict) or not isinstance(dopo, dict):
        return [{"campo": "valore", "prima": prima, "dopo": dopo, "cambiato": prima != dopo}]
    campi = list(dict.fromkeys([*prima.keys(), *dopo.keys()]))
    return [
        {
            "campo": c,
            "prima": prima.get(c, ""),
            "dopo": dopo.get(c, ""),
            "cambiato": prima.get(c) != dopo.get(c),
        }
        for c in campi
    ]


# --- request helpers ---------------------------------------------------------------------------


def ambito_richiesto(request):
    """The Ambito of the logged-in user; 403 for anonymous users or users without an Ambito.

    Installation superusers have no Ambito: they manage Ambiti in the admin, not tenant pages.
    """
    from django.core.exceptions import PermissionDenied

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise PermissionDenied("Accesso riservato agli utenti autenticati.")
    if user.ambito_id is None:
        raise PermissionDenied("Questa pagina richiede un utente di un Ambito.")
    return user.ambito
