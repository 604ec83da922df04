"""Bodies (enti), Comuni, membership per year, population and natural movements."""

from django.core.validators import RegexValidator
from django.db import models

from ambito.core.models import TenantModel


class TipoEnte(models.TextChoices):
    AZIENDA = "azienda", "Azienda speciale consortile"
    COMUNE = "comune", "Comune"
    UNIONE = "unione", "Unione di Comuni"
    ASST = "asst", "ASST"
    ATS = "ats", "ATS"
    REGIONE = "regione", "Regione"
    TRIBUNALE = "tribunale", "Tribunale / Autorità giudiziaria"
    EROGATORE = "erogatore", "Ente erogatore (cooperativa, ente accreditato)"
    ALTRO = "altro", "Altro ente"


codice_istat_validator = RegexValidator(r"^\d{6}$", "Il codice ISTAT del Comune ha 6 cifre.")
codice_catastale_validator = RegexValidator(r"^[A-Z]\d{3}$", "Il codice catastale è una lettera e 3 cifre (es. H930).")


class Ente(TenantModel):
    """Any body the Ambito deals with. A Comune carries its ISTAT and cadastral codes.

    Bodies get renamed (ASL -> ATS/ASST): a renamed body is a new row with `predecessore`
    pointing to the old one, and validity dates on both.
    """

    tipo = models.CharField("tipo", max_length=20, choices=TipoEnte.choices)
    nome = models.CharField("denominazione", max_length=200)
    codice_fiscale = models.CharField("codice fiscale / partita IVA", max_length=16, blank=True)
    codice_istat = models.CharField(
        "codice ISTAT", max_length=6, blank=True, validators=[codice_istat_validator]
    )
    codice_catastale = models.CharField(
        "codice catastale (Belfiore)", max_length=4, blank=True, validators=[codice_catastale_validator]
    )
    provincia = models.CharField("provincia (sigla)", max_length=2, blank=True)
    regione = models.CharField("regione", max_length=60, blank=True)
    valido_dal = models.DateField("valido dal", null=True, blank=True)
    valido_al = models.DateField("valido al", null=True, blank=True)
    predecessore = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="successori",
        verbose_name="ente precedente",
    )
    comuni_membri = models.ManyToManyField(
        "self", blank=True, symmetrical=False, related_name="unioni", verbose_name="Comuni dell'Unione"
    )

    class Meta:
        verbose_name = "ente"
        verbose_name_plural = "enti"
        ordering = ["tipo", "nome"]
        constraints = [
            models.UniqueConstraint(
                fields=["ambito", "codice_istat"],
                condition=~models.Q(codice_istat=""),
                name="ente_codice_istat_unico_per_ambito",
            ),
        ]

    def __str__(self) -> str:
        return self.nome
