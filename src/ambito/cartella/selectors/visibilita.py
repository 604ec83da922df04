"""Who sees which case-record rows. The single place where the CSI's scoping rules live.

- Direzione reads every case of its Ambito.
- A coordinator reads the cases of the services and teams assigned to them.
- An operator reads the cases of their teams and services and those they are an operator of.
- An operatore comunale reads the cases whose responsible Comune is theirs, never reserved
  or judicial diary entries.
- An ente erogatore reads only the interventions assigned to its Ente (and records activity there).
- Amministrazione reads interventions and deliveries (for the riparto), not the case contents.
- Anyone else reads nothing here. A "break the glass" access opens one case for a few hours.
- Judicial entries are read only by the minors' team: the case's team and operators, and the
  coordinators of its service.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ambito.utenti.selectors import Visibilita

from ..models import (
    AccessoStraordinario,
    Caso,
    Erogazione,
    Intervento,
    OperatoreCaso,
    Persona,
    Riservatezza,
)

NESSUNO = Q(pk__in=[])


def _operatore_attivo(vis: Visibilita) -> Q:
    oggi = vis.data
    sub = OperatoreCaso.objects.filter(
        caso=OuterRef("pk"),
        utente_id=vis.utente_id,
        annullato_il__isnull=True,
        dal__lte=oggi,
    ).filter(Q(al__isnull=True) | Q(al__gte=oggi))
    return Q(Exists(sub))


def _straordinario_attivo(vis: Visibilita) -> Q:
    sub = AccessoStraordinario.objects.filter(
        caso=OuterRef("pk"),
        utente_id=vis.utente_id,
        annullato_il__isnull=True,
        valido_fino__gt=timezone.now(),
    )
    return Q(Exists(sub))


def q_casi(vis: Visibilita, *, straordinari: bool = True) -> Q:
    """Filter on Caso for the cases this user may open."""
    if vis.ambito_id is None or vis.utente_id is None:
        return NESSUNO
    base = Q(ambito_id=vis.ambito_id)
    if vis.is_direzione:
        return base
    scope = NESSUNO
    if vis.is_coordinatore or vis.is_operatore:
        if vis.servizio_ids:
            scope |= Q(servizio_id__in=vis.servizio_ids)
        if vis.team_ids:
            scope |= Q(team_id__in=vis.team_ids)
        scope |= _operatore_attivo(vis)
    if vis.is_operatore_comunale and vis.comune_id is not None:
        scope |= Q(comune_responsabile_id=vis.comune_id)
    if straordinari:
        scope |= _straordinario_attivo(vis)
    return base & scope


def casi_visibili(vis: Visibilita) -> QuerySet[Caso]:
    return Caso.objects.filter(q_casi(vis))


def persone_visibili(vis: Visibilita) -> QuerySet[Persona]:
    """Persons with at least one visible case, plus, for operators of the Ambito, every person
    (to find someone at first access a social worker must be able to search the register)."""
    if vis.ambito_id is None or vis.utente_id is None:
        return Persona.objects.none()
    base = Persona.objects.filter(ambito_id=vis.ambito_id)
    if vis.is_direzione or vis.is_coordinatore or vis.is_operatore:
        return base
    if vis.is_operatore_comunale and vis.comune_id is not None:
        residenti = Q(residenze__comune_id=vis.comune_id, residenze__annullato_il__isnull=True)
        casi = Q(Exists(Caso.objects.filter(q_casi(vis), persona=OuterRef("pk"))))
        return base.filter(residenti | casi).distinct()
    return base.filter(Exists(Caso.objects.filter(q_casi(vis), persona=OuterRef("pk"))))


def interventi_visibili(vis: Visibilita) -> QuerySet[Intervento]:
    if vis.ambito_id is None or vis.utente_id is None:
        return Intervento.objects.none()
    base = Intervento.objects.filter(ambito_id=vis.ambito_id)
    if vis.is_direzione or vis.is_amministrazione:
        return base
    filtro = Q(caso__in=casi_visibili(vis))
    if vis.is_ente_erogatore and vis.ente_erogatore_id is not None:
        filtro |= Q(erogatore_id=vis.ente_erogatore_id)
    return base.filter(filtro)


def erogazioni_visibili(vis: Visibilita) -> QuerySet[Erogazione]:
    return Erogazione.objects.filter(intervento__in=interventi_visibili(vis))


def riservatezze_leggibili(vis: Visibilita, caso: Caso) -> set[str]:
    """Which confidentiality levels of diary entries and documents of `caso` this user reads.
    Call it only for a case the user may open."""
    livelli = {Riservatezza.ORDINARIA}
    if vis.is_operatore_comunale and not (vis.is_operatore or vis.is_coordinatore):
        return livelli
    nel_team = (caso.team_id is not None and caso.team_id in vis.team_ids) or (
        vis.utente_id is not None
        and OperatoreCaso.objects.filter(caso=caso, utente_id=vis.utente_id, annullato_il__isnull=True)
        .filter(Q(al__isnull=True) | Q(al__gte=vis.data))
        .exists()
    )
    coordina = vis.is_coordinatore and caso.servizio_id in vis.servizio_ids
    if nel_team or coordina or vis.is_direzione:
        livelli.add(Riservatezza.TEAM)
    if caso.minori and (nel_team or coordina):
        livelli.add(Riservatezza.GIUDIZIARIA)
    return livelli


def mandati_leggibili(livelli: set[str], caso: Caso) -> bool:
    """Court mandates of a minors' case are judicial matter: read only by who reads the judicial
    level of that case (`riservatezze_leggibili`); on other cases by whoever opens the case."""
    return not caso.minori or Riservatezza.GIUDIZIARIA in livelli


def q_mandati_leggibili(vis: Visibilita) -> Q:
    """On MandatoGiudiziario rows: the row-wise form of `mandati_leggibili`."""
    q = Q(caso__minori=False)
    if vis.is_operatore_comunale and not (vis.is_operatore or vis.is_coordinatore):
        return q
    if vis.team_ids:
        q |= Q(caso__team_id__in=vis.team_ids)
    if vis.is_coordinatore and vis.servizio_ids:
        q |= Q(caso__servizio_id__in=vis.servizio_ids)
    operatore = OperatoreCaso.objects.filter(
        caso=OuterRef("caso_id"), utente_id=vis.utente_id, annullato_il__isnull=True
    ).filter(Q(al__isnull=True) | Q(al__gte=vis.data))
    return q | Q(Exists(operatore))
