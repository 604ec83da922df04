"""Writes of the reports app: the "fatti di rilievo", each audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from ambito.core.services import istantanea, registra_evento

from .models import EventoRilevante


@transaction.atomic
def registra_evento_rilevante(
    *, ambito, anno: int, data: dt.date, titolo: str, testo: str = "", attore
) -> EventoRilevante:
    """Record a main event of year `anno` (its date may fall in the following months, as for the
    approval of the accounts)."""
    titolo = (titolo or "").strip()
    if not titolo:
        raise ValidationError("Indicare il titolo del fatto di rilievo.")
    if not 1990 <= anno <= 2100:
        raise ValidationError("Esercizio non valido.")
    if not (anno <= data.year <= anno + 1):
        raise ValidationError(f"La data deve cadere nell'esercizio {anno} o nell'anno successivo.")
    evento = EventoRilevante.objects.create(
        ambito=ambito, anno=anno, data=data, titolo=titolo, testo=(testo or "").strip(), inserito_da=attore
    )
    registra_evento(
        attore=attore, azione="relazioni.evento_rilevante.crea", oggetto=evento, dopo=istantanea(evento)
    )
    return evento


@transaction.atomic
def elimina_evento_rilevante(*, evento: EventoRilevante, attore) -> None:
    prima = istantanea(evento)
    registra_evento(attore=attore, azione="relazioni.evento_rilevante.elimina", oggetto=evento, prima=prima)
    evento.delete()
