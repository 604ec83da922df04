"""Reads of the territorio app, always scoped to one Ambito.

The index computation reads every count of a date in one query and hands them to the pure
engine, so its query count does not grow with the number of Comuni.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import F, Sum
from django.shortcuts import get_object_or_404

from ambito.core.models import Ambito

from . import engine
from .models import Adesione, Ente, MovimentoNaturale, PopolazioneEta, RilevazionePopolazione
from .prestazioni import senza_gc


def comuni(ambito: Ambito | None):
    return Ente.objects.per_ambito(ambito).comuni()


def comune_per_utente(user, pk: int) -> Ente:
    """The Comune `pk` of the user's own Ambito, or 404 (another Ambito's Comune does not exist)."""
    return get_object_or_404(comuni(getattr(user, "ambito", None)), pk=pk)


def rilevazioni(ambito: Ambito | None) -> list[RilevazionePopolazione]:
    """Loaded reference dates, newest first."""
    return list(RilevazionePopolazione.objects.per_ambito(ambito).order_by("-data_riferimento"))


def rilevazione_al(ambito: Ambito | None, data: dt.date) -> RilevazionePopolazione | None:
    return RilevazionePopolazione.objects.per_ambito(ambito).filter(data_riferimento=data).first()


def un_anno_prima(data: dt.date) -> dt.date:
    try:
        return data.replace(year=data.year - 1)
    except ValueError:  # 29 February
        return data.replace(year=data.year - 1, day=28)


def totali_per_comune(rilevazione: RilevazionePopolazione | None) -> dict[int, dict[str, int]]:
    """{comune_id: {"maschi", "femmine", "totale"}} in one aggregate query."""
    if rilevazione is None:
        return {}
    righe = (
        PopolazioneEta.objects.filter(rilevazione=rilevazione)
        .values("comune_id")
        .annotate(m=Sum("maschi"), f=Sum("femmine"))
    )
    return {r["comune_id"]: {"maschi": r["m"], "femmine": r["f"], "totale": r["m"] + r["f"]} for r in righe}


def comuni_con_popolazione(ambito: Ambito | None, data: dt.date) -> list[Ente]:
    """The Comuni of the Ambito with their population at `data` (attribute `popolazione`, or None).

    A Comune is listed if it is in force at `data` or has population counted at that date.
    """
    totali = totali_per_comune(rilevazione_al(ambito, data))
    out = []
    for comune in comuni(ambito).order_by("nome"):
        if comune.pk not in totali and not comune.valido_il(data):
            continue
        comune.popolazione = totali.get(comune.pk, {}).get("totale")
        out.append(comune)
    return out


def conteggi_comune(rilevazione: RilevazionePopolazione, comune: Ente) -> engine.Conteggi | None:
    righe = list(
        PopolazioneEta.objects.filter(rilevazione=rilevazione, comune=comune).values_list(
            "eta", "maschi", "femmine"
        )
    )
    return engine.Conteggi.da_righe(righe) if righe else None


def conteggi_per_comune(rilevazione: RilevazionePopolazione) -> dict[int, engine.Conteggi]:
    """Every count of the date in 5-year classes, in one aggregate query: {comune_id: Conteggi}.

    The database sums the ~101 single-age rows of each Comune into 21 classes (0-4 … 95-99,
    100+), which is all the indices need (their age ranges are multiples of 5) and a fifth
    of the rows to carry over: for all of Italy 166,000 rows instead of 800,000.
    """
    qs = (
        PopolazioneEta.objects.filter(rilevazione=rilevazione)
        .annotate(classe=F("eta") / 5)  # integer division on SQLite and PostgreSQL
        .values("comune_id", "classe")
        .annotate(m=Sum("maschi"), f=Sum("femmine"))
        .values_list("comune_id", "classe", "m", "f")
        .order_by()
    )
    classi = engine.ETA_MASSIMA // 5 + 1
    maschi: dict[int, list[int]] = {}
    femmine: dict[int, list[int]] = {}
    # Plain integers need no ORM conversion: read the compiled query's rows from the cursor.
    sql, params = qs.query.sql_with_params()
    with senza_gc(), connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        for comune_id, classe, m, f in cursor.fetchall():
            lm = maschi.get(comune_id)
            if lm is None:
                lm = maschi[comune_id] = [0] * classi
                femmine[comune_id] = [0] * classi
            lm[classe] = m
            femmine[comune_id][classe] = f
        return {cid: engine.Conteggi(tuple(maschi[cid]), tuple(femmine[cid]), passo=5) for cid in maschi}


def adesioni_anno(ambito: Ambito | None, anno: int) -> dict[int, Adesione]:
    return {a.comune_id: a for a in Adesione.objects.per_ambito(ambito).filter(anno=anno)}


def anni_adesione(ambito: Ambito | None) -> list[int]:
    return list(
        Adesione.objects.per_ambito(ambito).order_by("-anno").values_list("anno", flat=True).distinct()
    )


def adesioni_comune(comune: Ente) -> list[Adesione]:
    return list(Adesione.objects.filter(comune=comune).order_by("-anno"))


@dataclass(frozen=True)
class _Comune:
    nome: str
    codice_istat: str


@dataclass(frozen=True)
class IndiciAllaData:
    """Indices of every Comune with population at a date, with the metadata a reader needs."""

    ambito: Ambito
    rilevazione: RilevazionePopolazione | None
    tabella: engine.TabellaIndici | None
    anno_eventi: int | None = None
    denominatore_tassi: str = ""
    criterio_totale: str = ""
    comuni_nel_totale: list[str] = field(default_factory=list)
    fonte_movimenti: list[str] = field(default_factory=list)

    def metadati(self) -> dict:
        r = self.rilevazione
        return {
            "ambito": self.ambito.codice,
            "data_riferimento": r.data_riferimento.isoformat() if r else None,
            "fonte": r.fonte if r else None,
            "data_consultazione": r.data_consultazione.isoformat() if r and r.data_consultazione else None,
            "provvisoria": r.provvisoria if r else None,
            "natalita_mortalita": {
                "anno_eventi": self.anno_eventi,
                "denominatore": self.denominatore_tassi,
                "fonte": self.fonte_movimenti,
            },
            "ambito_e_media": {"criterio": self.criterio_totale, "comuni": self.comuni_nel_totale},
            "arrotondamento": "ROUND_HALF_UP a due decimali, solo in uscita",
        }


DENOMINATORE_MEDIO = "popolazione media dell'anno degli eventi: (P al {inizio} + P al {fine}) / 2"
DENOMINATORE_PUNTUALE = (
    "popolazione alla data di riferimento ({fine}): la rilevazione al {inizio} non è caricata "
    "per tutti i Comuni"
)


def indici_alla_data(ambito: Ambito, data: dt.date) -> IndiciAllaData:
    """The seven indices per Comune, for the Ambito (weighted) and the simple mean of the Comuni.

    Natalità and mortalità use the births and deaths of year Y-1 for a reference date in year Y
    (1 January Y closes year Y-1). The denominator is ISTAT's mean population of that year,
    (P(1/1/Y-1) + P(1/1/Y)) / 2, when the earlier date is loaded for every Comune; otherwise the
    population at the reference date. Both choices are reported in `metadati()`.

    The AMBITO and MEDIA_COMUNI rows count the Comuni that are members of the Ambito in year Y
    (Adesione.membro_ambito) when memberships are recorded for that year, so a Comune buying
    only CDD places or belonging to another Ambito is listed but not summed; with no
    membership recorded for the year every listed Comune is summed.
    """
    with senza_gc():  # a bulk path for a large Ambito: see prestazioni.senza_gc
        return _indici_alla_data(ambito, data)


def _indici_alla_data(ambito: Ambito, data: dt.date) -> IndiciAllaData:
    rilevazione = rilevazione_al(ambito, data)
    if rilevazione is None:
        return IndiciAllaData(ambito=ambito, rilevazione=None, tabella=None)
    conteggi = conteggi_per_comune(rilevazione)
    per_id = {
        pk: _Comune(nome, codice)
        for pk, nome, codice in comuni(ambito).values_list("pk", "nome", "codice_istat")
    }

    anno_eventi = data.year - 1
    inizio = un_anno_prima(data)
    totali_prima = totali_per_comune(rilevazione_al(ambito, inizio))
    media = bool(conteggi) and all(cid in totali_prima for cid in conteggi)
    modello = DENOMINATORE_MEDIO if media else DENOMINATORE_PUNTUALE
    denominatore_tassi = modello.format(inizio=f"{inizio:%d/%m/%Y}", fine=f"{data:%d/%m/%Y}")

    movimenti = {
        m.comune_id: m
        for m in MovimentoNaturale.objects.per_ambito(ambito).filter(anno=anno_eventi)
        if m.comune_id in conteggi
    }
    adesioni = adesioni_anno(ambito, data.year)
    if adesioni:
        criterio = f"Comuni membri dell'Ambito nel {data.year}"
    else:
        criterio = f"tutti i Comuni con popolazione (nessuna adesione registrata per il {data.year})"

    righe = []
    for cid in sorted(conteggi, key=lambda i: (per_id[i].nome, per_id[i].codice_istat)):
        c = conteggi[cid]
        mov = movimenti.get(cid)
        denominatore = engine.media_popolazione(totali_prima[cid]["totale"], c.totale) if media else None
        nel_totale = adesioni[cid].membro_ambito if adesioni and cid in adesioni else not adesioni
        righe.append(
            engine.RigaComune(
                chiave=per_id[cid].codice_istat,
                nome=per_id[cid].nome,
                conteggi=c,
                movimenti=engine.Movimenti(
                    nati=mov.nati if mov else None,
                    morti=mov.morti if mov else None,
                    denominatore=denominatore,
                ),
                nel_totale=nel_totale,
            )
        )
    return IndiciAllaData(
        ambito=ambito,
        rilevazione=rilevazione,
        tabella=engine.tabella(righe),
        anno_eventi=anno_eventi,
        denominatore_tassi=denominatore_tassi,
        criterio_totale=criterio,
        comuni_nel_totale=[r.chiave for r in righe if r.nel_totale],
        fonte_movimenti=sorted({m.fonte for m in movimenti.values()}),
    )
