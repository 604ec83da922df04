"""Reads for the page of a version's inputs: the stored input laid out by section, and the
history of its changes. A fixed number of queries whatever the size of the input."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ambito.core.models import EventoAudit

from . import engine as e
from . import services as s
from .models import CartellaRiparto, VersioneBilancio, VoceRiparto
from .services_input import servizi_a_consumo

ETICHETTE_AZIONI = {
    "gestione.modifica_costo": "costo diretto",
    "gestione.modifica_fondo": "fondo",
    "gestione.modifica_popolazione": "popolazione",
    "gestione.modifica_consumo": "consumo",
    "gestione.modifica_costi_indiretti": "costi indiretti",
}


def per_input(x: Decimal | None) -> str:
    """A value as it goes back into a text box: no grouping, comma decimals ("24895,27")."""
    if x is None:
        return ""
    return format(Decimal(x), "f").replace(".", ",")


@dataclass
class RigaServizio:
    codice: str
    nome: str
    metodo: str
    diretti: Decimal
    porta_costi_indiretti: bool
    speciali: Decimal | None
    indiretti: Decimal | None  # as computed in the version's rows
    data_popolazione: str

    @property
    def diretti_input(self) -> str:
        return per_input(self.diretti)

    @property
    def speciali_input(self) -> str:
        return per_input(self.speciali)


@dataclass
class RigaFondo:
    codice: str
    servizio: str
    importo: Decimal
    comuni: list[str]  # names, empty = not restricted

    @property
    def importo_input(self) -> str:
        return per_input(self.importo)


@dataclass
class Cella:
    comune: str
    nome: str
    valore: Decimal | None

    @property
    def valore_input(self) -> str:
        return per_input(self.valore)


@dataclass
class RigaPopolazione:
    comune: str
    nome: str
    celle: list[tuple[str, Decimal | None]]  # (date, residents)

    def valori(self):
        return [(d, x, per_input(x)) for d, x in self.celle]


@dataclass
class GruppoConsumi:
    servizio: str
    nome: str
    metodo: str
    celle: list[Cella]


@dataclass
class DatiInput:
    versione: VersioneBilancio
    nome_file: str
    servizi: list[RigaServizio]
    monte: Decimal | None
    aliquota: Decimal | None
    fondi: list[RigaFondo]
    codici_fondi: list[str]
    date: list[tuple[str, list[str]]]  # (reference date, services that use it)
    popolazione: list[RigaPopolazione]
    popolazione_servizio: list[tuple[str, str, Decimal]]
    consumi: list[GruppoConsumi] = field(default_factory=list)

    @property
    def tipo_indiretti(self) -> str:
        if self.monte is not None:
            return "monte"
        if self.aliquota is not None:
            return "aliquota"
        return "nessuno"

    @property
    def indiretti_input(self) -> str:
        return per_input(self.monte if self.monte is not None else self.aliquota)


def dati_input(versione: VersioneBilancio) -> DatiInput | None:
    """The version's input by section (None if the version has no riparto): 2 queries."""
    c = CartellaRiparto.objects.filter(versione=versione).only("dati", "nome_file").first()
    if c is None:
        return None
    d = s.dati_da_json(c.dati)
    indiretti = dict(VoceRiparto.objects.filter(versione=versione).values_list("codice", "costi_indiretti"))
    nome = d.nomi_comuni.get
    servizi = [
        RigaServizio(
            codice=x.codice,
            nome=x.nome,
            metodo=e.DESCRIZIONE_METODO.get(x.metodo, x.metodo),
            diretti=d.costi_diretti.get(x.codice, Decimal(0)),
            porta_costi_indiretti=x.porta_costi_indiretti,
            speciali=x.costi_indiretti_speciali,
            indiretti=indiretti.get(x.codice),
            data_popolazione=x.data_popolazione,
        )
        for x in d.servizi
    ]
    ordine = {x.codice: i for i, x in enumerate(d.servizi)}
    fondi = sorted(
        (RigaFondo(f.codice, f.servizio, f.importo, sorted(nome(c, c) for c in f.comuni)) for f in d.fondi),
        key=lambda f: ordine.get(f.servizio, len(ordine)),
    )
    date = sorted(d.popolazione)
    comuni = sorted({c for snap in d.popolazione.values() for c in snap}, key=lambda c: (nome(c, c), c))
    popolazione = [
        RigaPopolazione(c, nome(c, c), [(data, d.popolazione[data].get(c)) for data in date]) for c in comuni
    ]
    consumi = [
        GruppoConsumi(
            x.codice,
            x.nome,
            e.DESCRIZIONE_METODO.get(x.metodo, x.metodo),
            [
                Cella(c, nome(c, c), d.consumi.get((x.codice, c), Decimal(0)))
                for c in sorted(d.conferimenti.get(x.codice, ()), key=lambda c: (nome(c, c), c))
            ],
        )
        for x in servizi_a_consumo(d)
    ]
    return DatiInput(
        versione=versione,
        nome_file=c.nome_file,
        servizi=servizi,
        monte=d.costi_indiretti,
        aliquota=d.aliquota_costi_indiretti,
        fondi=fondi,
        codici_fondi=sorted({f.codice for f in d.fondi}),
        date=[(data, [x.codice for x in d.servizi if x.data_popolazione == data]) for data in date],
        popolazione=popolazione,
        popolazione_servizio=[(sv, nome(c, c), n) for (sv, c), n in sorted(d.popolazione_servizio.items())],
        consumi=consumi,
    )


@dataclass
class Modifica:
    evento: EventoAudit
    cosa: str
    descrizione: str
    variazioni: list[tuple[str, Decimal]]  # (Comune name, change of its total), non-zero only


def storia(versione: VersioneBilancio, nomi: dict[str, str] | None = None) -> list[Modifica]:
    """The version's input changes, newest first, with each Comune's change of total: 1 query."""
    nomi = nomi or {}
    eventi = EventoAudit.objects.filter(
        oggetto_tipo=VersioneBilancio._meta.label,
        oggetto_id=str(versione.pk),
        azione__startswith="gestione.modifica_",
    ).order_by("-momento", "-id")
    out = []
    for ev in eventi:
        prima = (ev.prima or {}).get("totali_comuni") or {}
        dopo = (ev.dopo or {}).get("totali_comuni") or {}
        variazioni = []
        for c in sorted(set(prima) | set(dopo), key=lambda c: (nomi.get(c, c), c)):
            delta = Decimal(dopo.get(c, "0")) - Decimal(prima.get(c, "0"))
            if delta:
                variazioni.append((nomi.get(c, c), delta))
        out.append(
            Modifica(
                evento=ev,
                cosa=ETICHETTE_AZIONI.get(ev.azione, ev.azione),
                descrizione=(ev.dopo or {}).get("descrizione", ""),
                variazioni=variazioni,
            )
        )
    return out
