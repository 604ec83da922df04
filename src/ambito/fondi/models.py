"""Funding sources. The funds issue extends this with assignments, commitments and payments;
the case record already needs to say which fund pays for each delivery."""

from django.db import models

from ambito.core.models import TenantModel


class TipoFondo(models.TextChoices):
    STATALE = "statale", "Statale"
    REGIONALE = "regionale", "Regionale"
    COMUNALE = "comunale", "Bilancio dei Comuni"
    EUROPEO = "europeo", "Europeo / PNRR"
    UTENZA = "utenza", "Compartecipazione dell'utenza"
    ALTRO = "altro", "Altro"


class Fondo(TenantModel):
    codice = models.CharField("codice", max_length=30)
    nome = models.CharField("denominazione", max_length=200)
    tipo = models.CharField("tipo", max_length=20, choices=TipoFondo.choices)
    attivo = models.BooleanField("attivo", default=True)

    class Meta:
        verbose_name = "fondo"
        verbose_name_plural = "fondi"
        ordering = ["codice"]
        constraints = [
            models.UniqueConstraint(fields=["ambito", "codice"], name="fondo_codice_unico_per_ambito")
        ]

    def __str__(self) -> str:
        return f"{self.codice} – {self.nome}"
