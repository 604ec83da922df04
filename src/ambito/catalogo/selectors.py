"""Every read of the catalogue that leaves the app, scoped to one Ambito."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q

from ambito.territorio.models import Ente

from .models import (
    Area,
    ContrattoServizio,
    Corrispondenza,
    Servizio,
    ServizioConferito,
    TabellaCodici,
    VoceCodice,
)

# The crosswalk columns shown in the catalogue list.
TABELLE_ELENCO = ["siuss_codice_prestazione", "siuss_area_utenza", "istat_area_utenza", "leps"]
# Catalogue order: area, sector, codice; services without a sector last on every database.
ORDINE_CATALOGO = [
    F("settore__area__ordine").asc(nulls_last=True),
    F("settore__area__codice").asc(nulls_last=True),
    F("settore__ordine").asc(nulls_last=True),
    F("settore__codice").asc(nulls_last=True),
    "codice",
]


def _nel_periodo(qs, dal: dt.date, al: dt.date, campo_dal="dal", campo_al="al"):
    return qs.filter(
        Q(**{f"{campo_al}__isnull": True}) | Q(**{f"{campo_al}__gte": dal}), **{f"{campo_dal}__lte": al}
    )


# --- services ------------------------------------------------------------------------------


def aree(ambito):
    return Area.objects.per_ambito(ambito).order_by("ordine", "codice")


def servizi(ambito, *, area=None, solo_attivi=False):
    """Services of the Ambito in catalogue order (area, sector, codice)."""
    qs = Servizio.objects.per_ambito(ambito).select_related("settore__area")
    if area is not None:
        qs = qs.filter(settore__area=area)
    if solo_attivi:
        qs = qs.filter(attivo=True)
    return qs.order_by(*ORDINE_CATALOGO)


def servizio(ambito, pk) -> Servizio:
    """One service of the Ambito; raises Servizio.DoesNotExist for another Ambito's id."""
    return Servizio.objects.per_ambito(ambito).select_related("settore__area").get(pk=pk)


def codici_correnti(
    servizi_ids, data: dt.date, tabelle: list[str] | None = None
) -> dict[int, dict[str, VoceCodice]]:
    """For each service, {table code: entry valid at `data`}, in two queries.

    A crosswalk points at one version of an entry; if the table got a newer version since, the
    same code in the version valid at `data` is returned (codes survive table updates).
    """
    qs = (
        Corrispondenza.objects.valide_al(data)
        .filter(servizio_id__in=list(servizi_ids))
        .select_related("voce__tabella")
    )
    if tabelle is not None:
        qs = qs.filter(voce__tabella__codice__in=tabelle)
    out: dict[int, dict[str, VoceCodice]] = defaultdict(dict)
    scadute = []
    for c in qs:
        if c.voce.valida_al(data):
            out[c.servizio_id][c.voce.tabella.codice] = c.voce
        else:
            scadute.append(c)
    if scadute:
        chiavi = {(c.voce.tabella_id, c.voce.codice) for c in scadute}
        correnti = {
            (v.tabella_id, v.codice): v
            for v in VoceCodice.objects.valide_al(data)
            .filter(tabella_id__in={k[0] for k in chiavi}, codice__in={k[1] for k in chiavi})
            .select_related("tabella")
        }
        for c in scadute:
            v = correnti.get((c.voce.tabella_id, c.voce.codice))
            if v is not None:
                out[c.servizio_id][v.tabella.codice] = v
    return dict(out)


def codice_per(servizio: Servizio, tabella: str, data: dt.date) -> VoceCodice | None:
    """The entry of table `tabella` the service maps to on `data`, or None."""
    return codici_correnti([servizio.pk], data, [tabella]).get(servizio.pk, {}).get(tabella)


def storia_corrispondenze(servizio: Servizio):
    return (
        Corrispondenza.objects.filter(servizio=servizio)
        .select_related("voce__tabella")
        .order_by("voce__tabella__codice", "valido_dal")
    )


def conferimenti_servizio(servizio: Servizio, anno: int):
    """The conferrals of a service overlapping year `anno`, with their Comune."""
    return (
        _nel_periodo(
            ServizioConferito.objects.filter(servizio=servizio), dt.date(anno, 1, 1), dt.date(anno, 12, 31)
        )
        .select_related("contratto__comune")
        .order_by("contratto__comune__nome", "dal")
    )


# --- code tables ---------------------------------------------------------------------------


@dataclass
class VersioneTabella:
    valido_dal: dt.date
    valido_al: dt.date | None
    voci: list[VoceCodice] = field(default_factory=list)


def tabelle_codici() -> list[tuple[TabellaCodici, list[VersioneTabella]]]:
    """Each national table with its versions (newest first); two queries."""
    tabelle = list(
        TabellaCodici.objects.prefetch_related(
            Prefetch("voci", queryset=VoceCodice.objects.order_by("-valido_dal", "codice"))
        )
    )
    out = []
    for t in tabelle:
        versioni: dict[dt.date, VersioneTabella] = {}
        for v in t.voci.all():
            ver = versioni.setdefault(v.valido_dal, VersioneTabella(v.valido_dal, v.valido_al))
            ver.voci.append(v)
            if ver.valido_al is not None and (v.valido_al is None or v.valido_al > ver.valido_al):
                ver.valido_al = v.valido_al
        out.append((t, list(versioni.values())))
    return out


# --- contracts -----------------------------------------------------------------------------


@dataclass
class Cella:
    """One (Comune, service) cell: the parts of the year the service was conferred."""

    periodi: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    intero_anno: bool = False


@dataclass
class Matrice:
    anno: int
    comuni: list[Ente]
    servizi: list[Servizio]
    celle: dict[tuple[int, int], Cella]
    per_comune: dict[int, int]
    per_servizio: dict[int, int]

    def cella(self, comune_id: int, servizio_id: int) -> Cella | None:
        return self.celle.get((comune_id, servizio_id))

    @property
    def righe(self):
        """[(comune, [cell or None per service], count)] for templates."""
        return [
            (c, [self.celle.get((c.pk, s.pk)) for s in self.servizi], self.per_comune.get(c.pk, 0))
            for c in self.comuni
        ]

    @property
    def totali_servizi(self):
        return [self.per_servizio.get(s.pk, 0) for s in self.servizi]


def _unisci(periodi: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    out: list[tuple[dt.date, dt.date]] = []
    for dal, al in sorted(periodi):
        if out and dal <= out[-1][1] + dt.timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], al))
        else:
            out.append((dal, al))
    return out


def matrice_conferimenti(ambito, anno: int) -> Matrice:
    """Comuni (rows) × services (columns) for a year, in three queries whatever the size.

    Rows: the Comuni/Unioni with a contract overlapping the year. Columns: the active services
    plus any inactive one conferred that year.
    """
    inizio, fine = dt.date(anno, 1, 1), dt.date(anno, 12, 31)
    contratti = list(
        _nel_periodo(ContrattoServizio.objects.per_ambito(ambito), inizio, fine).select_related("comune")
    )
    conferimenti = list(
        _nel_periodo(ServizioConferito.objects.per_ambito(ambito), inizio, fine).values_list(
            "contratto__comune_id", "servizio_id", "dal", "al"
        )
    )
    conferiti_ids = {s for _, s, _, _ in conferimenti}
    colonne = list(
        Servizio.objects.per_ambito(ambito)
        .filter(Q(attivo=True) | Q(pk__in=conferiti_ids))
        .select_related("settore__area")
        .order_by(*ORDINE_CATALOGO)
    )
    comuni = sorted({c.comune_id: c.comune for c in contratti}.values(), key=lambda e: e.nome)
    grezzi: dict[tuple[int, int], list] = defaultdict(list)
    for comune_id, servizio_id, dal, al in conferimenti:
        grezzi[(comune_id, servizio_id)].append((max(dal, inizio), min(al or fine, fine)))
    celle: dict[tuple[int, int], Cella] = {}
    per_comune: dict[int, int] = defaultdict(int)
    per_servizio: dict[int, int] = defaultdict(int)
    for (comune_id, servizio_id), periodi in grezzi.items():
        uniti = _unisci(periodi)
        celle[(comune_id, servizio_id)] = Cella(uniti, uniti == [(inizio, fine)])
        per_comune[comune_id] += 1
        per_servizio[servizio_id] += 1
    return Matrice(anno, comuni, colonne, celle, dict(per_comune), dict(per_servizio))


def anni_con_conferimenti(ambito, oggi: dt.date | None = None) -> list[int]:
    """The years touched by any conferral (open-ended ones up to this year), ascending."""
    oggi = oggi or dt.date.today()
    anni: set[int] = set()
    for dal, al in ServizioConferito.objects.per_ambito(ambito).values_list("dal", "al"):
        ultimo = al.year if al else max(oggi.year, dal.year)
        anni.update(range(dal.year, ultimo + 1))
    return sorted(anni)


def anno_predefinito(anni: list[int], oggi: dt.date | None = None) -> int:
    """This year if it has conferrals, else the latest year before it that has, else the latest."""
    oggi = oggi or dt.date.today()
    if not anni or oggi.year in anni:
        return oggi.year
    passati = [a for a in anni if a < oggi.year]
    return max(passati) if passati else max(anni)
