"""Scope: teams and scope assignments (by Ente, by service, by team), with validity dates.

Rows are never deleted: a membership or assignment ends by setting `al`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from ambito.core.models import TenantModel


class Team(TenantModel):
    """A working team, usually of one service and sometimes of one Ente (e.g. the minors' team)."""

    nome = models.CharField("nome", max_length=120)
    servizio = models.ForeignKey(
        "catalogo.Servizio",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="team",
        verbose_name="servizio",
    )
    ente = models.ForeignKey(
        "territorio.Ente",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="team",
        verbose_name="ente",
    )
    membri = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="MembroTeam", related_name="team", verbose_name="membri"
    )

    class Meta:
        verbose_name = "team"
        verbose_name_plural = "team"
        ordering = ["nome"]
        constraints = [models.UniqueConstraint(fields=["ambito", "nome"], name="team_nome_unico_per_ambito")]

    def __str__(self) -> str:
        return self.nome


class RuoloNelTeam(models.TextChoices):
    ASSISTENTE_SOCIALE = "assistente_sociale", "Assistente sociale"
    PSICOLOGO = "psicologo", "Psicologo"
    EDUCATORE = "educatore", "Educatore"
    EDUCATORE_ESTERNO = "educatore_esterno", "Educatore esterno"
    COORDINATORE = "coordinatore", "Coordinatore"


class MembroTeam(models.Model):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="membri_team", verbose_name="team")
    utente = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="membri_team", verbose_name="utente"
    )
    ruolo_nel_team = models.CharField("ruolo nel team", max_length=30, choices=RuoloNelTeam.choices)
    dal = models.DateField("dal")
    al = models.DateField("al", null=True, blank=True)

    class Meta:
        verbose_name = "membro del team"
        verbose_name_plural = "membri del team"
        ordering = ["team", "dal"]
        constraints = [
            models.CheckConstraint(
                condition=Q(al__isnull=True) | Q(al__gte=models.F("dal")), name="membroteam_al_dopo_dal"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.utente} in {self.team} ({self.get_ruolo_nel_team_display()})"


class TipoAssegnazione(models.TextChoices):
    ENTE = "ente", "Ente"
    SERVIZIO = "servizio", "Servizio"
    TEAM = "team", "Team"


class AssegnazioneAmbito(TenantModel):
    """What part of the Ambito a user works on: one Ente, one service or one team, for a period."""

    utente = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assegnazioni", verbose_name="utente"
    )
    tipo = models.CharField("tipo", max_length=10, choices=TipoAssegnazione.choices)
    ente = models.ForeignKey(
        "territorio.Ente",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ente",
    )
    servizio = models.ForeignKey(
        "catalogo.Servizio",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="servizio",
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="team"
    )
    dal = models.DateField("dal")
    al = models.DateField("al", null=True, blank=True)

    class Meta:
        verbose_name = "assegnazione di visibilità"
        verbose_name_plural = "assegnazioni di visibilità"
        ordering = ["utente", "dal"]
        constraints = [
            # Exactly the FK that matches the type is set.
            models.CheckConstraint(
                condition=(
                    Q(tipo="ente", ente__isnull=False, servizio__isnull=True, team__isnull=True)
                    | Q(tipo="servizio", ente__isnull=True, servizio__isnull=False, team__isnull=True)
                    | Q(tipo="team", ente__isnull=True, servizio__isnull=True, team__isnull=False)
                ),
                name="assegnazione_un_solo_oggetto",
            ),
            models.CheckConstraint(
                condition=Q(al__isnull=True) | Q(al__gte=models.F("dal")), name="assegnazione_al_dopo_dal"
            ),
        ]

    @property
    def oggetto(self):
        return self.ente or self.servizio or self.team

    def __str__(self) -> str:
        return f"{self.utente} → {self.get_tipo_display()} {self.oggetto}"


class TokenPersonale(models.Model):
    """A personal API token. Only a SHA-256 of the secret is stored; the secret is shown once.

    `prefisso` (the secret's first 8 characters) is stored in clear to find the row and to let
    the user recognise the token in lists.
    """

    utente = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="token_personali",
        verbose_name="utente",
    )
    nome = models.CharField("nome", max_length=120, help_text="A cosa serve, es. «script di estrazione».")
    prefisso = models.CharField("prefisso", max_length=8, unique=True)
    hash = models.CharField("hash SHA-256", max_length=64)
    creato_il = models.DateTimeField("creato il", auto_now_add=True)
    scade_il = models.DateTimeField("scade il", null=True, blank=True)
    ultimo_uso = models.DateTimeField("ultimo uso", null=True, blank=True)
    revocato_il = models.DateTimeField("revocato il", null=True, blank=True)

    class Meta:
        verbose_name = "token personale"
        verbose_name_plural = "token personali"
        ordering = ["-creato_il"]

    def __str__(self) -> str:
        return f"{self.nome} ({self.prefisso}…)"
