"""Writes of advances and balance: the plan of tranches, issuing documents, credit notes.

Every function locks the esercizio row, so numbering and the "already issued" checks are safe
under concurrent calls; each is idempotent: calling it again issues nothing twice and says so
in the returned `Esito`. Documents are never changed or deleted: a wrong one is cancelled by a
credit note (`storna`), after which the tranche or the balance can be issued again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from ambito.core.services import istantanea, registra_evento

from . import acconti as a
from . import selectors_acconti
from .models import (
    Addebito,
    Esercizio,
    PianoAcconti,
    QuotaRiparto,
    StatoVersione,
    TipoAddebito,
    TipoVersione,
    VersioneBilancio,
)

ZERO = Decimal(0)


@dataclass
class Esito:
    """What a call issued (`emessi`) and a sentence for the user."""

    messaggio: str
    emessi: list[Addebito] = field(default_factory=list)
    gia_emessi: int = 0


def _attore(attore):
    return attore if attore is not None and getattr(attore, "pk", None) else None


def _blocca(esercizio: Esercizio) -> Esercizio:
    return Esercizio.objects.select_for_update().get(pk=esercizio.pk)


def _rata_json(r: PianoAcconti) -> dict:
    return {
        "numero": r.numero,
        "nome": r.nome,
        "scadenza": r.scadenza.isoformat(),
        "percentuale": str(r.percentuale),
        "base": r.base,
    }


def versione_approvata(esercizio: Esercizio, tipi: tuple[str, ...]) -> VersioneBilancio | None:
    """The most recently approved version of the first of `tipi` that has one."""
    approvate = list(
        VersioneBilancio.objects.filter(esercizio=esercizio, stato=StatoVersione.APPROVATA, tipo__in=tipi)
        .select_related("esercizio")
        .order_by("-approvata_il", "-id")
    )
    for tipo in tipi:
        for v in approvate:
            if v.tipo == tipo:
                return v
    return None


def versione_base(rata: PianoAcconti) -> VersioneBilancio | None:
    return versione_approvata(rata.esercizio, a.ORDINE_BASI[rata.base])


def assicura_piano(*, esercizio: Esercizio, attore=None) -> list[PianoAcconti]:
    """The esercizio's tranches; the contract's defaults (50% by 31/01, 40% by 30/09) if none."""
    rate = selectors_acconti.rate(esercizio)  # the stored ones, else the defaults unsaved
    if all(r.pk is not None for r in rate):
        return rate
    with transaction.atomic():
        _blocca(esercizio)
        rate = selectors_acconti.rate(esercizio)
        if all(r.pk is not None for r in rate):
            return rate
        for r in rate:
            r.save(force_insert=True)
        registra_evento(
            attore=attore,
            azione="gestione.crea_piano_acconti",
            oggetto=esercizio,
            dopo={"rate": [_rata_json(r) for r in rate]},
        )
    return rate


@transaction.atomic
def imposta_piano(*, esercizio: Esercizio, rate: list[dict], attore) -> list[PianoAcconti]:
    """Replace the tranches (dicts: nome, scadenza, percentuale, base), numbered in order.

    Refused once an advance of the esercizio was issued (even if later cancelled).
    """
    es = _blocca(esercizio)
    if Addebito.objects.filter(esercizio=es, rata__isnull=False).exists():
        raise ValidationError(
            f"Per l'esercizio {es.anno} sono già stati emessi acconti: il piano non si può più modificare."
        )
    errori = []
    for r in rate:
        if r.get("base") not in a.BASI:
            errori.append(f"Base di calcolo non valida per la rata «{r.get('nome', '')}».")
        if not isinstance(r.get("scadenza"), dt.date):
            errori.append(f"Scadenza non valida per la rata «{r.get('nome', '')}».")
    try:
        a.verifica_piano([(str(r.get("nome") or ""), Decimal(r.get("percentuale") or 0)) for r in rate])
    except a.ErrorePiano as exc:
        errori.extend(exc.errori)
    if errori:
        raise ValidationError(errori)
    prima = [_rata_json(r) for r in PianoAcconti.objects.filter(esercizio=es).order_by("numero")]
    PianoAcconti.objects.filter(esercizio=es).delete()
    nuove = [
        PianoAcconti.objects.create(
            ambito_id=es.ambito_id,
            esercizio=es,
            numero=i,
            nome=str(r["nome"]).strip(),
            scadenza=r["scadenza"],
            percentuale=Decimal(r["percentuale"]),
            base=r["base"],
        )
        for i, r in enumerate(rate, start=1)
    ]
    registra_evento(
        attore=attore,
        azione="gestione.imposta_piano_acconti",
        oggetto=es,
        prima={"rate": prima},
        dopo={"rate": [_rata_json(r) for r in nuove]},
    )
    return nuove


def _prossimo_numero(es: Esercizio) -> int:
    return (Addebito.objects.filter(esercizio=es).aggregate(m=Max("numero"))["m"] or 0) + 1


def _emetti(es: Esercizio, *, numero: int, data, attore, azione: str, prima=None, dettagli=None, **campi):
    """One numbered document of the year (advance, balance, credit note), created and audited."""
    doc = Addebito.objects.create(
        ambito_id=es.ambito_id, esercizio=es, numero=numero, data=data, emesso_da=_attore(attore), **campi
    )
    registra_evento(
        attore=attore, azione=azione, oggetto=doc, prima=prima, dopo={**istantanea(doc), **(dettagli or {})}
    )
    return doc


def totali_comuni(versione: VersioneBilancio) -> dict[int, Decimal]:
    """Each Comune's total in a version, by Comune id (1 query)."""
    return {
        r["comune_id"]: r["t"]
        for r in QuotaRiparto.objects.filter(versione=versione)
        .values("comune_id")
        .annotate(t=Sum("importo"))
        .order_by()
    }


def calcolo_rata(rata: PianoAcconti) -> tuple[VersioneBilancio, a.CalcoloRata]:
    """The tranche's amounts per Comune id from its basis version (ValidationError without one)."""
    v = versione_base(rata)
    if v is None:
        raise ValidationError(
            f"{rata.nome} {rata.esercizio.anno}: manca la versione di bilancio su cui calcolarlo "
            f"({a.BASI[rata.base].lower()})."
        )
    return v, a.calcola_rata(totali_comuni(v), rata.percentuale)


def _rata(es: Esercizio, rata) -> PianoAcconti:
    if isinstance(rata, PianoAcconti):
        if rata.esercizio_id != es.pk:
            raise ValidationError("La rata è di un altro esercizio.")
        return PianoAcconti.objects.select_related("esercizio").get(pk=rata.pk)
    r = PianoAcconti.objects.filter(esercizio=es, numero=int(rata)).select_related("esercizio").first()
    if r is None:
        raise ValidationError(f"L'esercizio {es.anno} non ha la rata n. {rata}.")
    return r


@transaction.atomic
def emetti_acconto(*, esercizio: Esercizio, rata, attore, data: dt.date | None = None) -> Esito:
    """Issue a tranche to every Comune of its basis version that has not got it yet.

    `rata`: a `PianoAcconti` or its number. The basis version must be approved. A Comune whose
    advance of this tranche was cancelled by a credit note gets a new one; Comuni already
    charged and zero amounts are skipped.
    """
    es = _blocca(esercizio)
    assicura_piano(esercizio=es, attore=attore)
    r = _rata(es, rata)
    versione, calcolo = calcolo_rata(r)
    gia = set(
        Addebito.objects.filter(
            esercizio=es, tipo=TipoAddebito.ACCONTO, rata=r, annullato_da__isnull=True
        ).values_list("comune_id", flat=True)
    )
    numero = _prossimo_numero(es)
    data = data or timezone.localdate()
    emessi = []
    for q in calcolo.quote:
        if q.comune in gia or q.importo == 0:
            continue
        doc = _emetti(
            es,
            numero=numero,
            data=data,
            attore=attore,
            azione="gestione.emetti_acconto",
            dettagli={"percentuale": str(r.percentuale), "versione": versione.nome},
            comune_id=q.comune,
            tipo=TipoAddebito.ACCONTO,
            rata=r,
            importo=q.importo,
            base=q.base,
            esatto=q.esatto.quantize(Decimal("1e-8")),
            versione=versione,
        )
        numero += 1
        emessi.append(doc)
    n_gia = len(gia & set(calcolo.per_comune()))
    if emessi:
        totale = sum((d.importo for d in emessi), ZERO)
        msg = (
            f"{r.nome} {es.anno}: emessi {len(emessi)} documenti per {a.euro(totale)} € "
            f"({a.percento(r.percentuale)} della versione «{versione.nome}»)."
        )
        if n_gia:
            msg += f" {n_gia} Comuni lo avevano già."
    else:
        msg = f"{r.nome} {es.anno}: già emesso per tutti i Comuni, nessun nuovo documento."
    return Esito(msg, emessi, n_gia)


@transaction.atomic
def emetti_saldo(*, esercizio: Esercizio, attore, data: dt.date | None = None) -> Esito:
    """Issue the balance: each Comune's approved consuntivo total minus what it was invoiced.

    Positive: a charge; negative: a refund. Comuni with an active balance document or a zero
    balance are skipped.
    """
    es = _blocca(esercizio)
    consuntivo = versione_approvata(es, (TipoVersione.CONSUNTIVO,))
    if consuntivo is None:
        raise ValidationError(f"Saldo {es.anno}: il consuntivo non è ancora approvato.")
    totali = totali_comuni(consuntivo)
    fatturato: dict[int, Decimal] = {
        x["comune_id"]: x["t"]
        for x in Addebito.objects.filter(esercizio=es)
        .values("comune_id")
        .annotate(t=Sum("importo"))
        .order_by()
    }
    gia = set(
        Addebito.objects.filter(esercizio=es, tipo=TipoAddebito.SALDO, annullato_da__isnull=True).values_list(
            "comune_id", flat=True
        )
    )
    from ambito.territorio.models import Ente

    comuni = sorted(
        Ente.objects.filter(pk__in=set(totali) | set(fatturato)).only("nome"), key=lambda c: (c.nome, c.pk)
    )
    numero = _prossimo_numero(es)
    data = data or timezone.localdate()
    emessi, zero = [], 0
    for c in comuni:
        if c.pk in gia:
            continue
        importo = a.saldo(totali.get(c.pk, ZERO), fatturato.get(c.pk, ZERO))
        if importo == 0:
            zero += 1
            continue
        doc = _emetti(
            es,
            numero=numero,
            data=data,
            attore=attore,
            azione="gestione.emetti_saldo",
            dettagli={"consuntivo": str(totali.get(c.pk, ZERO)), "fatturato": str(fatturato.get(c.pk, ZERO))},
            comune=c,
            tipo=TipoAddebito.SALDO,
            importo=importo,
            base=totali.get(c.pk, ZERO),
            esatto=importo,
            versione=consuntivo,
        )
        numero += 1
        emessi.append(doc)
    if emessi:
        totale = sum((d.importo for d in emessi), ZERO)
        msg = (
            f"Saldo {es.anno}: emessi {len(emessi)} documenti, totale {a.euro(totale)} € "
            f"(consuntivo «{consuntivo.nome}» meno quanto già fatturato)."
        )
    else:
        msg = f"Saldo {es.anno}: già emesso per tutti i Comuni, nessun nuovo documento."
    if zero:
        msg += f" {zero} Comuni hanno saldo zero."
    return Esito(msg, emessi, len(gia))


@transaction.atomic
def storna(*, addebito: Addebito, motivo: str, attore, data: dt.date | None = None) -> Esito:
    """Cancel a document with a credit note of the opposite amount (idempotent)."""
    motivo = (motivo or "").strip()
    if not motivo:
        raise ValidationError("Indicare il motivo dello storno.")
    es = _blocca(addebito.esercizio)
    doc = Addebito.objects.select_related("esercizio").get(pk=addebito.pk)
    if doc.tipo == TipoAddebito.NOTA_CREDITO:
        raise ValidationError(f"Il documento {doc.documento} è una nota di credito: non si storna.")
    esistente = Addebito.objects.filter(storna=doc).select_related("esercizio").first()
    if esistente is not None:
        return Esito(
            f"Il documento {doc.documento} è già stornato dalla nota di credito {esistente.documento}.",
            [],
            1,
        )
    nota = _emetti(
        es,
        numero=_prossimo_numero(es),
        data=data or timezone.localdate(),
        attore=attore,
        azione="gestione.storna_addebito",
        prima=istantanea(doc),
        comune_id=doc.comune_id,
        tipo=TipoAddebito.NOTA_CREDITO,
        rata=doc.rata,
        importo=-doc.importo,
        base=doc.base,
        esatto=-doc.esatto,
        versione=doc.versione,
        storna=doc,
        motivo=motivo[:300],
    )
    return Esito(f"Nota di credito {nota.documento} emessa: storna il documento {doc.documento}.", [nota])
