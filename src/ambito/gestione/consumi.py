"""Riparto by consumption from the case record (CSI): a read and a write, for issue 4.

`consumi_dalla_cartella` (read) sums, in one aggregate query, what the CSI recorded for every
service of a version whose method uses consumption, per responsible Comune of the case: the
units of the non-annulled deliveries whose period overlaps [dal, al] (counted whole, as
`cartella.selectors.erogazioni.consumi_per_comune` does), their amount in euro, or the hours of
the activity log dated in [dal, al]. A version's service is matched to the deliveries through
its catalogue link (`VoceRiparto.servizio`). Units of a Comune that does not confer the service
cannot be charged by consumption: they are reported as anomalies, never dropped silently.

`applica_consumi` (write) replaces the consumption of those services in the version's input and
recomputes the version through `services.ricalcola_versione` (audited). It refuses while there
are anomalies unless `escludi_non_conferenti=True`, which the audit records with what was left
out. Applying the same figures twice changes nothing and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, DecimalField, F, Sum

from ambito.cartella.models import Attivita, Erogazione
from ambito.core.formats import numero_it
from ambito.territorio.models import Ente

from . import engine as e
from .models import VersioneBilancio, VoceRiparto
from .services import dati_versione, ricalcola_versione

ZERO = Decimal(0)
CENT = Decimal("0.01")
AZIONE = "gestione.consumi_da_cartella"
METODI = e.METODI_CONSUMO | e.METODI_MISTI

EROGAZIONI, ATTIVITA, IMPORTO = "erogazioni", "attivita", "importo"
FONTI = {
    EROGAZIONI: "quantità erogate (erogazioni)",
    ATTIVITA: "ore registrate (attività)",
    IMPORTO: "importo delle erogazioni (€)",
}
_SOMMA = DecimalField(max_digits=20, decimal_places=2)


@dataclass(frozen=True)
class Cella:
    """One (service, Comune) of the preview: the units now in the input and those from the CSI."""

    comune: str  # codice ISTAT
    nome_comune: str
    attuale: Decimal | None
    cartella: Decimal
    righe: int  # deliveries (or activity rows) summed

    @property
    def differenza(self) -> Decimal:
        return self.cartella - (self.attuale or ZERO)


@dataclass(frozen=True)
class Anomalia:
    """Units recorded for a Comune that does not confer the service: not chargeable by consumption."""

    servizio: str
    nome_servizio: str
    comune: str
    nome_comune: str
    unita: Decimal
    righe: int

    def messaggio(self, fonte: str) -> str:
        return (
            f"Il Comune di {self.nome_comune} ({self.comune}) non conferisce il servizio {self.servizio} "
            f"– {self.nome_servizio}, ma nella cartella sociale ha {_registrazioni(self.righe)} per "
            f"{_it(self.unita)} {unita_fonte(fonte)}: non si possono addebitare a consumo."
        )


@dataclass(frozen=True)
class ATariffa:
    """Units of a Comune that buys the service at a tariff (e.g. a non-member buying CDD places):
    not an anomaly, and not consumption: its charge is tariff × the units of the `tariffe` sheet."""

    servizio: str
    comune: str
    nome_comune: str
    unita: Decimal
    righe: int
    unita_tariffa: Decimal  # the units in the version's tariffe sheet, to compare

    def messaggio(self, fonte: str) -> str:
        return (
            f"{self.nome_comune} ({self.comune}) acquista il servizio {self.servizio} a tariffa: nella "
            f"cartella sociale {_registrazioni(self.righe)} per {_it(self.unita)} {unita_fonte(fonte)}, "
            f"nella versione {_it(self.unita_tariffa)} unità a tariffa (non cambiano)."
        )


@dataclass
class ServizioConsumi:
    codice: str
    nome: str
    metodo: str
    catalogo: str  # the catalogue service's code
    unita: str
    celle: list[Cella] = field(default_factory=list)
    anomalie: list[Anomalia] = field(default_factory=list)
    a_tariffa: list[ATariffa] = field(default_factory=list)

    @property
    def descrizione_metodo(self) -> str:
        return e.DESCRIZIONE_METODO.get(self.metodo, self.metodo)

    @property
    def totale_attuale(self) -> Decimal:
        return sum((c.attuale or ZERO for c in self.celle), ZERO)

    @property
    def totale_cartella(self) -> Decimal:
        return sum((c.cartella for c in self.celle), ZERO)


@dataclass
class ConsumiCartella:
    versione: VersioneBilancio
    dal: dt.date
    al: dt.date
    fonte: str
    dati: e.DatiRiparto  # the version's current input
    servizi: list[ServizioConsumi]  # consumption services linked to the catalogue
    senza_catalogo: list[VoceRiparto]  # consumption services the CSI cannot feed
    consumi: dict[tuple[str, str], Decimal]  # the new input cells: (service, Comune) -> units

    @property
    def anomalie(self) -> list[Anomalia]:
        return [a for s in self.servizi for a in s.anomalie]

    @property
    def a_tariffa(self) -> list[ATariffa]:
        return [a for s in self.servizi for a in s.a_tariffa]

    @property
    def firma(self) -> str:
        """A digest of what would be applied, so that a form applies exactly what it previewed."""
        testo = json.dumps(
            [
                self.fonte,
                str(self.dal),
                str(self.al),
                sorted([s, c, str(v)] for (s, c), v in self.consumi.items()),
                sorted([a.servizio, a.comune, str(a.unita)] for a in self.anomalie),
            ]
        )
        return hashlib.sha256(testo.encode()).hexdigest()[:32]

    def consumi_nuovi(self) -> dict[tuple[str, str], Decimal]:
        """The whole consumption input after applying: other services' cells are kept."""
        toccati = {s.codice for s in self.servizi}
        altri = {k: v for k, v in self.dati.consumi.items() if k[0] not in toccati}
        return {**altri, **self.consumi}


def unita_fonte(fonte: str) -> str:
    return {ATTIVITA: "ore", IMPORTO: "€"}.get(fonte, "unità")


def _registrazioni(n: int) -> str:
    return f"{n} registrazione" if n == 1 else f"{n} registrazioni"


def _it(x: Decimal) -> str:
    s = numero_it(x)
    return s[:-3] if s.endswith(",00") else s


def _valida_periodo(dal, al, fonte) -> None:
    if fonte not in FONTI:
        raise ValidationError(f"Fonte dei consumi sconosciuta «{fonte}»: usare {', '.join(FONTI)}.")
    if dal is None or al is None or dal > al:
        raise ValidationError("Il periodo non è valido: la data iniziale deve precedere quella finale.")


def aggregato(ambito, servizi_ids, dal: dt.date, al: dt.date, fonte: str = EROGAZIONI):
    """(comune_id, servizio_id, units, rows) for the services, one GROUP BY query.

    Grouped by ids, not names, so that the database sums without joining the Comuni table.
    """
    if fonte == ATTIVITA:
        qs = Attivita.objects.filter(data__gte=dal, data__lte=al)
        campo = "ore"
    else:
        qs = Erogazione.objects.filter(dal__lte=al, al__gte=dal)
        campo = "importo" if fonte == IMPORTO else "quantita"
    qs = qs.filter(
        ambito=ambito,
        annullato_il__isnull=True,
        intervento__annullato_il__isnull=True,
        intervento__caso__annullato_il__isnull=True,
        intervento__servizio_id__in=list(servizi_ids),
    )
    return (
        qs.values(c=F("intervento__caso__comune_responsabile_id"), s=F("intervento__servizio_id"))
        .annotate(u=Sum(campo, output_field=_SOMMA), n=Count("id"))
        .order_by()
        .values_list("c", "s", "u", "n")
    )


def consumi_dalla_cartella(
    ambito, versione: VersioneBilancio, dal: dt.date, al: dt.date, *, fonte: str = EROGAZIONI
) -> ConsumiCartella:
    """The consumption of the version's consumption services from the CSI, with the anomalies.

    Four queries whatever the number of deliveries: the version's input, its services, the
    aggregate, the Comuni.
    """
    _valida_periodo(dal, al, fonte)
    if versione.ambito_id != ambito.pk:
        raise ValidationError("Versione di un altro Ambito.")
    dati = dati_versione(versione)
    voci = [
        v
        for v in VoceRiparto.objects.filter(versione=versione)
        .select_related("servizio")
        .order_by("ordine")
        .only("codice", "nome", "metodo", "ordine", "servizio__codice", "servizio__unita_misura")
        if v.metodo in METODI
    ]
    collegate = [v for v in voci if v.servizio_id is not None]
    per_catalogo = {v.servizio_id: v for v in collegate}
    servizi = {
        v.codice: ServizioConsumi(
            codice=v.codice,
            nome=v.nome,
            metodo=v.metodo,
            catalogo=v.servizio.codice,
            unita=v.servizio.get_unita_misura_display() if fonte == EROGAZIONI else unita_fonte(fonte),
        )
        for v in collegate
    }
    somme: dict[tuple[str, int], tuple[Decimal, int]] = {}
    if per_catalogo:
        for comune_id, servizio_id, unita, righe in aggregato(ambito, per_catalogo, dal, al, fonte):
            chiave = (per_catalogo[servizio_id].codice, comune_id)
            somme[chiave] = ((unita or ZERO).quantize(CENT), righe)
    comuni = {
        x.pk: x for x in Ente.objects.filter(pk__in={c for _s, c in somme}).only("nome", "codice_istat")
    }
    per_istat = {x.codice_istat: x for x in comuni.values()}

    def nome(istat: str) -> str:
        return dati.nomi_comuni.get(istat) or (per_istat[istat].nome if istat in per_istat else istat)

    consumi: dict[tuple[str, str], Decimal] = {}
    trovati: dict[tuple[str, str], tuple[Decimal, int]] = {}
    for (codice, comune_id), (unita, righe) in somme.items():
        trovati[(codice, comuni[comune_id].codice_istat)] = (unita, righe)
    unita_tariffa: dict[tuple[str, str], Decimal] = {}
    for t in dati.tariffe:
        unita_tariffa[(t.servizio, t.comune)] = unita_tariffa.get((t.servizio, t.comune), ZERO) + t.unita
    for codice, s in servizi.items():
        conferenti = dati.conferimenti.get(codice, frozenset())
        for istat in sorted(conferenti, key=nome):
            unita, righe = trovati.get((codice, istat), (ZERO, 0))
            s.celle.append(Cella(istat, nome(istat), dati.consumi.get((codice, istat)), unita, righe))
            if unita:
                consumi[(codice, istat)] = unita
        for (cod, istat), (unita, righe) in sorted(trovati.items(), key=lambda kv: nome(kv[0][1])):
            if cod != codice or istat in conferenti or not (unita or righe):
                continue
            if (codice, istat) in unita_tariffa:
                s.a_tariffa.append(
                    ATariffa(codice, istat, nome(istat), unita, righe, unita_tariffa[(codice, istat)])
                )
            else:
                s.anomalie.append(Anomalia(codice, s.nome, istat, nome(istat), unita, righe))
    return ConsumiCartella(
        versione=versione,
        dal=dal,
        al=al,
        fonte=fonte,
        dati=dati,
        servizi=list(servizi.values()),
        senza_catalogo=[v for v in voci if v.servizio_id is None],
        consumi=consumi,
    )


@dataclass(frozen=True)
class Esito:
    versione: VersioneBilancio
    cambiata: bool
    anteprima: ConsumiCartella


@transaction.atomic
def applica_consumi(
    *,
    versione: VersioneBilancio,
    dal: dt.date,
    al: dt.date,
    fonte: str = EROGAZIONI,
    attore,
    escludi_non_conferenti: bool = False,
    firma: str | None = None,
) -> Esito:
    """Write the CSI's consumption into a draft version and recompute it (audited).

    Refuses, changing nothing, when: the version is approved; `firma` (from a preview) no longer
    matches the CSI; some Comune that does not confer a service has units of it, unless
    `escludi_non_conferenti` (those units are then left out and listed in the audit); the
    engine cannot split the new input (its Italian messages are raised).
    """
    v = VersioneBilancio.objects.select_for_update().get(pk=versione.pk)
    if v.approvata:
        raise ValidationError(f"La versione «{v.nome}» è approvata: i consumi non si possono modificare.")
    c = consumi_dalla_cartella(v.ambito, v, dal, al, fonte=fonte)
    if firma is not None and firma != c.firma:
        raise ValidationError(
            "I dati della cartella sociale sono cambiati dopo l'anteprima: rivederla e riapplicare."
        )
    if not c.servizi:
        raise ValidationError(
            "Nessun servizio a consumo della versione è collegato al catalogo: nulla da leggere dalla "
            "cartella sociale."
        )
    if c.anomalie and not escludi_non_conferenti:
        raise ValidationError(
            [a.messaggio(fonte) for a in c.anomalie]
            + [
                "Nessuna modifica: correggere il Comune responsabile dei casi, oppure applicare "
                "escludendo esplicitamente i consumi dei Comuni non conferenti."
            ]
        )
    nuovi = c.consumi_nuovi()
    if {k: x for k, x in nuovi.items() if x} == {k: x for k, x in c.dati.consumi.items() if x}:
        return Esito(versione=v, cambiata=False, anteprima=c)
    dettagli = {
        "dal": str(dal),
        "al": str(al),
        "fonte": fonte,
        "escludi_non_conferenti": escludi_non_conferenti,
        "esclusi": [
            {"servizio": a.servizio, "comune": a.comune, "unita": str(a.unita), "righe": a.righe}
            for a in c.anomalie
        ],
        "servizi_senza_catalogo": [x.codice for x in c.senza_catalogo],
        "servizi": {
            s.codice: {
                x.comune: {"prima": None if x.attuale is None else str(x.attuale), "dopo": str(x.cartella)}
                for x in s.celle
            }
            for s in c.servizi
        },
    }
    periodo = f"{dal:%d/%m/%Y}–{al:%d/%m/%Y}"
    ricalcola_versione(
        versione=v,
        dati=replace(c.dati, consumi=nuovi),
        attore=attore,
        azione=AZIONE,
        descrizione=f"Consumi dalla cartella sociale ({FONTI[fonte]}), periodo {periodo}",
        dettagli=dettagli,
    )
    return Esito(versione=v, cambiata=True, anteprima=c)
