"""Tenancy, users, and the append-only audit and access logs."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied
from django.db import models


class Ambito(models.Model):
    """The tenant: an Ambito territoriale sociale. Two Ambiti never see each other's data."""

    codice = models.CharField("codice", max_length=20, unique=True)
    nome = models.CharField("nome", max_length=200)
    ente_capofila = models.CharField("ente capofila", max_length=200, blank=True)
    regione = models.CharField("regione", max_length=60, blank=True)

    class Meta:
        verbose_name = "Ambito territoriale sociale"
        verbose_name_plural = "Ambiti territoriali sociali"
        ordering = ["codice"]

    def __str__(self) -> str:
        return self.nome


class TenantQuerySet(models.QuerySet):
    def per_ambito(self, ambito):
        return self.filter(ambito=ambito)


class TenantModel(models.Model):
    """Base for every record that belongs to an Ambito."""

    ambito = models.ForeignKey(Ambito, on_delete=models.PROTECT, verbose_name="ambito")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class Utente(AbstractUser):
    """A person who logs in. Belongs to one Ambito; installation-wide superusers may have none."""

    ambito = models.ForeignKey(
        Ambito, on_delete=models.PROTECT, null=True, blank=True, related_name="utenti", verbose_name="ambito"
    )
    codice_fiscale = models.CharField("codice fiscale", max_length=16, blank=True)
    qualifica = models.CharField(
        "qualifica", max_length=60, blank=True, help_text="Es. assistente sociale, psicologo, educatore."
    )

    class Meta:
        verbose_name = "utente"
        verbose_name_plural = "utenti"


class AppendOnlyModel(models.Model):
    """Rows are written once and never changed or deleted (also enforced by DB triggers)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionDenied("Registro in sola aggiunta: le righe non si modificano.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Registro in sola aggiunta: le righe non si cancellano.")


class EventoAudit(AppendOnlyModel):
    """Who changed what, when, with the state before and after."""

    ambito = models.ForeignKey(Ambito, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    attore = models.ForeignKey(
        Utente, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="attore"
    )
    attore_username = models.CharField("utente", max_length=150, blank=True)
    azione = models.CharField("azione", max_length=80)
    oggetto_tipo = models.CharField("tipo oggetto", max_length=100, blank=True)
    oggetto_id = models.CharField("id oggetto", max_length=64, blank=True)
    oggetto_descrizione = models.CharField("oggetto", max_length=300, blank=True)
    prima = models.JSONField("prima", null=True, blank=True)
    dopo = models.JSONField("dopo", null=True, blank=True)
    momento = models.DateTimeField("momento", auto_now_add=True, db_index=True)
    request_id = models.CharField("id richiesta", max_length=64, blank=True)

    class Meta:
        verbose_name = "evento di audit"
        verbose_name_plural = "eventi di audit"
        ordering = ["-momento", "-id"]
        indexes = [models.Index(fields=["oggetto_tipo", "oggetto_id"])]

    def __str__(self) -> str:
        return f"{self.attore_username} {self.azione} {self.oggetto_tipo} {self.oggetto_id}".strip()


class AccessoDati(AppendOnlyModel):
    """A read of personal data: who opened what, when, and why if outside their scope."""

    ambito = models.ForeignKey(Ambito, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    utente = models.ForeignKey(Utente, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    utente_username = models.CharField("utente", max_length=150, blank=True)
    oggetto_tipo = models.CharField("tipo oggetto", max_length=100)
    oggetto_id = models.CharField("id oggetto", max_length=64)
    oggetto_descrizione = models.CharField("oggetto", max_length=300, blank=True)
    esito = models.CharField(
        "esito",
        max_length=20,
        default="consentito",
        choices=[
            ("consentito", "consentito"),
            ("negato", "negato"),
            ("straordinario", "accesso straordinario"),
        ],
    )
    motivo = models.TextField("motivo", blank=True)
    momento = models.DateTimeField("momento", auto_now_add=True, db_index=True)
    request_id = models.CharField("id richiesta", max_length=64, blank=True)
    indirizzo_ip = models.GenericIPAddressField("indirizzo IP", null=True, blank=True)

    class Meta:
        verbose_name = "accesso ai dati personali"
        verbose_name_plural = "accessi ai dati personali"
        ordering = ["-momento", "-id"]
        indexes = [models.Index(fields=["oggetto_tipo", "oggetto_id"])]

    def __str__(self) -> str:
        return f"{self.utente_username} → {self.oggetto_tipo} {self.oggetto_id} ({self.esito})"
