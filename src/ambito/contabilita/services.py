"""Writes of the accounting import: cost centres, the chart-of-accounts mapping, budget/actual
lines, and applying an import to a draft riparto version.

Each import is all-or-nothing: the file is checked by `engine` (every error with its row and
column, in Italian) and any error raises `ValidationError` with nothing stored. Every write is
audited with `registra_evento` in the same transaction.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ambito.catalogo.models import Servizio
from ambito.core.caricamenti import anno_esercizio, contenuto_file
from ambito.core.services import istantanea, registra_evento
from ambito.gestione import services as gestione
from ambito.gestione.models import Esercizio, TipoVersione, VersioneBilancio

from . import engine as e
from .models import (
    CategoriaCosto,
    CentroCosto,
    ContoContabile,
    ImportazioneContabile,
    RigaContabile,
    SchemaCategorie,
    TipoCategoria,
)

LIMITE_BYTE = 20 * 1024 * 1024


def assicura_schemi() -> None:
    """The category schemes of `schemi.SCHEMI`, created or brought up to date (idempotent)."""
    from .schemi import SCHEMI

    for codice, (nome, fonte, categorie) in SCHEMI.items():
        schema, _ = SchemaCategorie.objects.update_or_create(
            codice=codice, defaults={"nome": nome, "fonte": fonte}
        )
        for ordine, (cod, nome_cat, tipo) in enumerate(categorie, start=1):
            CategoriaCosto.objects.update_or_create(
                schema=schema, codice=cod, defaults={"nome": nome_cat, "tipo": tipo, "ordine": ordine}
            )


def _tabella(file, colonne) -> tuple[e.Tabella, bytes]:
    contenuto, nome = contenuto_file(file, "contabilita.csv")
    if len(contenuto) > LIMITE_BYTE:
        raise ValidationError(f"{nome}: il file supera i 20 MB.")
    try:
        return e.leggi_tabella(contenuto, nome, *colonne), contenuto
    except e.ErroriFile as exc:
        raise ValidationError([str(x) for x in exc.errori]) from None


def centro_puro(c: CentroCosto) -> e.Centro:
    return e.Centro(
        codice=c.codice,
        nome=c.nome,
        tipo=c.tipo,
        codice_riparto=c.codice_riparto,
        valido_dal=c.valido_dal,
        valido_al=c.valido_al,
    )


def _crea_o_aggiorna(modello, *, ambito, attore, oggetto: str, valori: dict[str, dict]) -> dict[str, int]:
    """Create the rows of `modello` whose code is new, update those whose values changed, audit each.

    Cost centres and accounts are imported the same way: by the Ambito's code, untouched when equal.
    `oggetto` names the audit actions (contabilita.crea_<oggetto>, contabilita.modifica_<oggetto>).
    """
    esistenti = {x.codice: x for x in modello.objects.per_ambito(ambito)}
    conti = {"creati": 0, "aggiornati": 0}
    for codice, campi in valori.items():
        vecchio = esistenti.get(codice)
        if vecchio is None:
            nuovo = modello.objects.create(ambito=ambito, codice=codice, **campi)
            registra_evento(
                attore=attore, azione=f"contabilita.crea_{oggetto}", oggetto=nuovo, dopo=istantanea(nuovo)
            )
            conti["creati"] += 1
        elif any(getattr(vecchio, k) != x for k, x in campi.items()):
            prima = istantanea(vecchio)
            for k, x in campi.items():
                setattr(vecchio, k, x)
            vecchio.save()
            registra_evento(
                attore=attore,
                azione=f"contabilita.modifica_{oggetto}",
                oggetto=vecchio,
                prima=prima,
                dopo=istantanea(vecchio),
            )
            conti["aggiornati"] += 1
    return conti


# ------------------------------------------------------------------------------------- cost centres


@transaction.atomic
def importa_centri(*, ambito, file, attore) -> dict[str, int]:
    """Create or update the Ambito's cost centres from a file (columns: docs/formats/contabilita.md)."""
    t, _ = _tabella(file, e.COLONNE_CENTRI)
    try:
        centri = e.leggi_centri(t)
    except e.ErroriFile as exc:
        raise ValidationError([str(x) for x in exc.errori]) from None
    catalogo = {s.codice: s for s in Servizio.objects.per_ambito(ambito)}
    errori = [
        str(
            e.Errore(
                c.riga,
                "servizio_catalogo",
                f"servizio «{c.servizio_catalogo}» non presente nel catalogo",
                t.file,
            )
        )
        for c in centri
        if c.servizio_catalogo and c.servizio_catalogo not in catalogo
    ]
    if errori:
        raise ValidationError(errori)
    return _crea_o_aggiorna(
        CentroCosto,
        ambito=ambito,
        attore=attore,
        oggetto="centro",
        valori={
            c.codice: {
                "nome": c.nome,
                "tipo": c.tipo,
                "codice_riparto": c.codice_riparto,
                "servizio": catalogo.get(c.servizio_catalogo) if c.servizio_catalogo else None,
                "valido_dal": c.valido_dal,
                "valido_al": c.valido_al,
            }
            for c in centri
        },
    )


# ------------------------------------------------------------------------------ chart of accounts


@transaction.atomic
def importa_piano_conti(*, ambito, file, attore, schema: str = "sole") -> dict[str, int]:
    """Create or update the mapping account → category (and default centre) from a file."""
    t, _ = _tabella(file, e.COLONNE_PIANO)
    categorie = {(c.schema.codice, c.codice): c for c in CategoriaCosto.objects.select_related("schema")}
    centri = {c.codice: c for c in CentroCosto.objects.per_ambito(ambito)}
    try:
        voci = e.leggi_piano_conti(
            t, categorie={k: c.tipo for k, c in categorie.items()}, centri=centri, schema=schema
        )
    except e.ErroriFile as exc:
        raise ValidationError([str(x) for x in exc.errori]) from None
    return _crea_o_aggiorna(
        ContoContabile,
        ambito=ambito,
        attore=attore,
        oggetto="conto",
        valori={
            v.codice: {
                "descrizione": v.descrizione,
                "categoria": categorie[(v.schema, v.categoria)],
                "centro": centri.get(v.centro) if v.centro else None,
            }
            for v in voci
        },
    )


# ----------------------------------------------------------------------------- budget/actual lines


@transaction.atomic
def importa_contabilita(*, ambito, file, esercizio, tipo_versione: str, attore) -> ImportazioneContabile:
    """Import the lines of one esercizio and version type; it supersedes the previous import.

    The previous import of the same esercizio and version type is kept with its rows and marked
    `sostituita_da` the new one. Any error stores nothing.
    """
    anno = anno_esercizio(esercizio)
    if tipo_versione not in TipoVersione.values:
        raise ValidationError(
            f"Versione «{tipo_versione}» non valida: usare una tra {', '.join(TipoVersione.values)}."
        )
    t, contenuto = _tabella(file, e.COLONNE_CONTABILITA)
    conti = {
        c.codice: c for c in ContoContabile.objects.per_ambito(ambito).select_related("centro", "categoria")
    }
    centri = {c.codice: c for c in CentroCosto.objects.per_ambito(ambito)}
    try:
        righe = e.leggi_contabilita(
            t,
            conti={
                k: e.Conto(k, c.categoria.codice, centro=c.centro.codice if c.centro else "")
                for k, c in conti.items()
            },
            centri={k: centro_puro(c) for k, c in centri.items()},
            anno=anno,
        )
    except e.ErroriFile as exc:
        raise ValidationError([str(x) for x in exc.errori]) from None

    es, creato = Esercizio.objects.get_or_create(ambito=ambito, anno=anno)
    if creato:
        registra_evento(attore=attore, azione="gestione.crea_esercizio", oggetto=es, dopo=istantanea(es))
    precedente = (
        ImportazioneContabile.objects.select_for_update()
        .filter(ambito=ambito, esercizio=es, tipo_versione=tipo_versione, sostituita_da__isnull=True)
        .first()
    )
    costi = sum((r.importo for r in righe if conti[r.conto].categoria.tipo == TipoCategoria.COSTO), e.ZERO)
    ricavi = sum((r.importo for r in righe if conti[r.conto].categoria.tipo == TipoCategoria.RICAVO), e.ZERO)
    if precedente is not None:
        # the partial unique constraint allows one active import: retire the old one first
        precedente.sostituita_da = precedente  # placeholder, fixed below once the new one exists
        precedente.save(update_fields=["sostituita_da"])
    nuova = ImportazioneContabile.objects.create(
        ambito=ambito,
        esercizio=es,
        tipo_versione=tipo_versione,
        nome_file=t.file[:255],
        sha256=hashlib.sha256(contenuto).hexdigest(),
        numero_righe=len(righe),
        totale_costi=costi,
        totale_ricavi=ricavi,
        caricata_da=attore if attore is not None and attore.pk else None,
    )
    RigaContabile.objects.bulk_create(
        [
            RigaContabile(
                ambito=ambito,
                importazione=nuova,
                riga_file=r.riga,
                centro=centri[r.centro],
                categoria=conti[r.conto].categoria,
                conto=conti[r.conto],
                importo=r.importo,
                descrizione=r.descrizione,
            )
            for r in righe
        ],
        batch_size=1000,
    )
    prima = None
    if precedente is not None:
        precedente.sostituita_da = nuova
        precedente.save(update_fields=["sostituita_da"])
        prima = {
            "importazione": precedente.pk,
            "sha256": precedente.sha256,
            "nome_file": precedente.nome_file,
        }
    registra_evento(
        attore=attore,
        azione="contabilita.importa",
        oggetto=nuova,
        prima=prima,
        dopo={
            "esercizio": anno,
            "versione": tipo_versione,
            "nome_file": nuova.nome_file,
            "sha256": nuova.sha256,
            "righe": len(righe),
            "totale_costi": costi,
            "totale_ricavi": ricavi,
            "registrata_il": timezone.now(),
        },
    )
    return nuova


# ------------------------------------------------------------------------------- into the riparto


def costi_per_riparto(importazione: ImportazioneContabile) -> tuple[dict[str, object], object, list[str]]:
    """Direct cost per riparto service (costs of its service centres), the pool, and the problems.

    Every service centre of the Ambito valid in the year counts (a centre without rows gives 0);
    a service centre with rows that feeds no riparto service is a problem.
    """
    from django.db.models import Sum

    anno = importazione.esercizio.anno
    centri = [
        c for c in CentroCosto.objects.per_ambito(importazione.ambito) if centro_puro(c).valido_nel(anno)
    ]
    somme = {
        (r["centro_id"], r["categoria__tipo"]): r["t"]
        for r in RigaContabile.objects.filter(importazione=importazione)
        .values("centro_id", "categoria__tipo")
        .annotate(t=Sum("importo"))
        .order_by()
    }
    diretti: dict[str, object] = {}
    pool = e.ZERO
    problemi = []
    for c in centri:
        costo = somme.get((c.pk, TipoCategoria.COSTO), e.ZERO)
        ricavo = somme.get((c.pk, TipoCategoria.RICAVO), e.ZERO)
        if c.tipo == "struttura":
            pool += costo - ricavo
        elif c.codice_riparto:
            diretti[c.codice_riparto] = diretti.get(c.codice_riparto, e.ZERO) + costo
        elif costo or ricavo:
            problemi.append(
                f"Il centro di servizio {c.codice} ha importi ma non indica il servizio del riparto."
            )
    return diretti, pool, problemi


@transaction.atomic
def applica_al_riparto(
    *, importazione: ImportazioneContabile, versione: VersioneBilancio, attore
) -> VersioneBilancio:
    """Set a draft version's direct costs and overhead pool from an import, and recompute its riparto.

    Direct cost of each riparto service = the costs of its service centres; the overhead pool =
    the structure centres' net cost (see `engine.applica` for how it reaches the services).
    Refused if a riparto service has no centre, a centre's service is not in the version, the
    import is superseded or of another esercizio, or the version is approved.
    """
    if importazione.ambito_id != versione.ambito_id:
        raise ValidationError("Importazione e versione di Ambiti diversi.")
    if not importazione.attiva:
        raise ValidationError("L'importazione è stata sostituita da una più recente: applicare quella.")
    if importazione.esercizio_id != versione.esercizio_id:
        raise ValidationError(
            f"L'importazione è dell'esercizio {importazione.esercizio.anno}, "
            f"la versione «{versione.nome}» del {versione.esercizio.anno}."
        )
    if versione.approvata:
        raise ValidationError(
            f"La versione «{versione.nome}» è approvata: i suoi dati non si possono modificare."
        )
    dati = gestione.dati_versione(versione)
    diretti, pool, problemi = costi_per_riparto(importazione)
    codici = {s.codice for s in dati.servizi}
    anno = importazione.esercizio.anno
    for c in CentroCosto.objects.per_ambito(importazione.ambito).filter(tipo="servizio").order_by("codice"):
        if c.codice_riparto and c.codice_riparto not in codici and centro_puro(c).valido_nel(anno):
            problemi.append(
                f"Il centro di costo {c.codice} alimenta il servizio {c.codice_riparto}, "
                f"che non è nella versione «{versione.nome}»."
            )
    problemi += [
        f"Il servizio {s.codice} ({s.nome}) della versione «{versione.nome}» non ha un centro di costo "
        f"valido nel {anno}."
        for s in dati.servizi
        if s.codice not in diretti
    ]
    if problemi:
        raise ValidationError(problemi)
    try:
        a = e.applica(dati, diretti=diretti, pool=pool)
    except e.ErroreApplicazione as exc:
        raise ValidationError(exc.errori) from None
    cambiati = {
        s: {
            "diretti": [str(a.diretti[s][0]), str(a.diretti[s][1])],
            "indiretti": [str(a.indiretti[s][0]), str(a.indiretti[s][1])],
        }
        for s in a.diretti
    }
    return gestione.ricalcola_versione(
        versione=versione,
        dati=a.dati,
        attore=attore,
        azione="contabilita.applica_al_riparto",
        descrizione=(
            f"Costi dalla contabilità ({importazione.get_tipo_versione_display()} "
            f"{importazione.esercizio.anno}, {importazione.nome_file})"
        ),
        dettagli={
            "importazione": importazione.pk,
            "sha256": importazione.sha256,
            "costi_indiretti": str(pool),
            "costi_indiretti_speciali_fissi": str(a.fissi),
            "servizi": cambiati,
        },
    )


# ----------------------------------------------------------------------------------------- demo


def _esempi() -> Path:
    from django.conf import settings

    return Path(settings.PROJECT_DIR) / "docs" / "examples"


def carica_esempio_demo(ambito, versione: VersioneBilancio | None = None) -> str:
    """The demo: centres, chart of accounts and the 2023 preventivo lines of the example files."""
    if ImportazioneContabile.objects.filter(ambito=ambito, esercizio__anno=2023).exists():
        return "Contabilità 2023: già presente"
    esempi = _esempi()
    file = esempi / "contabilita-2023-assemi.csv"
    if not file.exists():
        return "Contabilità 2023: file d'esempio non trovato, non caricata"
    importa_centri(ambito=ambito, file=esempi / "centri-costo-assemi.csv", attore=None)
    importa_piano_conti(ambito=ambito, file=esempi / "piano-conti-assemi.csv", attore=None)
    i = importa_contabilita(ambito=ambito, file=file, esercizio=2023, tipo_versione="preventivo", attore=None)
    return (
        f"Contabilità 2023 (preventivo): {i.numero_righe} righe, costi {e._euro(i.totale_costi)} €, "
        "dagli esempi docs/examples"
    )
