"""The service catalogue: areas, sectors, services, national crosswalks, service contracts."""

from django.db import models

from ambito.core.models import TenantModel


class Servizio(TenantModel):
    """A service, intervention or activity the Azienda delivers or manages."""

    codice = models.CharField("codice", max_length=30)
    nome = models.CharField("denominazione", max_length=200)

    class Meta:
        verbose_name = "servizio"
        verbose_name_plural = "servizi"
        ordering = ["codice"]
        constraints = [
            models.UniqueConstraint(fields=["ambito", "codice"], name="servizio_codice_unico_per_ambito"),
        ]

    def __str__(self) -> str:
        return f"{self.codice} – {self.nome}"
