"""National data flows: SIUSS (PS/PSA/SINA, SINBA) and their outcomes.

One `FlussoSiuss` is one XML document for INPS, with one beneficiary and one delivery (what the
WaaS API wants, technical specification v2.0.1). `GET /flussi?since=&limit=` reads the sendable
flows (`stato` preparato and onwards, `ts_flusso` > since, oldest first: `ts_flusso` is unique
and increasing within an Ambito, so paging never skips a flow); `POST /esiti` finds the flow by
`id_flusso` and fills the outcome fields.
"""

from django.db import models

from ambito.core.models import TenantModel


class TipoFlusso(models.TextChoices):
    PS_PSA_SINA = "PS_PSA_SINA", "PS/PSA/SINA"
    SINBA = "SINBA", "SINBA"


class TipoOperazione(models.TextChoices):
    INSERIMENTO = "I", "Inserimento"
    CANCELLAZIONE = "C", "Cancellazione"


class StatoFlusso(models.TextChoices):
    PREPARATO = "preparato", "Preparato"
    INVALIDO = "invalido", "Non valido (dati da correggere)"
    PRESO = "preso", "Preso da INPS"
    ACCETTATO = "accettato", "Accettato da INPS"
    RIFIUTATO = "rifiutato", "Rifiutato da INPS"
    SUPERATO = "superato", "Superato (erogazione annullata prima dell'invio di un flusso valido)"


# Flows that are (or may already be) at INPS: a change of the delivery needs a cancellation.
STATI_VALIDI = (StatoFlusso.PREPARATO, StatoFlusso.PRESO, StatoFlusso.ACCETTATO)
# Flows that INPS may pull through GET /flussi.
STATI_INVIABILI = (StatoFlusso.PREPARATO, StatoFlusso.PRESO, StatoFlusso.ACCETTATO, StatoFlusso.RIFIUTATO)


class FlussoSiuss(TenantModel):
    # Indexes: a generation writes hundreds of thousands of rows and each index costs on every
    # insert (bench/siuss.py). Kept: those the reads use (Meta: by key, by state and ts for the
    # WaaS paging, the unique ts; the Ambito's, which also orders the list by id) and the FKs a
    # delivery's, case's or person's page may follow back, and the cancelled flow's (without it,
    # PostgreSQL checks the self-reference of every deleted flow with a full scan). Left out:
    # the key's own (Meta has Ambito + key), Comune and intervention (never looked up from that
    # side).
    tipo = models.CharField("tipo", max_length=12, choices=TipoFlusso.choices)
    # Assigned when the flow becomes valid; an invalid flow has none (no progressive is spent).
    id_flusso = models.CharField(
        "identificativo del flusso", max_length=64, unique=True, null=True, blank=True
    )
    ts_flusso = models.BigIntegerField("produzione (ms dal 1970)", null=True, blank=True)
    codice_ente = models.CharField("codice dell'Ente (catastale)", max_length=4, blank=True)
    ente = models.ForeignKey(
        "territorio.Ente",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Comune",
        db_index=False,
    )
    # What the flow is about: "E<erogazione>" for PS, "S<caso>:<codice prestazione>" for SINBA.
    chiave = models.CharField("chiave", max_length=80)
    erogazione = models.ForeignKey(
        "cartella.Erogazione", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    intervento = models.ForeignKey(
        "cartella.Intervento",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    caso = models.ForeignKey(
        "cartella.Caso", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    persona = models.ForeignKey("cartella.Persona", on_delete=models.PROTECT, related_name="+")
    tipo_operazione = models.CharField(
        "operazione", max_length=1, choices=TipoOperazione.choices, default=TipoOperazione.INSERIMENTO
    )
    annulla = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="cancellazioni",
        verbose_name="flusso cancellato",
    )  # fmt: skip
    impronta = models.CharField("impronta del contenuto", max_length=64)
    xml = models.TextField("XML")
    sha256 = models.CharField("SHA-256 dell'XML", max_length=64)
    stato = models.CharField("stato", max_length=12, choices=StatoFlusso.choices)
    errori = models.JSONField("problemi", default=list, blank=True)
    # Outcome (POST /esiti).
    codice_esito = models.CharField("codice esito", max_length=30, blank=True)
    descrizione_esito = models.TextField("descrizione esito", blank=True)
    id_acquisizione_siuss = models.CharField("codice di acquisizione SIUSS", max_length=64, blank=True)
    ts_acquisizione = models.DateTimeField("acquisito da INPS il", null=True, blank=True)
    creato_il = models.DateTimeField("creato il", auto_now_add=True)
    aggiornato_il = models.DateTimeField("aggiornato il", auto_now=True)

    class Meta:
        verbose_name = "flusso SIUSS"
        verbose_name_plural = "flussi SIUSS"
        ordering = ["ambito", "ts_flusso", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ambito", "ts_flusso"], name="flussi_ts_unico_per_ambito"),
        ]
        indexes = [
            models.Index(fields=["ambito", "stato", "ts_flusso"], name="flussi_stato_ts"),
            models.Index(fields=["ambito", "chiave"], name="flussi_chiave"),
        ]

    def __str__(self) -> str:
        return self.id_flusso or f"flusso non valido {self.pk}"


class ProgressivoFlusso(TenantModel):
    """The last daily progressive used for an Ente's flows, both types (the NNNNNNN of id_flusso)."""

    codice_ente = models.CharField(max_length=4)
    giorno = models.DateField()
    ultimo = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ambito", "codice_ente", "giorno"], name="flussi_progressivo_unico"
            )
        ]
