"""Shared pieces of the case-record models."""

from django.conf import settings
from django.db import models

from ambito.core.models import TenantModel, TenantQuerySet


class CartellaQuerySet(TenantQuerySet):
    def delete(self):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("La cartella sociale non si cancella: annullare il dato indicando il motivo.")

    def attivi(self):
        return self.filter(annullato_il__isnull=True)


class Riservatezza(models.TextChoices):
    ORDINARIA = "ordinaria", "Ordinaria"
    TEAM = "team", "Riservata al team del caso"
    GIUDIZIARIA = "giudiziaria", "Giudiziaria (solo équipe minori)"


class RecordCartella(TenantModel):
    """Base of every case-file row: who wrote it and when. Rows are never hard-deleted;
    a row that is withdrawn carries `annullato_il` with a reason, and corrections are new rows."""

    creato_il = models.DateTimeField("creato il", auto_now_add=True)
    creato_da = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="creato da",
    )
    aggiornato_il = models.DateTimeField("aggiornato il", auto_now=True)
    annullato_il = models.DateTimeField("annullato il", null=True, blank=True)
    motivo_annullamento = models.TextField("motivo dell'annullamento", blank=True)

    objects = CartellaQuerySet.as_manager()

    class Meta:
        abstract = True

    def segna_annullato(self, motivo: str) -> None:
        """Withdraw the row: it stays readable, with when and why. Callers audit it."""
        from django.utils import timezone

        self.annullato_il = timezone.now()
        self.motivo_annullamento = motivo
        self.save(update_fields=["annullato_il", "motivo_annullamento", "aggiornato_il"])

    def delete(self, *args, **kwargs):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("La cartella sociale non si cancella: annullare il dato indicando il motivo.")
