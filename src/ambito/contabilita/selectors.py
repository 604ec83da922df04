"""Reads of the accounting data, scoped to an Ambito; a fixed number of queries each."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from django.db.models import Sum

from ambito.gestione.models import StatoVersione, VersioneBilancio

from . import engine as e
from .models import CategoriaCosto, CentroCosto, ContoContabile, ImportazioneContabile, RigaContabile


def importazioni(ambito) -> list[tuple[int, list[ImportazioneContabile]]]:
    """Every import (superseded ones too), grouped by esercizio, newest first."""
    qs = (
        ImportazioneContabile.objects.per_ambito(ambito)
        .select_related("esercizio", "caricata_da", "sostituita_da")
        .order_by("-esercizio__anno", "tipo_versione", "-caricata_il", "-id")
    )
    return [(anno, list(g)) for anno, g in groupby(qs, key=lambda i: i.esercizio.anno)]


def importazione(ambito, pk: int) -> ImportazioneContabile:
    return ImportazioneContabile.objects.select_related("esercizio", "caricata_da", "sostituita_da").get(
        ambito=ambito, pk=pk
    )


def centri(ambito):
    return CentroCosto.objects.per_ambito(ambito).select_related("servizio")


def conti(ambito):
    return ContoContabile.objects.per_ambito(ambito).select_related("categoria__schema", "centro")


@dataclass(frozen=True)
class RigaTabella:
    centro: CentroCosto
    celle: list[Decimal | None]
    costi: Decimal
    ricavi: Decimal
    risultato: Decimal


@dataclass(frozen=True)
class Tabella:
    prospetto: e.Prospetto
    categorie: list[CategoriaCosto]
    righe: list[RigaTabella]
    totali: list[Decimal]
    diretti_riparto: list[tuple[str, Decimal]]  # riparto service code -> direct cost


def prospetto(importazione: ImportazioneContabile) -> e.Prospetto:
    return _tabella(importazione).prospetto


def tabella(importazione: ImportazioneContabile) -> Tabella:
    return _tabella(importazione)


def _tabella(importazione: ImportazioneContabile) -> Tabella:
    somme = list(
        RigaContabile.objects.filter(importazione=importazione)
        .values("centro_id", "categoria_id")
        .annotate(t=Sum("importo"))
        .order_by()
    )
    tutti = {c.pk: c for c in CentroCosto.objects.per_ambito(importazione.ambito)}
    categorie = {c.pk: c for c in CategoriaCosto.objects.filter(pk__in={r["categoria_id"] for r in somme})}
    ordine_centri = sorted(tutti.values(), key=lambda c: (c.tipo != "servizio", c.codice))
    ordine_cat = sorted(
        categorie.values(), key=lambda c: (c.tipo != "costo", c.schema_id, c.ordine, c.codice)
    )
    p = e.prospetto(
        (e.Voce(tutti[r["centro_id"]].codice, r["categoria_id"], r["t"]) for r in somme),
        centri={c.codice: c.tipo for c in ordine_centri},
        categorie={c.pk: c.tipo for c in ordine_cat},
    )
    per_codice = {c.codice: c for c in tutti.values()}
    righe = [
        RigaTabella(
            centro=per_codice[c],
            celle=[p.celle.get((c, k.pk)) for k in ordine_cat],
            costi=p.costi[c],
            ricavi=p.ricavi[c],
            risultato=p.risultato(c),
        )
        for c in p.centri
    ]
    diretti: dict[str, Decimal] = {}
    for c in p.centri:
        centro = per_codice[c]
        if centro.tipo == "servizio" and centro.codice_riparto:
            diretti[centro.codice_riparto] = diretti.get(centro.codice_riparto, e.ZERO) + p.costi[c]
    return Tabella(
        prospetto=p,
        categorie=ordine_cat,
        righe=righe,
        totali=[p.totali_categoria[k.pk] for k in ordine_cat],
        diretti_riparto=sorted(diretti.items()),
    )


@dataclass(frozen=True)
class RigaConfronto:
    etichetta: str
    d: e.Differenza


def confronto(a: ImportazioneContabile, b: ImportazioneContabile):
    pa, pb = prospetto(a), prospetto(b)
    c = e.confronto(pa, pb)
    nomi_centri = {x.codice: x.nome for x in CentroCosto.objects.per_ambito(a.ambito)}
    cat = {x.pk: x for x in CategoriaCosto.objects.filter(pk__in=[d.chiave for d in c.categorie])}
    return {
        "centri": [RigaConfronto(f"{d.chiave} – {nomi_centri.get(d.chiave, '')}", d) for d in c.centri],
        "categorie": [RigaConfronto(str(cat[d.chiave]), d) for d in c.categorie],
        "totali": [
            RigaConfronto("Totale costi", c.totale_costi),
            RigaConfronto("Totale ricavi", c.totale_ricavi),
            RigaConfronto("Costi indiretti (centri di struttura)", c.costi_indiretti),
        ],
    }


def versioni_applicabili(importazione: ImportazioneContabile) -> list[VersioneBilancio]:
    """Draft riparto versions of the same esercizio that have a riparto to recompute."""
    return list(
        VersioneBilancio.objects.per_ambito(importazione.ambito)
        .filter(esercizio=importazione.esercizio, stato=StatoVersione.BOZZA, cartella__isnull=False)
        .order_by("creata_il", "id")
    )
