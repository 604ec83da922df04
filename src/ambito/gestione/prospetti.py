"""Reads building the riparto's output tables of one version (Allegato 7, Comuni, break-even, KPIs).

Each function reads a constant number of queries and leaves the arithmetic to `indicatori`.
Money shown is rounded to the cent from the stored values (costs and unrounded shares carry
8 decimals); totals are the sums of the rounded rows, so a page, its XLSX and its CSV agree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum

from ambito.catalogo.models import UnitaMisura
from ambito.territorio.models import Ente

from . import indicatori as ind
from .models import QuotaRiparto, StatoVersione, TipoVersione, VersioneBilancio, VoceRiparto
from .services import dati_versione

ZERO = Decimal(0)
r2 = ind.arrotonda


def _voci(versione) -> list[VoceRiparto]:
    return list(VoceRiparto.objects.filter(versione=versione).select_related("servizio").order_by("ordine"))


def _fondi(voce: VoceRiparto) -> dict[str, Decimal]:
    """A service's funds by code (a code listed twice, e.g. restricted and general, is summed)."""
    out: dict[str, Decimal] = {}
    for codice, importo in voce.fondi:
        out[codice] = out.get(codice, ZERO) + Decimal(str(importo))
    return out


def codici_fondi(voci: list[VoceRiparto], dati=None) -> list[str]:
    """Fund codes in the order of the workbook's funds sheet, then any other in order of first
    appearance down the services."""
    visti: dict[str, None] = {}
    for f in dati.fondi if dati is not None else ():
        visti.setdefault(f.codice, None)
    presenti = {c for v in voci for c, _x in v.fondi}
    visti = {c: None for c in visti if c in presenti}
    for v in voci:
        for codice, _x in v.fondi:
            visti.setdefault(codice, None)
    return list(visti)


def _somme_quote(versione) -> dict[int, tuple[Decimal, Decimal]]:
    """Per service row id: (Σ rounded shares, Σ unrounded shares), 1 query."""
    return {
        r["voce_id"]: (r["t"] or ZERO, r["n"] or ZERO)
        for r in QuotaRiparto.objects.filter(versione=versione)
        .values("voce_id")
        .annotate(t=Sum("importo"), n=Sum("non_arrotondato"))
        .order_by()
    }


def _dati(versione):
    """The version's engine input, or None when it has no stored workbook."""
    try:
        return dati_versione(versione)
    except ValidationError:
        return None


# --- Allegato 7: the service × funding-source table ------------------------------------------


@dataclass
class RigaAllegato7:
    voce: VoceRiparto
    diretti: Decimal
    indiretti: Decimal
    totale: Decimal
    fondi: list[Decimal | None]  # one per fund column
    comuni: Decimal  # unrounded share, to the cent
    comuni_arrotondato: Decimal
    somma_quote: Decimal  # Σ of the Comuni's column for the service
    errori: list[str]


@dataclass
class Allegato7:
    versione: VersioneBilancio
    codici_fondi: list[str]
    righe: list[RigaAllegato7]
    totali: dict = field(default_factory=dict)
    errori: list[str] = field(default_factory=list)  # identities that fail, "CODICE: …"

    @property
    def quadra(self) -> bool:
        return not self.errori

    @property
    def etichette_fondi(self) -> list[str]:
        return [etichetta_fondo(c) for c in self.codici_fondi]


def etichetta_fondo(codice: str) -> str:
    """A fund code as a column heading (FONDO_POTENZIAMENTO → FONDO POTENZIAMENTO)."""
    return codice.replace("_", " ")


def allegato7(versione: VersioneBilancio) -> Allegato7:
    """Rows = services, columns = costs, each fund, Comuni's share; identities checked: 2 queries."""
    voci = _voci(versione)
    codici = codici_fondi(voci, _dati(versione))
    somme = _somme_quote(versione)
    righe = []
    for v in voci:
        fondi = _fondi(v)
        somma = somme.get(v.pk, (ZERO, ZERO))[0]
        errori = ind.verifica_voce(
            diretti=v.costi_diretti,
            indiretti=v.costi_indiretti,
            totale=v.costo_totale,
            fondi=fondi.values(),
            comuni=v.comuni,
            comuni_arrotondato=v.comuni_arrotondato,
            somma_quote=somma,
        )
        righe.append(
            RigaAllegato7(
                voce=v,
                diretti=r2(v.costi_diretti),
                indiretti=r2(v.costi_indiretti),
                totale=r2(v.costo_totale),
                fondi=[r2(fondi[c]) if c in fondi else None for c in codici],
                comuni=r2(v.comuni),
                comuni_arrotondato=v.comuni_arrotondato,
                somma_quote=somma,
                errori=errori,
            )
        )
    a = Allegato7(versione=versione, codici_fondi=codici, righe=righe)
    a.totali = {
        "diretti": sum((r.diretti for r in righe), ZERO),
        "indiretti": sum((r.indiretti for r in righe), ZERO),
        "totale": sum((r.totale for r in righe), ZERO),
        "fondi": [sum((r.fondi[i] or ZERO for r in righe), ZERO) for i in range(len(codici))],
        "comuni": sum((r.comuni for r in righe), ZERO),
        "comuni_arrotondato": sum((r.comuni_arrotondato for r in righe), ZERO),
        "somma_quote": sum((r.somma_quote for r in righe), ZERO),
    }
    a.errori = [f"{r.voce.codice}: {e}" for r in righe for e in r.errori]
    if a.totali["somma_quote"] != a.totali["comuni_arrotondato"]:
        a.errori.append("Totale: la somma delle quote dei Comuni ≠ totale arrotondato dei servizi")
    return a


# --- the previous year's version ---------------------------------------------------------------


def versione_precedente(versione: VersioneBilancio) -> VersioneBilancio | None:
    """The same type of version in the previous year (approved first, then the latest), else the
    latest approved version of the previous year; None when neither exists (1 query)."""
    candidate = list(
        VersioneBilancio.objects.filter(
            ambito_id=versione.ambito_id, esercizio__anno=versione.esercizio.anno - 1
        ).select_related("esercizio")
    )
    stesso_tipo = [x for x in candidate if x.tipo == versione.tipo]
    if stesso_tipo:
        return max(stesso_tipo, key=lambda x: (x.approvata, x.creata_il, x.pk))
    approvate = [x for x in candidate if x.approvata]
    if approvate:
        return max(approvate, key=lambda x: (x.approvata_il or x.creata_il, x.pk))
    return None


# --- the Comune × service table, Comune totals, delta and indirect cost -------------------------


@dataclass
class RigaComuni:
    comune: object  # territorio.Ente
    celle: list[Decimal | None]
    totale: Decimal
    percentuale: Decimal | None  # of the grand total
    delta: ind.Delta
    indiretti: Decimal  # the indirect cost included in the Comune's total
    indiretti_percentuale: Decimal | None  # of the total indirect cost borne by the Comuni
    # the reading of the Piano Programma 2023 (§5.11): funds cover direct costs first, so the
    # whole overhead of a service falls on its Comuni, in proportion to their shares
    indiretti_interi: Decimal = ZERO


@dataclass
class ProspettoComuni:
    versione: VersioneBilancio
    precedente: VersioneBilancio | None
    voci: list[VoceRiparto]
    righe: list[RigaComuni]
    totali_servizio: list[Decimal]  # Σ rounded shares per service
    non_arrotondati: list[Decimal]  # Σ unrounded shares per service, to the cent
    arrotondamenti: list[Decimal]  # rounded − unrounded
    totale: Decimal
    totale_non_arrotondato: Decimal
    arrotondamento: Decimal
    delta: ind.Delta
    indiretti: Decimal
    indiretti_interi: Decimal = ZERO

    @property
    def voci_righe(self):
        return [(r, list(zip(self.voci, r.celle, strict=True))) for r in self.righe]

    @property
    def colonne_totali(self):
        return list(
            zip(self.voci, self.totali_servizio, self.non_arrotondati, self.arrotondamenti, strict=True)
        )


def comuni(versione: VersioneBilancio) -> ProspettoComuni:
    """Rows Comuni (by name), columns services, the rounding row, totals, % and delta: 4 queries."""
    voci = _voci(versione)
    colonna = {v.pk: i for i, v in enumerate(voci)}
    celle: dict[int, list] = {}
    enti: dict[int, object] = {}
    non_arr = [ZERO] * len(voci)
    for q in (
        QuotaRiparto.objects.filter(versione=versione)
        .select_related("comune")
        .only("importo", "non_arrotondato", "voce_id", "comune_id", "comune__nome", "comune__codice_istat")
        .order_by("comune__nome", "comune_id")
    ):
        if q.comune_id not in celle:
            celle[q.comune_id] = [None] * len(voci)
            enti[q.comune_id] = q.comune
        celle[q.comune_id][colonna[q.voce_id]] = q.importo
        non_arr[colonna[q.voce_id]] += q.non_arrotondato

    precedente = versione_precedente(versione)
    prima: dict[int, Decimal] = {}
    if precedente is not None:
        for r in (
            QuotaRiparto.objects.filter(versione=precedente)
            .values("comune_id")
            .annotate(t=Sum("importo"))
            .order_by()
        ):
            prima[r["comune_id"]] = r["t"]
        mancanti = set(prima) - set(celle)
        if mancanti:  # in last year's riparto only: a row with no amounts this year
            for e in Ente.objects.filter(pk__in=mancanti):
                celle[e.pk] = [None] * len(voci)
                enti[e.pk] = e

    indiretti_servizio = {v.codice: v.costi_indiretti for v in voci}
    totali_costo = {v.codice: v.costo_totale for v in voci}
    totali = [sum((c[i] or ZERO for c in celle.values()), ZERO) for i in range(len(voci))]
    totale = sum(totali, ZERO)
    quote_indirette = {
        pk: ind.costo_indiretto_comune(
            {v.codice: c[i] for i, v in enumerate(voci) if c[i] is not None},
            indiretti_servizio,
            totali_costo,
        )
        for pk, c in celle.items()
    }
    totale_indiretti = sum(quote_indirette.values(), ZERO)
    quota_comuni = {v.codice: v.comuni_arrotondato for v in voci}
    interi = {
        pk: ind.costo_indiretto_comune(
            {v.codice: c[i] for i, v in enumerate(voci) if c[i] is not None}, indiretti_servizio, quota_comuni
        )
        for pk, c in celle.items()
    }
    righe = []
    for pk in sorted(celle, key=lambda k: (enti[k].nome, k)):
        t = sum((x or ZERO for x in celle[pk]), ZERO)
        righe.append(
            RigaComuni(
                comune=enti[pk],
                celle=celle[pk],
                totale=t,
                percentuale=ind.percentuale(t, totale),
                delta=ind.delta(t, prima.get(pk, ZERO) if precedente is not None else None),
                indiretti=quote_indirette[pk],
                indiretti_percentuale=ind.percentuale(quote_indirette[pk], totale_indiretti),
                indiretti_interi=interi[pk],
            )
        )
    non_arr_2 = [r2(x) for x in non_arr]
    return ProspettoComuni(
        versione=versione,
        precedente=precedente,
        voci=voci,
        righe=righe,
        totali_servizio=totali,
        non_arrotondati=non_arr_2,
        arrotondamenti=[t - n for t, n in zip(totali, non_arr_2, strict=True)],
        totale=totale,
        totale_non_arrotondato=sum(non_arr_2, ZERO),
        arrotondamento=totale - sum(non_arr_2, ZERO),
        delta=ind.delta(totale, sum(prima.values(), ZERO) if precedente is not None else None),
        indiretti=totale_indiretti,
        indiretti_interi=sum(interi.values(), ZERO),
    )


# --- a Comune's own bill, with the indirect cost it includes ----------------------------------


@dataclass
class RigaBollettaComune:
    voce: VoceRiparto
    importo: Decimal
    non_arrotondato: Decimal
    indiretti: Decimal  # share × indirect / total of the service
    percentuale: Decimal | None


@dataclass
class BollettaComune:
    versione: VersioneBilancio
    comune: object
    righe: list[RigaBollettaComune]
    totale: Decimal
    indiretti: Decimal


def bolletta_comune(versione: VersioneBilancio, comune) -> BollettaComune:
    """One Comune's amounts per service for its export: 1 query."""
    quote = list(
        QuotaRiparto.objects.filter(versione=versione, comune=comune)
        .select_related("voce")
        .order_by("voce__ordine")
    )
    totale = sum((q.importo for q in quote), ZERO)
    righe = [
        RigaBollettaComune(
            voce=q.voce,
            importo=q.importo,
            non_arrotondato=r2(q.non_arrotondato),
            indiretti=ind.costo_indiretto_comune(
                {"x": q.importo}, {"x": q.voce.costi_indiretti}, {"x": q.voce.costo_totale}
            ),
            percentuale=ind.percentuale(q.importo, totale),
        )
        for q in quote
    ]
    return BollettaComune(
        versione=versione,
        comune=comune,
        righe=righe,
        totale=totale,
        indiretti=sum((r.indiretti for r in righe), ZERO),
    )


# --- per-service result and break-even ----------------------------------------------------------


@dataclass
class RigaPareggio:
    voce: VoceRiparto
    costo: Decimal
    fondi: Decimal
    quote_comuni: Decimal  # rounded shares of the Comuni conferring the service
    tariffe: Decimal  # rounded shares of Comuni not conferring it (tariff × units)
    ricavi: Decimal
    risultato: Decimal  # ricavi − costo
    esito: str

    @property
    def descrizione_esito(self) -> str:
        return ind.DESCRIZIONE_ESITO[self.esito]

    @property
    def in_pareggio(self) -> bool:
        return self.esito in (ind.PAREGGIO, ind.ARROTONDAMENTO)


@dataclass
class RigaConfrontoServizio:
    codice: str
    nome: str
    costo_a: Decimal | None
    costo_b: Decimal | None
    ricavi_a: Decimal | None
    ricavi_b: Decimal | None
    comuni_a: Decimal | None
    comuni_b: Decimal | None

    @property
    def delta_costo(self) -> ind.Delta:
        return ind.delta(self.costo_b or ZERO, self.costo_a)

    @property
    def delta_comuni(self) -> ind.Delta:
        return ind.delta(self.comuni_b or ZERO, self.comuni_a)


@dataclass
class Pareggio:
    versione: VersioneBilancio
    righe: list[RigaPareggio]
    totale: RigaPareggio | None = None
    non_in_pareggio: list[RigaPareggio] = field(default_factory=list)
    confronto_con: VersioneBilancio | None = None  # the preventivo or consuntivo of the same year
    preventivo: VersioneBilancio | None = None
    consuntivo: VersioneBilancio | None = None
    confronto: list[RigaConfrontoServizio] = field(default_factory=list)


def _righe_pareggio(versione) -> list[RigaPareggio]:
    voci = _voci(versione)
    dati = _dati(versione)
    conferenti = dati.conferimenti if dati is not None else None
    per_voce: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])  # [conferenti, altri]
    for voce_id, codice_servizio, istat, importo in QuotaRiparto.objects.filter(
        versione=versione
    ).values_list("voce_id", "voce__codice", "comune__codice_istat", "importo"):
        altri = conferenti is not None and istat not in conferenti.get(codice_servizio, frozenset())
        per_voce[voce_id][1 if altri else 0] += importo
    righe = []
    for v in voci:
        costo = r2(v.costo_totale)
        fondi = r2(sum(_fondi(v).values(), ZERO))
        quote, tariffe = per_voce[v.pk]
        ricavi = fondi + quote + tariffe
        risultato = ricavi - costo
        righe.append(RigaPareggio(v, costo, fondi, quote, tariffe, ricavi, risultato, ind.esito(risultato)))
    return righe


def _stessa_versione_di_tipo(versione, tipo) -> VersioneBilancio | None:
    qs = VersioneBilancio.objects.filter(
        ambito_id=versione.ambito_id, esercizio_id=versione.esercizio_id, tipo=tipo
    ).exclude(pk=versione.pk)
    return (
        qs.filter(stato=StatoVersione.APPROVATA).order_by("-approvata_il", "-pk").first()
        or qs.order_by("-creata_il", "-pk").first()
    )


def pareggio(versione: VersioneBilancio) -> Pareggio:
    """Each service's costs vs revenues, no compensation between services; preventivo vs consuntivo."""
    righe = _righe_pareggio(versione)
    p = Pareggio(versione=versione, righe=righe)
    somma = {
        k: sum((getattr(r, k) for r in righe), ZERO) for k in ("costo", "fondi", "quote_comuni", "tariffe")
    }
    ricavi = somma["fondi"] + somma["quote_comuni"] + somma["tariffe"]
    p.totale = RigaPareggio(
        None,
        somma["costo"],
        somma["fondi"],
        somma["quote_comuni"],
        somma["tariffe"],
        ricavi,
        ricavi - somma["costo"],
        ind.esito(ricavi - somma["costo"]),
    )
    p.non_in_pareggio = [r for r in righe if r.esito != ind.PAREGGIO]
    if versione.tipo == TipoVersione.CONSUNTIVO:
        altra = _stessa_versione_di_tipo(versione, TipoVersione.PREVENTIVO)
        p.preventivo, p.consuntivo = altra, versione
    else:
        altra = _stessa_versione_di_tipo(versione, TipoVersione.CONSUNTIVO)
        p.preventivo, p.consuntivo = versione, altra
    if altra is not None:
        p.confronto_con = altra
        a = {r.voce.codice: r for r in (righe if p.preventivo == versione else _righe_pareggio(altra))}
        b = {r.voce.codice: r for r in (righe if p.consuntivo == versione else _righe_pareggio(altra))}
        ordine = [r.voce.codice for r in righe] + [c for c in b if c not in {r.voce.codice for r in righe}]
        ordine += [c for c in a if c not in ordine]
        for c in ordine:
            x, y = a.get(c), b.get(c)
            p.confronto.append(
                RigaConfrontoServizio(
                    codice=c,
                    nome=(x or y).voce.nome,
                    costo_a=x.costo if x else None,
                    costo_b=y.costo if y else None,
                    ricavi_a=x.ricavi if x else None,
                    ricavi_b=y.ricavi if y else None,
                    comuni_a=(x.quote_comuni + x.tariffe) if x else None,
                    comuni_b=(y.quote_comuni + y.tariffe) if y else None,
                )
            )
    return p


# --- KPIs ----------------------------------------------------------------------------------


@dataclass
class IndicatoreServizio:
    voce: VoceRiparto
    costo: Decimal
    unita_misura: str  # label of the catalogue's unit, "" when the service is not in the catalogue
    persone: int | None  # distinct persons with deliveries in the year (None: not in the catalogue)
    unita: Decimal | None  # units delivered
    costo_per_utente: Decimal | None
    costo_orario: Decimal | None  # only for services measured in hours


@dataclass(frozen=True)
class ComuneRif:
    pk: int
    nome: str
    codice_istat: str


@dataclass
class IndicatoreComune:
    comune: ComuneRif
    totale: Decimal
    abitanti: Decimal | None
    pro_capite: Decimal | None
    percentuale: Decimal | None


@dataclass
class Indicatori:
    versione: VersioneBilancio
    dal: dt.date
    al: dt.date
    servizi: list[IndicatoreServizio]
    fonti: list[tuple[str, Decimal, Decimal | None]]  # (source, amount, % of revenues)
    totale_fonti: Decimal
    comuni: list[IndicatoreComune]
    totale_comuni: Decimal
    abitanti: Decimal | None
    pro_capite: Decimal | None
    data_popolazione: str

    @property
    def data_popolazione_it(self) -> str:
        """The reference date as dd/mm/yyyy when it is an ISO date, else as written."""
        try:
            return dt.date.fromisoformat(self.data_popolazione).strftime("%d/%m/%Y")
        except ValueError:
            return self.data_popolazione


def data_popolazione(dati) -> str:
    """The riparto's population reference date: the one most services use, else the latest."""
    if dati is None or not dati.popolazione:
        return ""
    uso = Counter(s.data_popolazione for s in dati.servizi if s.data_popolazione in dati.popolazione)
    if uso:
        return max(uso, key=lambda d: (uso[d], d))
    return max(dati.popolazione)


def indicatori(versione: VersioneBilancio) -> Indicatori:
    """Cost per user and per hour from the case record, revenue by source, Comuni per capita."""
    from ambito.cartella.selectors.erogazioni import consumi_per_comune, persone_per_servizio

    voci = _voci(versione)
    anno = versione.esercizio.anno
    dal, al = dt.date(anno, 1, 1), dt.date(anno, 12, 31)
    persone: dict[int, int] = {}
    unita: dict[int, Decimal] = defaultdict(lambda: ZERO)
    if any(v.servizio_id for v in voci):
        for r in consumi_per_comune(versione.ambito, None, dal, al):
            unita[r["servizio_id"]] += r["unita"] or ZERO
        # Users are persons, counted once per service even when followed by two Comuni.
        persone = persone_per_servizio(versione.ambito, dal, al)
    servizi = []
    for v in voci:
        costo = r2(v.costo_totale)
        if v.servizio_id is None:
            servizi.append(IndicatoreServizio(v, costo, "", None, None, None, None))
            continue
        um = v.servizio.unita_misura
        u = unita.get(v.servizio_id)
        servizi.append(
            IndicatoreServizio(
                voce=v,
                costo=costo,
                unita_misura=UnitaMisura(um).label if um in UnitaMisura.values else um,
                persone=persone.get(v.servizio_id, 0),
                unita=u,
                costo_per_utente=ind.costo_per_utente(v.costo_totale, persone.get(v.servizio_id)),
                costo_orario=ind.costo_per_unita(v.costo_totale, u) if um == UnitaMisura.ORE else None,
            )
        )

    dati = _dati(versione)
    importi: dict[str, Decimal] = {etichetta_fondo(c): ZERO for c in codici_fondi(voci, dati)}
    for v in voci:
        for codice, x in _fondi(v).items():
            importi[etichetta_fondo(codice)] += r2(x)
    importi["Comuni"] = sum((v.comuni_arrotondato for v in voci), ZERO)
    fonti = ind.ripartizione(importi)

    data = data_popolazione(dati)
    pop = dati.popolazione.get(data, {}) if dati is not None else {}
    righe = (
        QuotaRiparto.objects.filter(versione=versione)
        .values("comune_id", "comune__nome", "comune__codice_istat")
        .annotate(t=Sum("importo"))
        .order_by("comune__nome", "comune_id")
    )
    totale = sum((r["t"] for r in righe), ZERO)
    comuni_kpi = []
    for r in righe:
        ab = pop.get(r["comune__codice_istat"])
        comuni_kpi.append(
            IndicatoreComune(
                comune=ComuneRif(r["comune_id"], r["comune__nome"], r["comune__codice_istat"]),
                totale=r["t"],
                abitanti=ab,
                pro_capite=ind.dividi(r["t"], ab),
                percentuale=ind.percentuale(r["t"], totale),
            )
        )
    abitanti = sum((c.abitanti for c in comuni_kpi if c.abitanti is not None), ZERO) or None
    totale_con_pop = sum((c.totale for c in comuni_kpi if c.abitanti is not None), ZERO)
    return Indicatori(
        versione=versione,
        dal=dal,
        al=al,
        servizi=servizi,
        fonti=fonti,
        totale_fonti=sum(importi.values(), ZERO),
        comuni=comuni_kpi,
        totale_comuni=totale,
        abitanti=abitanti,
        pro_capite=ind.dividi(totale_con_pop, abitanti),
        data_popolazione=data,
    )
