"""The "fatti di rilievo" of a financial year, written by the direzione for the management report."""

from django.conf import settings
from django.db import models

from ambito.core.models import TenantModel


class EventoRilevante(TenantModel):
    """A main management event of a year (governance, membership, compliance, premises...)."""

    anno = models.PositiveSmallIntegerField("esercizio")
    data = models.DateField("data")
    titolo = models.CharField("titolo", max_length=200)
    testo = models.TextField("descrizione", blank=True)
    inserito_da = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="inserito da",
    )
    inserito_il = models.DateTimeField("inserito il", auto_now_add=True)

    class Meta:
        verbose_name = "fatto di rilievo"
        verbose_name_plural = "fatti di rilievo"
        ordering = ["anno", "data", "id"]
        indexes = [models.Index(fields=["ambito", "anno"])]
        # Direzione is read-only on model permissions (add/change/delete): this one capability
        # lets it record and withdraw the events of its report.
        permissions = [("registra_eventorilevante", "Può registrare ed eliminare i fatti di rilievo")]

    def __str__(self) -> str:
        return f"{self.data:%d/%m/%Y} – {self.titolo}"
