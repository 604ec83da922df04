"""Reads of the annual reports: the per-Comune pack (contract art. 23) and the management report.

Everything is aggregated in SQL (a constant number of queries whatever the number of deliveries)
and shaped into `engine.Tabella`s; table totals come from separate aggregates wherever possible
and `engine.verifica` checks that the rows add up to them.

Which deliveries belong to a year: those whose `data_erogazione` falls in it, so that each
delivery is counted in exactly one year. Activity hours: by `Attivita.data`. A Comune's
residents are the cases whose `comune_responsabile` is that Comune (the case record sets it
from the person's residence).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from ambito.cartella.models import Attivita, Erogazione, OperatoreCaso
from ambito.cartella.selectors.erogazioni import erogazioni_dell_anno
from ambito.catalogo.models import Servizio, ServizioConferito
from ambito.catalogo.selectors import ORDINE_CATALOGO
from ambito.fondi import selectors as fondi_selectors
from ambito.fondi.models import Fondo, QuotaEsercizio
from ambito.gestione.models import QuotaRiparto, StatoVersione, TipoVersione, VersioneBilancio, VoceRiparto
from ambito.gestione.selectors_acconti import prospetto_acconti
from ambito.territorio.models import Ente

from . import engine as e
from .models import EventoRilevante

NON_DISPONIBILE = "non disponibile"


def _periodo(anno: int) -> tuple[dt.date, dt.date]:
    return dt.date(anno, 1, 1), dt.date(anno, 12, 31)


def nome_azienda(ambito) -> str:
    return ambito.ente_capofila or ambito.nome


def comuni(ambito):
    return Ente.objects.per_ambito(ambito).comuni().order_by("nome")


def comune_per_codice(ambito, codice_istat: str) -> Ente:
    """Raises Ente.DoesNotExist outside the Ambito."""
    return comuni(ambito).get(codice_istat=codice_istat)


def anni_disponibili(ambito) -> list[int]:
    """Years with deliveries, riparto versions or conferrals, most recent first (3 queries)."""
    anni = set(
        Erogazione.objects.filter(ambito=ambito, annullato_il__isnull=True)
        .values_list("data_erogazione__year", flat=True)
        .distinct()
    )
    anni |= set(VersioneBilancio.objects.per_ambito(ambito).values_list("esercizio__anno", flat=True))
    for dal, al in ServizioConferito.objects.per_ambito(ambito).values_list("dal", "al"):
        anni.update(range(dal.year, (al.year if al else dal.year) + 1))
    return sorted(anni, reverse=True)


def eventi(ambito, anno: int | None = None):
    qs = EventoRilevante.objects.per_ambito(ambito).select_related("inserito_da")
    if anno is not None:
        qs = qs.filter(anno=anno)
    return qs.order_by("-anno", "data", "id")


# --- riparto versions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Riferimento:
    """The riparto version a figure comes from, with the label printed beside it."""

    versione: VersioneBilancio | None
    etichetta: str


def _etichetta(v: VersioneBilancio | None) -> str:
    if v is None:
        return "nessuna versione di bilancio per l'anno"
    if v.approvata:
        quando = f" il {timezone.localtime(v.approvata_il):%d/%m/%Y}" if v.approvata_il else ""
        return f"{v.nome} (approvata{quando})"
    return f"{v.nome} (bozza non approvata: ultima versione disponibile)"


def versione_di_riferimento(ambito, anno: int, tipo: str | None = None) -> Riferimento:
    """The year's latest approved version (of `tipo` if given), else its latest version: 1 query."""
    qs = VersioneBilancio.objects.per_ambito(ambito).filter(esercizio__anno=anno).select_related("esercizio")
    if tipo:
        qs = qs.filter(tipo=tipo)
    candidati = list(qs.order_by("-creata_il", "-id"))
    approvate = [v for v in candidati if v.stato == StatoVersione.APPROVATA]
    scelta = (
        max(approvate, key=lambda v: (v.approvata_il or v.creata_il, v.pk))
        if approvate
        else (candidati[0] if candidati else None)
    )
    return Riferimento(scelta, _etichetta(scelta))


# --- the per-Comune pack (art. 23) ---------------------------------------------------------------


@dataclass
class PacchettoComune:
    ambito: object
    comune: Ente
    anno: int
    azienda: str
    riferimento: Riferimento
    servizi: e.Tabella
    costi: e.Tabella
    riparto: e.Tabella
    sintesi: e.Tabella
    persone_distinte: int
    operatori_distinti: int
    generato_il: dt.datetime = field(default_factory=timezone.localtime)

    @property
    def tabelle(self) -> list[e.Tabella]:
        return [self.sintesi, self.servizi, self.costi, self.riparto]


def _erogazioni_anno(ambito, anno: int):
    return erogazioni_dell_anno(ambito, anno)


def _attivita_anno(ambito, anno: int):
    dal, al = _periodo(anno)
    return Attivita.objects.filter(
        ambito=ambito,
        annullato_il__isnull=True,
        intervento__annullato_il__isnull=True,
        data__gte=dal,
        data__lte=al,
    )


def _per_servizio(erog, /, **aggregati) -> dict[int, dict]:
    """Service -> the `aggregati` of the erogazioni `erog` for that service (1 query)."""
    return {
        r["servizio_id"]: r
        for r in erog.values(servizio_id=F("intervento__servizio_id")).annotate(**aggregati).order_by()
    }


def _ore_per_servizio(attivita) -> dict[int, Decimal]:
    """Service -> hours of `attivita` (1 query)."""
    return {
        r["servizio_id"]: r["ore"]
        for r in attivita.values(servizio_id=F("intervento__servizio_id")).annotate(ore=Sum("ore")).order_by()
    }


def _servizi_catalogo(ids) -> list[Servizio]:
    """The catalogue services `ids` with their area, in catalogue order (1 query)."""
    return list(
        Servizio.objects.filter(pk__in=ids)
        .select_related("settore__area")
        .order_by(*ORDINE_CATALOGO, "codice")
    )


def _operatori_per_servizio(ambito, anno: int, comune_id: int | None) -> dict[int, set[int]]:
    """Service -> distinct operators: those who recorded activity in the year plus those assigned
    to a case of the service during the year (2 queries of distinct pairs)."""
    dal, al = _periodo(anno)
    att = _attivita_anno(ambito, anno)
    ass = OperatoreCaso.objects.filter(
        ambito=ambito, annullato_il__isnull=True, caso__annullato_il__isnull=True, dal__lte=al
    ).filter(Q(al__isnull=True) | Q(al__gte=dal))
    if comune_id is not None:
        att = att.filter(intervento__caso__comune_responsabile_id=comune_id)
        ass = ass.filter(caso__comune_responsabile_id=comune_id)
    out: dict[int, set[int]] = defaultdict(set)
    for s, u in att.values_list("intervento__servizio_id", "operatore_id").distinct().order_by():
        out[s].add(u)
    for s, u in ass.values_list("caso__servizio_id", "utente_id").distinct().order_by():
        out[s].add(u)
    return out


def _conferimenti(ambito, comune_id: int, anno: int) -> dict[int, tuple[dt.date, dt.date, Decimal | None]]:
    """Service -> (from, to, yearly quantity) of the Comune's conferrals overlapping the year (1 query)."""
    dal, al = _periodo(anno)
    out: dict[int, tuple] = {}
    for s, d, a, q in (
        ServizioConferito.objects.per_ambito(ambito)
        .filter(contratto__comune_id=comune_id, dal__lte=al)
        .filter(Q(al__isnull=True) | Q(al__gte=dal))
        .values_list("servizio_id", "dal", "al", "quantita_annua")
    ):
        inizio, fine = max(d, dal), min(a or al, al)
        if s in out:
            p = out[s]
            q = e.somma([p[2], q]) if (p[2] is not None or q is not None) else None
            inizio, fine = min(inizio, p[0]), max(fine, p[1])
        out[s] = (inizio, fine, q)
    return out


def _testo_conferimento(conf, anno: int) -> str:
    if conf is None:
        return "no"
    dal, al, _ = conf
    if dal == dt.date(anno, 1, 1) and al == dt.date(anno, 12, 31):
        return "sì"
    return f"dal {dal:%d/%m} al {al:%d/%m}"


def _nota_utenze(persone: int, operatori: int) -> str:
    return (
        "I totali delle colonne Beneficiari e Operatori sommano i servizi: una persona o un operatore "
        "presente in più servizi è contato una volta per ciascun servizio. "
        f"Persone distinte: {persone}; operatori distinti: {operatori}."
    )


def pacchetto_comune(ambito, comune: Ente, anno: int) -> PacchettoComune:
    """The art. 23 pack of one Comune for one year, in a constant number of queries (at most 10)."""
    erog = _erogazioni_anno(ambito, anno).filter(intervento__caso__comune_responsabile=comune)
    per_servizio = _per_servizio(
        erog,
        unita=Sum("quantita"),
        importo=Sum("importo"),
        quota_ente=Sum("quota_ente"),
        quota_utente=Sum("quota_utente"),
        quota_ssn=Sum("quota_ssn"),
        persone=Count("intervento__caso__persona_id", distinct=True),
        erogazioni=Count("id"),
    )
    tot = erog.aggregate(
        importo=Sum("importo"),
        quota_ente=Sum("quota_ente"),
        quota_utente=Sum("quota_utente"),
        quota_ssn=Sum("quota_ssn"),
        persone=Count("intervento__caso__persona_id", distinct=True),
    )
    ore = _ore_per_servizio(_attivita_anno(ambito, anno).filter(intervento__caso__comune_responsabile=comune))
    operatori = _operatori_per_servizio(ambito, anno, comune.pk)
    conferiti = _conferimenti(ambito, comune.pk, anno)
    ids = set(per_servizio) | set(ore) | set(operatori) | set(conferiti)
    servizi = _servizi_catalogo(ids)

    col_servizi = (
        e.Colonna("Servizio"),
        e.Colonna("Conferito nell'anno"),
        e.Colonna("Unità di misura"),
        e.Colonna("Quantità contrattuale", e.DECIMALE),
        e.Colonna("Quantità erogata", e.DECIMALE),
        e.Colonna("Beneficiari residenti", e.INTERO, somma=True),
        e.Colonna("Operatori", e.INTERO, somma=True),
        e.Colonna("Ore di attività", e.DECIMALE, somma=True),
    )
    col_costi = (
        e.Colonna("Servizio"),
        e.Colonna("Costo delle erogazioni", e.EURO, somma=True),
        e.Colonna("di cui quota Ente", e.EURO, somma=True),
        e.Colonna("di cui quota utenti", e.EURO, somma=True),
        e.Colonna("di cui quota SSN", e.EURO, somma=True),
        e.Colonna("Costo per beneficiario", e.EURO),
    )
    righe_s, righe_c = [], []
    for s in servizi:
        r = per_servizio.get(s.pk, {})
        conf = conferiti.get(s.pk)
        persone = r.get("persone", 0)
        righe_s.append(
            (
                f"{s.codice} – {s.nome}",
                _testo_conferimento(conf, anno),
                s.get_unita_misura_display(),
                conf[2] if conf else None,
                e.euro(r.get("unita")),
                persone,
                len(operatori.get(s.pk, ())),
                e.euro(ore.get(s.pk)),
            )
        )
        if r:
            righe_c.append(
                (
                    f"{s.codice} – {s.nome}",
                    e.euro(r["importo"]),
                    e.euro(r["quota_ente"]),
                    e.euro(r["quota_utente"]),
                    e.euro(r["quota_ssn"]),
                    e.per_utente(r["importo"], persone),
                )
            )
    persone_distinte = tot["persone"] or 0
    operatori_distinti = len(set().union(*operatori.values())) if operatori else 0
    tab_servizi = e.verifica(
        e.Tabella(
            "Servizi conferiti e livello di servizio",
            col_servizi,
            tuple(righe_s),
            e.totali(col_servizi, righe_s),
            note=(
                "Conferito: periodo dell'anno coperto dal contratto di servizio del Comune "
                "(«no»: servizio erogato ai residenti senza conferimento nell'anno).",
                _nota_utenze(persone_distinte, operatori_distinti),
            ),
            codice="servizi",
        )
    )
    importo = e.euro(tot["importo"])
    tab_costi = e.verifica(
        e.Tabella(
            "Costi delle erogazioni ai residenti",
            col_costi,
            tuple(righe_c),
            (
                "Totale",
                importo,
                e.euro(tot["quota_ente"]),
                e.euro(tot["quota_utente"]),
                e.euro(tot["quota_ssn"]),
                e.per_utente(importo, sum(r[5] for r in righe_s)),
            ),
            note=(
                f"Erogazioni registrate nella cartella sociale con data di erogazione nel {anno}. "
                "Costo per beneficiario del totale: costo totale diviso il totale dei beneficiari "
                "per servizio.",
            ),
            codice="costi",
        )
    )

    rif = versione_di_riferimento(ambito, anno)
    righe_r: list[tuple] = []
    totale_riparto = None
    if rif.versione is not None:
        quote = QuotaRiparto.objects.filter(versione=rif.versione, comune=comune)
        righe_r = [
            (f"{codice} – {nome}", importo)
            for codice, nome, importo in quote.order_by("voce__ordine").values_list(
                "voce__codice", "voce__nome", "importo"
            )
        ]
        totale_riparto = e.euro(quote.aggregate(t=Sum("importo"))["t"])
    tab_riparto = e.verifica(
        e.Tabella(
            "Quota a carico del Comune (riparto)",
            (e.Colonna("Servizio del riparto"), e.Colonna("Importo", e.EURO, somma=True)),
            tuple(righe_r),
            ("Totale", totale_riparto) if rif.versione is not None else None,
            note=(f"Versione di bilancio: {rif.etichetta}.",),
            codice="riparto",
        )
    )
    tab_sintesi = e.verifica(
        e.Tabella(
            "Sintesi",
            (e.Colonna("Voce"), e.Colonna("Valore", e.EURO)),
            (
                ("Costo delle erogazioni ai residenti", importo),
                ("Quota a carico del Comune secondo il riparto", totale_riparto),
            ),
            codice="sintesi",
        )
    )
    return PacchettoComune(
        ambito=ambito,
        comune=comune,
        anno=anno,
        azienda=nome_azienda(ambito),
        riferimento=rif,
        servizi=tab_servizi,
        costi=tab_costi,
        riparto=tab_riparto,
        sintesi=tab_sintesi,
        persone_distinte=persone_distinte,
        operatori_distinti=operatori_distinti,
    )


# --- the management report ----------------------------------------------------------------------


@dataclass(frozen=True)
class DatiRiparto:
    """Costs and revenues of a riparto version (all rounded to the cent)."""

    costo: Decimal
    fondi: dict[str, Decimal]  # funding source code -> amount
    comuni: Decimal  # sum of the Comuni's rounded quotas

    @property
    def ricavi(self) -> Decimal:
        return sum(self.fondi.values(), e.ZERO) + self.comuni

    @property
    def risultato(self) -> Decimal:
        return self.ricavi - self.costo


def dati_riparto(versione: VersioneBilancio | None) -> DatiRiparto | None:
    """2 queries."""
    if versione is None:
        return None
    costo = e.ZERO
    fondi: dict[str, Decimal] = defaultdict(lambda: e.ZERO)
    for costo_totale, fonti in VoceRiparto.objects.filter(versione=versione).values_list(
        "costo_totale", "fondi"
    ):
        costo += costo_totale
        for codice, importo in fonti:
            fondi[codice] += Decimal(importo)
    comuni_ = QuotaRiparto.objects.filter(versione=versione).aggregate(t=Sum("importo"))["t"] or e.ZERO
    return DatiRiparto(e.euro(costo), {k: e.euro(v) for k, v in sorted(fondi.items())}, e.euro(comuni_))


@dataclass
class SezioneAcconti:
    """Advances invoiced and balance per Comune. Placeholder until `gestione.selectors_acconti.
    prospetto_acconti(ambito, anno)` is merged: see `sezione_acconti_saldi`."""

    disponibile: bool
    tabella: e.Tabella | None
    messaggio: str


def sezione_acconti_saldi(prospetto=None) -> SezioneAcconti:
    """ACCONTI E SALDI: per Comune, the preventivo, the advances invoiced (net of credit notes),
    the consuntivo and the balance (consuntivo − advances), as in the 2021 report.

    `prospetto`: the rows of `gestione.selectors_acconti.prospetto_acconti` (its totals row, with
    `comune=None`, is cross-checked against the sum of the Comune rows), or None / no rows, which
    renders "non disponibile". A missing consuntivo leaves "—" in its column and in the balance.
    """
    righe_comuni = [r for r in (prospetto or ()) if r.comune is not None]
    if not righe_comuni or not any(r.acconti_totale or r.consuntivo is not None for r in righe_comuni):
        return SezioneAcconti(False, None, "Prospetto degli acconti e dei saldi non disponibile.")

    def opz(x):
        return None if x is None else e.euro(x)

    colonne = (
        e.Colonna("Comune"),
        e.Colonna("Preventivo", e.EURO, somma=True),
        e.Colonna("Acconti fatturati", e.EURO, somma=True),
        e.Colonna("Consuntivo", e.EURO, somma=True),
        e.Colonna("Saldo (consuntivo − acconti)", e.EURO, somma=True),
    )
    righe = [
        (r.comune.nome, opz(r.preventivo), e.euro(r.acconti_totale), opz(r.consuntivo), opz(r.saldo))
        for r in righe_comuni
    ]
    t = e.verifica(
        e.Tabella(
            "Acconti e saldi per Comune",
            colonne,
            tuple(righe),
            e.totali(colonne, righe),
            note=(
                "Acconti: quanto fatturato nell'esercizio al netto delle note di credito. Saldo positivo: "
                "da versare dal Comune; negativo: da restituire al Comune.",
            ),
            codice="acconti",
        )
    )
    totale = next((r for r in prospetto if r.comune is None), None)
    if totale is not None:
        e.verifica_coerenza("acconti fatturati", t.totale[2], e.euro(totale.acconti_totale))
        if totale.consuntivo is not None:
            e.verifica_coerenza("consuntivo dei Comuni", t.totale[3], e.euro(totale.consuntivo))
    return SezioneAcconti(True, t, "")


@dataclass
class RelazioneGestione:
    ambito: object
    anno: int
    azienda: str
    riferimento: Riferimento
    riferimento_precedente: Riferimento
    dati: DatiRiparto | None
    dati_precedente: DatiRiparto | None
    sintesi: e.Tabella
    ricavi: e.Tabella
    fondi: e.Tabella
    comuni: e.Tabella
    acconti: SezioneAcconti
    aree: e.Tabella
    servizi: e.Tabella
    eventi: list[EventoRilevante]
    persone_distinte: int
    generato_il: dt.datetime = field(default_factory=timezone.localtime)

    @property
    def tabelle(self) -> list[e.Tabella]:
        out = [self.sintesi, self.ricavi, self.fondi, self.comuni, self.aree, self.servizi]
        if self.acconti.tabella is not None:
            out.append(self.acconti.tabella)
        return out


def _nomi_fondi(ambito) -> dict[str, str]:
    return dict(Fondo.objects.per_ambito(ambito).values_list("codice", "nome"))


def _tabella_sintesi(anno: int, dati: DatiRiparto | None, prec: DatiRiparto | None) -> e.Tabella:
    colonne = (
        e.Colonna("Voce"),
        e.Colonna(str(anno), e.EURO),
        e.Colonna(str(anno - 1), e.EURO),
        e.Colonna("Differenza", e.EURO),
        e.Colonna("Variazione %", e.PERCENTUALE),
    )

    def riga(etichetta, attr):
        a = getattr(dati, attr) if dati else None
        b = getattr(prec, attr) if prec else None
        delta, pct = e.variazione(a, b)
        return (etichetta, a, b, delta, pct)

    fondi_a = sum(dati.fondi.values(), e.ZERO) if dati else None
    fondi_b = sum(prec.fondi.values(), e.ZERO) if prec else None
    d, p = e.variazione(fondi_a, fondi_b)
    righe = (
        riga("Costi dei servizi (diretti e indiretti)", "costo"),
        ("Ricavi da fondi e altri ricavi", fondi_a, fondi_b, d, p),
        riga("Ricavi da quote dei Comuni", "comuni"),
        riga("Totale ricavi", "ricavi"),
        riga("Risultato (ricavi − costi)", "risultato"),
    )
    for dd in (dati, prec):
        if dd is not None:
            e.verifica_coerenza(
                "totale ricavi = fondi + Comuni", dd.ricavi, sum(dd.fondi.values(), e.ZERO) + dd.comuni
            )
    return e.verifica(e.Tabella("Sintesi economico-finanziaria", colonne, righe, codice="sintesi"))


def _tabella_ricavi(ambito, dati: DatiRiparto | None) -> e.Tabella:
    colonne = (
        e.Colonna("Fonte"),
        e.Colonna("Importo", e.EURO, somma=True),
        e.Colonna("Quota %", e.PERCENTUALE, somma=True),
    )
    if dati is None:
        return e.Tabella("Ricavi per fonte", colonne, (), None, codice="ricavi")
    nomi = _nomi_fondi(ambito)
    voci = []
    for k, v in dati.fondi.items():
        nome = nomi.get(k, k.replace("_", " ").capitalize())
        voci.append((nome if f"({k})" in nome else f"{nome} ({k})", v))
    voci.append(("Quote dei Comuni (riparto)", dati.comuni))
    quote = e.quote_percentuali([v for _, v in voci])
    righe = tuple((n, v, q) for (n, v), q in zip(voci, quote, strict=True))
    totale = ("Totale ricavi", dati.ricavi, Decimal("100.00") if dati.ricavi else None)
    return e.verifica(e.Tabella("Ricavi per fonte", colonne, righe, totale, codice="ricavi"))


def _tabella_fondi(ambito, anno: int) -> e.Tabella:
    righe_f, totale = fondi_selectors.elenco(ambito, anno)
    rinviato = dict(
        QuotaEsercizio.objects.per_ambito(ambito)
        .filter(assegnazione__annualita=anno, esercizio__gt=anno)
        .values("assegnazione__fondo_id")
        .annotate(t=Sum("importo"))
        .order_by()
        .values_list("assegnazione__fondo_id", "t")
    )
    colonne = (
        e.Colonna("Fondo"),
        e.Colonna("Riconosciuto nell'esercizio", e.EURO, somma=True),
        e.Colonna("Rinviato a esercizi successivi", e.EURO, somma=True),
        e.Colonna("Accantonato", e.EURO, somma=True),
        e.Colonna("Utilizzo accantonamenti", e.EURO, somma=True),
        e.Colonna("Disponibile", e.EURO, somma=True),
        e.Colonna("Pagato", e.EURO, somma=True),
    )
    righe = []
    for r in righe_f:
        s = r.situazione
        rin = e.euro(rinviato.get(r.fondo.pk))
        if not any((s.assegnato, rin, s.accantonato, s.utilizzato_accantonamenti, s.pagato)):
            continue
        righe.append(
            (
                f"{r.fondo.codice} – {r.fondo.nome}",
                s.assegnato,
                rin,
                s.accantonato,
                s.utilizzato_accantonamenti,
                s.disponibile,
                s.pagato,
            )
        )
    tot = (
        "Totale",
        totale.assegnato,
        e.euro(sum(rinviato.values(), e.ZERO)),
        totale.accantonato,
        totale.utilizzato_accantonamenti,
        totale.disponibile,
        totale.pagato,
    )
    return e.verifica(
        e.Tabella(
            "Fondi riconosciuti nell'esercizio e rinviati",
            colonne,
            tuple(righe),
            tot if righe else None,
            note=(
                f"Dal registro dei fondi: quote degli atti di assegnazione riconosciute nel {anno}; "
                f"«rinviato»: quote dell'annualità {anno} riconosciute in esercizi successivi. "
                "Gli importi dei fondi nel riparto sono invece previsioni per servizio "
                "della versione di bilancio.",
            ),
            codice="fondi",
        )
    )


COLONNE_VERSIONI = [
    (TipoVersione.PREVENTIVO, "Preventivo"),
    (TipoVersione.ASSESTAMENTO, "Assestamento"),
    (TipoVersione.CONSUNTIVO, "Consuntivo"),
]


def _tabella_comuni(ambito, anno: int, rif: Riferimento, dati: DatiRiparto | None) -> e.Tabella:
    versioni = {tipo: versione_di_riferimento(ambito, anno, tipo) for tipo, _ in COLONNE_VERSIONI}
    ids = {r.versione.pk: tipo for tipo, r in versioni.items() if r.versione is not None}
    celle: dict[tuple[str, int], Decimal] = {}
    nomi: dict[int, str] = {}
    for r in (
        QuotaRiparto.objects.filter(versione_id__in=ids)
        .values("versione_id", "comune_id", "comune__nome")
        .annotate(t=Sum("importo"))
        .order_by()
    ):
        celle[(ids[r["versione_id"]], r["comune_id"])] = e.euro(r["t"])
        nomi[r["comune_id"]] = r["comune__nome"]
    tot_versione = dict(
        QuotaRiparto.objects.filter(versione_id__in=ids)
        .values("versione_id")
        .annotate(t=Sum("importo"))
        .order_by()
        .values_list("versione_id", "t")
    )
    tot_versione = {k: e.euro(v) for k, v in tot_versione.items()}
    colonne = (
        e.Colonna("Comune"),
        *(e.Colonna(etichetta, e.EURO, somma=True) for _, etichetta in COLONNE_VERSIONI),
        e.Colonna("Differenza (ultima − preventivo)", e.EURO, somma=True),
    )
    presenti = [t for t, _ in COLONNE_VERSIONI if versioni[t].versione is not None]
    ultima = presenti[-1] if presenti else None

    def diff(cid):
        if (
            ultima is None
            or ultima == TipoVersione.PREVENTIVO
            or versioni[TipoVersione.PREVENTIVO].versione is None
        ):
            return None
        return celle.get((ultima, cid), e.ZERO) - celle.get((TipoVersione.PREVENTIVO, cid), e.ZERO)

    righe = []
    for cid, nome in sorted(nomi.items(), key=lambda kv: kv[1]):
        righe.append(
            (
                nome,
                *(
                    (celle.get((t, cid), e.ZERO) if versioni[t].versione is not None else None)
                    for t, _ in COLONNE_VERSIONI
                ),
                diff(cid),
            )
        )
    tot_col = [
        (tot_versione.get(versioni[t].versione.pk, e.ZERO) if versioni[t].versione is not None else None)
        for t, _ in COLONNE_VERSIONI
    ]
    tot_diff = None
    if righe and diff(next(iter(nomi))) is not None:
        tot_diff = tot_col[[t for t, _ in COLONNE_VERSIONI].index(ultima)] - tot_col[0]
    totale = ("Totale", *tot_col, tot_diff) if righe else None
    if dati is not None and rif.versione is not None and rif.versione.pk in ids:
        e.verifica_coerenza(
            "quote dei Comuni nella sintesi e nel prospetto per Comune",
            dati.comuni,
            tot_versione.get(rif.versione.pk),
        )
    note = tuple(f"{etichetta}: {versioni[t].etichetta}." for t, etichetta in COLONNE_VERSIONI)
    return e.verifica(
        e.Tabella(
            "Quote dei Comuni: preventivo, assestamento, consuntivo",
            colonne,
            tuple(righe),
            totale,
            note=note,
            codice="comuni",
        )
    )


def _tabelle_risultati(ambito, anno: int) -> tuple[e.Tabella, e.Tabella, int]:
    erog = _erogazioni_anno(ambito, anno)
    per_servizio = _per_servizio(
        erog,
        importo=Sum("importo"),
        persone=Count("intervento__caso__persona_id", distinct=True),
        erogazioni=Count("id"),
    )
    tot = erog.aggregate(
        importo=Sum("importo"),
        erogazioni=Count("id"),
        persone=Count("intervento__caso__persona_id", distinct=True),
    )
    ore = _ore_per_servizio(_attivita_anno(ambito, anno))
    tot_ore = e.euro(_attivita_anno(ambito, anno).aggregate(t=Sum("ore"))["t"])
    servizi = _servizi_catalogo(set(per_servizio) | set(ore))
    col_s = (
        e.Colonna("Area / servizio"),
        e.Colonna("Utenti", e.INTERO, somma=True),
        e.Colonna("Erogazioni", e.INTERO, somma=True),
        e.Colonna("Ore di attività", e.DECIMALE, somma=True),
        e.Colonna("Costo", e.EURO, somma=True),
        e.Colonna("Costo per utente", e.EURO),
    )
    col_a = (
        e.Colonna("Area"),
        e.Colonna("Servizi", e.INTERO, somma=True),
        e.Colonna("Utenti", e.INTERO, somma=True),
        e.Colonna("Ore di attività", e.DECIMALE, somma=True),
        e.Colonna("Costo", e.EURO, somma=True),
        e.Colonna("Costo per utente", e.EURO),
    )
    righe_s = []
    aree: dict[str, list] = {}
    for s in servizi:
        r = per_servizio.get(s.pk, {})
        area = s.settore.area.nome if s.settore_id and s.settore.area_id else "Senza area"
        persone, importo, h = r.get("persone", 0), e.euro(r.get("importo")), e.euro(ore.get(s.pk))
        righe_s.append(
            (
                f"{area} / {s.codice} – {s.nome}",
                persone,
                r.get("erogazioni", 0),
                h,
                importo,
                e.per_utente(importo, persone),
            )
        )
        a = aree.setdefault(area, [area, 0, 0, e.ZERO, e.ZERO])
        a[1] += 1
        a[2] += persone
        a[3] += h
        a[4] += importo
    righe_a = [(*a, e.per_utente(a[4], a[2])) for a in aree.values()]
    importo = e.euro(tot["importo"])
    utenze = sum(r[1] for r in righe_s)
    nota = (
        "Utenti: persone distinte per servizio con almeno un'erogazione nell'anno; i totali sommano i "
        "servizi (una persona in più servizi è contata per ciascuno). "
        f"Persone distinte nell'anno: {tot['persone'] or 0}."
    )
    t_servizi = e.verifica(
        e.Tabella(
            "Risultati per servizio",
            col_s,
            tuple(righe_s),
            ("Totale", utenze, tot["erogazioni"] or 0, tot_ore, importo, e.per_utente(importo, utenze))
            if righe_s
            else None,
            note=(nota,),
            codice="risultati_servizi",
        )
    )
    t_aree = e.verifica(
        e.Tabella(
            "Risultati per area",
            col_a,
            tuple(righe_a),
            ("Totale", len(servizi), utenze, tot_ore, importo, e.per_utente(importo, utenze))
            if righe_a
            else None,
            note=(nota,),
            codice="risultati_aree",
        )
    )
    return t_aree, t_servizi, tot["persone"] or 0


def relazione_gestione(ambito, anno: int) -> RelazioneGestione:
    """The management report of a year, every figure from the database (at most 31 queries)."""
    rif = versione_di_riferimento(ambito, anno)
    rif_prec = versione_di_riferimento(ambito, anno - 1)
    dati, prec = dati_riparto(rif.versione), dati_riparto(rif_prec.versione)
    aree, servizi, persone = _tabelle_risultati(ambito, anno)
    return RelazioneGestione(
        ambito=ambito,
        anno=anno,
        azienda=nome_azienda(ambito),
        riferimento=rif,
        riferimento_precedente=rif_prec,
        dati=dati,
        dati_precedente=prec,
        sintesi=_tabella_sintesi(anno, dati, prec),
        ricavi=_tabella_ricavi(ambito, dati),
        fondi=_tabella_fondi(ambito, anno),
        comuni=_tabella_comuni(ambito, anno, rif, dati),
        acconti=sezione_acconti_saldi(prospetto_acconti(ambito, anno)),
        aree=aree,
        servizi=servizi,
        eventi=list(eventi(ambito, anno).order_by("data", "id")),
        persone_distinte=persone,
    )
