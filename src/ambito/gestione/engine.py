"""Pure arithmetic of the riparto (no Django): see the riparto issue and docs/formats/riparto.md.

For each service: total cost = direct cost + overhead; the funds offset it; what is left (the
Comuni's share) is split among the Comuni that confer the service by the service's method, then
rounded to the euro by largest remainder (Hamilton) so that every column sums exactly to its
rounded total. Every (Comune, service) amount carries a `Spiegazione`.

All money is `Decimal`; nothing here touches a database, a file or Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from ambito.core.formats import numero_it

ZERO = Decimal(0)
UNO = Decimal(1)

# Method names: the values of `ambito.catalogo.models.MetodoRiparto` (kept in sync by a test).
CAPITARIA = "capitaria"
CAPITARIA_E_CONSUMO = "capitaria_e_consumo"
CAPITARIA_NETTO_TARIFFE = "capitaria_netto_tariffe"
CAPITARIA_EELL_PIU_SCUOLE = "capitaria_eell_piu_scuole"
CAPITARIA_PIU_INDIRETTA_SU_CONSUMO = "capitaria_piu_indiretta_su_consumo"
CONSUMO = "consumo"
CONSUMO_VALIDATO_UDV = "consumo_validato_udv"
CONSUMO_FINO_CAPIENZA = "consumo_fino_capienza"
CONSUMO_VALIDATO_UDV_FINO_CAPIENZA = "consumo_validato_udv_fino_capienza"
CENTO_PER_CENTO_COMUNE = "cento_per_cento_comune"
PACCHETTO_FISSO = "pacchetto_fisso"
TARIFFA_PER_UNITA = "tariffa_per_unita"
ATTESE_PROGETTUALI = "attese_progettuali"
ATTESE_REGIONALI = "attese_regionali"
ATTESE_DISTRETTUALI = "attese_distrettuali"

METODI_CAPITARI = frozenset({CAPITARIA, CAPITARIA_NETTO_TARIFFE, CAPITARIA_EELL_PIU_SCUOLE})
METODI_CONSUMO = frozenset(
    {CONSUMO, CONSUMO_VALIDATO_UDV, CONSUMO_FINO_CAPIENZA, CONSUMO_VALIDATO_UDV_FINO_CAPIENZA}
)
METODI_MISTI = frozenset({CAPITARIA_E_CONSUMO, CAPITARIA_PIU_INDIRETTA_SU_CONSUMO})
METODI_PACCHETTO = frozenset({PACCHETTO_FISSO, ATTESE_PROGETTUALI, ATTESE_REGIONALI, ATTESE_DISTRETTUALI})
METODI = (
    METODI_CAPITARI
    | METODI_CONSUMO
    | METODI_MISTI
    | METODI_PACCHETTO
    | {CENTO_PER_CENTO_COMUNE, TARIFFA_PER_UNITA}
)

DESCRIZIONE_METODO = {
    CAPITARIA: "quota capitaria",
    CAPITARIA_NETTO_TARIFFE: "quota capitaria al netto delle tariffe",
    CAPITARIA_EELL_PIU_SCUOLE: "quota capitaria (parte EE.LL.)",
    CAPITARIA_E_CONSUMO: "quota capitaria e consumo",
    CAPITARIA_PIU_INDIRETTA_SU_CONSUMO: "quota capitaria e ripartizione indiretta sul consumo",
    CONSUMO: "al consumo",
    CONSUMO_VALIDATO_UDV: "al consumo validato dall'Unità di Valutazione",
    CONSUMO_FINO_CAPIENZA: "al consumo sino a capienza del fondo",
    CONSUMO_VALIDATO_UDV_FINO_CAPIENZA: "validato UdV, al consumo sino a capienza del fondo",
    CENTO_PER_CENTO_COMUNE: "100% a un Comune",
    PACCHETTO_FISSO: "pacchetto fisso",
    TARIFFA_PER_UNITA: "tariffa × unità",
    ATTESE_PROGETTUALI: "secondo le attese progettuali",
    ATTESE_REGIONALI: "secondo le attese regionali",
    ATTESE_DISTRETTUALI: "secondo le attese distrettuali",
}


class ErroreRiparto(ValueError):
    """The inputs cannot be split; `errori` lists every problem found, in Italian."""

    def __init__(self, errori: list[str]):
        self.errori = list(errori)
        super().__init__("; ".join(self.errori))


# ---------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Servizio:
    codice: str
    nome: str
    metodo: str
    porta_costi_indiretti: bool = True
    costi_indiretti_speciali: Decimal | None = None  # replaces the share of the overhead pool
    data_popolazione: str = ""  # the key of the population snapshot (e.g. "2022-01-01")
    quota_capitaria: Decimal | None = None  # mixed methods: the fraction split per capita (0..1)
    # So.Le.'s team rule: `quota_equipe_non_conferenti` (e.g. 0.20) of the team cost `costo_equipe`
    # (part of the direct cost) is assigned to the Comuni that do not confer the service and paid
    # for them by the fund `fondo_equipe_non_conferenti` (e.g. FNPS): it lowers the conferring
    # Comuni's share and costs the non-conferring ones nothing.
    costo_equipe: Decimal | None = None
    quota_equipe_non_conferenti: Decimal | None = None
    fondo_equipe_non_conferenti: str = ""

    @property
    def quota_equipe(self) -> Decimal:
        """The amount of the team cost assigned to the non-conferring Comuni (0 without the rule)."""
        if self.quota_equipe_non_conferenti is None or self.costo_equipe is None:
            return ZERO
        return self.costo_equipe * self.quota_equipe_non_conferenti


@dataclass(frozen=True)
class Fondo:
    """An amount of a fund assigned to a service; `comuni` empty = it offsets the whole service."""

    codice: str
    servizio: str
    importo: Decimal
    comuni: frozenset[str] = frozenset()

    @property
    def vincolato(self) -> bool:
        return bool(self.comuni)


@dataclass(frozen=True)
class Tariffa:
    """A Comune (typically not a member) buying units of a service at a tariff."""

    servizio: str
    comune: str
    tariffa: Decimal
    unita: Decimal

    @property
    def importo(self) -> Decimal:
        return self.tariffa * self.unita


@dataclass(frozen=True)
class DatiRiparto:
    servizi: tuple[Servizio, ...]
    costi_diretti: Mapping[str, Decimal]
    conferimenti: Mapping[str, frozenset[str]]  # service -> Comuni that confer it
    fondi: tuple[Fondo, ...] = ()
    costi_indiretti: Decimal | None = None  # the overhead pool, split pro rata to direct cost
    aliquota_costi_indiretti: Decimal | None = None  # or a rate on the direct cost
    popolazione: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)  # date -> Comune -> n
    popolazione_servizio: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)  # override
    consumi: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)  # (service, Comune) -> units
    pacchetti: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)  # (service, Comune) -> €
    tariffe: tuple[Tariffa, ...] = ()
    nomi_comuni: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Parte:
    """One component of a Comune's gross share: weight / total weight × amount split."""

    descrizione: str  # "abitanti", "unità", "pacchetto", "tariffa × unità", "100%"
    peso: Decimal
    totale_pesi: Decimal
    importo_ripartito: Decimal
    importo: Decimal

    @property
    def quota(self) -> Decimal:
        return self.peso / self.totale_pesi if self.totale_pesi else ZERO


@dataclass(frozen=True)
class Spiegazione:
    comune: str
    servizio: str
    metodo: str
    parti: tuple[Parte, ...]
    quota_fondi_generali: Decimal  # the Comune's portion of the unrestricted funds (informative)
    lordo: Decimal  # the share before restricted funds
    fondi_vincolati: tuple[tuple[str, Decimal], ...]
    non_arrotondato: Decimal
    arrotondamento: Decimal
    importo: int
    nota: str = ""


@dataclass(frozen=True)
class RigaProspetto:
    servizio: str
    nome: str
    diretti: Decimal
    indiretti: Decimal
    totale: Decimal
    fondi: tuple[tuple[str, Decimal], ...]
    comuni: Decimal  # the Comuni's share (unrounded)
    comuni_arrotondato: int


@dataclass(frozen=True)
class QuotaEquipe:
    """A non-conferring Comune's part of a service's team quota (per capita), paid by `fondo`."""

    comune: str
    servizio: str
    fondo: str
    abitanti: Decimal
    totale_abitanti: Decimal
    quota_ripartita: Decimal
    importo: Decimal


@dataclass(frozen=True)
class Risultato:
    prospetto: tuple[RigaProspetto, ...]
    importi: Mapping[tuple[str, str], int]  # (Comune, service) -> €
    spiegazioni: Mapping[tuple[str, str], Spiegazione]
    comuni: tuple[str, ...]
    servizi: tuple[str, ...]
    # So.Le.'s team rule: (non-conferring Comune, service) -> its part, paid by the fund
    quote_equipe: Mapping[tuple[str, str], QuotaEquipe] = field(default_factory=dict)

    def totale_servizio(self, servizio: str) -> int:
        return sum(v for (_c, s), v in self.importi.items() if s == servizio)

    def totale_comune(self, comune: str) -> int:
        return sum(v for (c, _s), v in self.importi.items() if c == comune)

    @property
    def totale(self) -> int:
        return sum(self.importi.values())

    def righe(self):
        """(Comune, service, €) in a stable order: by Comune code, then by service order."""
        ordine = {s: i for i, s in enumerate(self.servizi)}
        return sorted(((c, s, v) for (c, s), v in self.importi.items()), key=lambda r: (r[0], ordine[r[1]]))


# ------------------------------------------------------------------------------------- rounding


def _it(x: Decimal) -> str:
    """Italian number format with two decimals, for explanation texts ("87.331,08")."""
    return numero_it(x)


def arrotonda_euro(x: Decimal) -> int:
    return int(x.quantize(UNO, rounding=ROUND_HALF_UP))


def hamilton(quote: Mapping[str, Decimal], totale: int) -> dict[str, int]:
    """Round `quote` to integers summing to `totale` by largest remainder; ties by key."""
    base = {k: int(v.to_integral_value(rounding=ROUND_FLOOR)) for k, v in quote.items()}
    resto = totale - sum(base.values())
    if resto < 0 or resto > len(quote):
        raise ErroreRiparto(
            [f"arrotondamento impossibile: {totale} su quote che sommano {sum(quote.values())}"]
        )
    ordine = sorted(quote, key=lambda k: (-(quote[k] - base[k]), k))
    for k in ordine[:resto]:
        base[k] += 1
    return base


# ----------------------------------------------------------------------------------------- core


def costi_indiretti_per_servizio(dati: DatiRiparto) -> dict[str, Decimal]:
    """Overhead per service: the special amount, or the pool pro rata to the direct cost, or the rate."""
    portano = [s for s in dati.servizi if s.porta_costi_indiretti and s.costi_indiretti_speciali is None]
    base = sum((dati.costi_diretti.get(s.codice, ZERO) for s in portano), ZERO)
    out: dict[str, Decimal] = {}
    for s in dati.servizi:
        diretti = dati.costi_diretti.get(s.codice, ZERO)
        if s.costi_indiretti_speciali is not None:
            out[s.codice] = s.costi_indiretti_speciali
        elif not s.porta_costi_indiretti:
            out[s.codice] = ZERO
        elif dati.costi_indiretti is not None:
            out[s.codice] = dati.costi_indiretti * diretti / base if base else ZERO
        elif dati.aliquota_costi_indiretti is not None:
            out[s.codice] = dati.aliquota_costi_indiretti * diretti
        else:
            out[s.codice] = ZERO
    return out


def _valida(dati: DatiRiparto, indiretti: Mapping[str, Decimal]) -> list[str]:
    errori: list[str] = []
    codici = [s.codice for s in dati.servizi]
    if len(set(codici)) != len(codici):
        errori.append("codici di servizio duplicati")
    noti = set(codici)
    for s in dati.servizi:
        if s.metodo not in METODI:
            errori.append(f"servizio {s.codice}: metodo di riparto sconosciuto «{s.metodo}»")
        if s.metodo in METODI_MISTI and (s.quota_capitaria is None or not ZERO <= s.quota_capitaria <= UNO):
            errori.append(f"servizio {s.codice}: il metodo misto richiede una quota capitaria tra 0 e 1")
        if s.quota_equipe_non_conferenti is not None:
            q, equipe = s.quota_equipe_non_conferenti, s.costo_equipe
            if not ZERO <= q <= UNO:
                errori.append(
                    f"servizio {s.codice}: la quota d'équipe dei non conferenti deve essere tra 0 e 1"
                )
            if equipe is None:
                errori.append(
                    f"servizio {s.codice}: la quota d'équipe dei non conferenti richiede il costo d'équipe"
                )
            elif not ZERO <= equipe <= dati.costi_diretti.get(s.codice, ZERO):
                errori.append(
                    f"servizio {s.codice}: il costo d'équipe ({equipe}) deve essere tra 0 e il costo diretto"
                )
            if not s.fondo_equipe_non_conferenti:
                errori.append(
                    f"servizio {s.codice}: manca il fondo che paga la quota d'équipe dei non conferenti"
                )
    for chiave, v in dati.costi_diretti.items():
        if v < 0:
            errori.append(f"servizio {chiave}: costo diretto negativo")
    for f in dati.fondi:
        if f.servizio not in noti:
            errori.append(f"fondo {f.codice}: servizio sconosciuto {f.servizio}")
        if f.importo < 0:
            errori.append(f"fondo {f.codice} sul servizio {f.servizio}: importo negativo")
    for s, c in list(dati.consumi) + list(dati.pacchetti):
        if s not in noti:
            errori.append(f"servizio sconosciuto {s} (consumi o pacchetti del Comune {c})")
        elif c not in dati.conferimenti.get(s, frozenset()):
            errori.append(f"il Comune {c} non conferisce il servizio {s} ma ha consumi o pacchetti")
    for (s, c), v in list(dati.consumi.items()) + list(dati.pacchetti.items()):
        if v < 0:
            errori.append(f"servizio {s}, Comune {c}: valore negativo")
    for t in dati.tariffe:
        if t.servizio not in noti:
            errori.append(f"tariffa del Comune {t.comune}: servizio sconosciuto {t.servizio}")
        if t.tariffa < 0 or t.unita < 0:
            errori.append(f"tariffa del Comune {t.comune} sul servizio {t.servizio}: valore negativo")
    for s in dati.servizi:
        totale = dati.costi_diretti.get(s.codice, ZERO) + indiretti.get(s.codice, ZERO)
        fondi = sum((f.importo for f in dati.fondi if f.servizio == s.codice), ZERO) + s.quota_equipe
        if fondi > totale:
            errori.append(
                f"servizio {s.codice}: i fondi ({fondi}) superano il costo totale "
                f"({totale.quantize(Decimal('0.01'))})"
            )
    return errori


def calcola(dati: DatiRiparto) -> Risultato:
    """The riparto of every service; raises `ErroreRiparto` listing every problem."""
    indiretti = costi_indiretti_per_servizio(dati)
    errori = _valida(dati, indiretti)
    if errori:
        raise ErroreRiparto(errori)

    prospetto: list[RigaProspetto] = []
    importi: dict[tuple[str, str], int] = {}
    spiegazioni: dict[tuple[str, str], Spiegazione] = {}
    quote_equipe: dict[tuple[str, str], QuotaEquipe] = {}
    for s in dati.servizi:
        try:
            riga, sp = _calcola_servizio(dati, s, indiretti[s.codice])
            for q in quote_equipe_servizio(dati, s):
                quote_equipe[(q.comune, s.codice)] = q
        except ErroreRiparto as e:
            errori.extend(e.errori)
            continue
        prospetto.append(riga)
        for c, x in sp.items():
            importi[(c, s.codice)] = x.importo
            spiegazioni[(c, s.codice)] = x
    if errori:
        raise ErroreRiparto(errori)
    comuni = tuple(sorted({c for c, _s in importi}))
    risultato = Risultato(
        prospetto=tuple(prospetto),
        importi=importi,
        spiegazioni=spiegazioni,
        comuni=comuni,
        servizi=tuple(s.codice for s in dati.servizi),
        quote_equipe=quote_equipe,
    )
    _verifica_identita(risultato)
    return risultato


def _verifica_identita(r: Risultato) -> None:
    for riga in r.prospetto:
        if riga.diretti + riga.indiretti != riga.totale:
            raise AssertionError(f"{riga.servizio}: diretti + indiretti ≠ totale")
        if sum((v for _f, v in riga.fondi), ZERO) + riga.comuni != riga.totale:
            raise AssertionError(f"{riga.servizio}: fondi + comuni ≠ totale")
        if r.totale_servizio(riga.servizio) != riga.comuni_arrotondato:
            raise AssertionError(f"{riga.servizio}: la colonna non quadra")
    if sum(riga.comuni_arrotondato for riga in r.prospetto) != r.totale:
        raise AssertionError("il totale generale non quadra")


def _calcola_servizio(
    dati: DatiRiparto, s: Servizio, indiretti: Decimal
) -> tuple[RigaProspetto, dict[str, Spiegazione]]:
    diretti = dati.costi_diretti.get(s.codice, ZERO)
    totale = diretti + indiretti
    fondi = [f for f in dati.fondi if f.servizio == s.codice]
    if s.quota_equipe:
        # the team quota of the non-conferring Comuni, paid by its fund: an unrestricted offset
        fondi.append(Fondo(s.fondo_equipe_non_conferenti, s.codice, s.quota_equipe))
    generali = sum((f.importo for f in fondi if not f.vincolato), ZERO)
    netto = totale - generali  # what the Comuni pay before restricted funds
    partecipanti = sorted(dati.conferimenti.get(s.codice, frozenset()))

    # 1. fixed charges first: tariff × units (also for non-conferring Comuni) and packages
    fissi: dict[str, list[Parte]] = {}
    for t in dati.tariffe:
        if t.servizio == s.codice and s.metodo != TARIFFA_PER_UNITA:
            fissi.setdefault(t.comune, []).append(
                Parte("tariffa × unità", t.unita, t.tariffa, t.importo, t.importo)
            )
    if s.metodo not in METODI_PACCHETTO:
        for c in partecipanti:
            p = dati.pacchetti.get((s.codice, c))
            if p:
                fissi.setdefault(c, []).append(Parte("pacchetto", p, p, p, p))
    somma_fissi = sum((x.importo for parti in fissi.values() for x in parti), ZERO)
    da_ripartire = netto - somma_fissi
    if da_ripartire < 0:
        raise ErroreRiparto(
            [f"servizio {s.codice}: tariffe e pacchetti ({somma_fissi}) superano il costo al netto dei fondi"]
        )

    # 2. the method splits the rest among the participating Comuni
    parti = _parti_metodo(dati, s, partecipanti, da_ripartire)
    for c, lista in fissi.items():
        parti.setdefault(c, []).extend(lista)
    lordo = {c: sum((x.importo for x in lista), ZERO) for c, lista in parti.items()}

    # 3. restricted funds lower only the eligible Comuni's shares, pro rata to them
    vincolati: dict[str, list[tuple[str, Decimal]]] = {c: [] for c in lordo}
    residuo = dict(lordo)
    for f in fondi:
        if not f.vincolato:
            continue
        ammessi = [c for c in sorted(residuo) if c in f.comuni]
        base = sum((residuo[c] for c in ammessi), ZERO)
        if f.importo > base:
            raise ErroreRiparto(
                [
                    f"servizio {s.codice}: il fondo vincolato {f.codice} ({f.importo}) supera la quota dei "
                    f"Comuni ammessi ({base.quantize(Decimal('0.01'))})"
                ]
            )
        for c in ammessi:
            quota = f.importo * residuo[c] / base if base else ZERO
            residuo[c] -= quota
            vincolati[c].append((f.codice, quota))

    comuni_totale = totale - sum((f.importo for f in fondi), ZERO)
    arrotondato = arrotonda_euro(comuni_totale)
    if residuo:
        interi = hamilton(residuo, arrotondato)
    elif arrotondato != 0:
        raise ErroreRiparto(
            [f"servizio {s.codice}: {arrotondato} € da ripartire ma nessun Comune lo conferisce"]
        )
    else:
        interi = {}
    base_generali = sum(lordo.values(), ZERO)
    nota = (
        f"La quota d'équipe dei Comuni che non conferiscono il servizio "
        f"({_it(s.quota_equipe_non_conferenti * 100)}% di {_it(s.costo_equipe)} € = {_it(s.quota_equipe)} €) "
        f"è pagata dal fondo {s.fondo_equipe_non_conferenti} e riduce il costo ripartito tra i Comuni "
        "che lo conferiscono."
        if s.quota_equipe
        else ""
    )
    spiegazioni = {
        c: Spiegazione(
            comune=c,
            servizio=s.codice,
            metodo=s.metodo,
            parti=tuple(parti[c]),
            quota_fondi_generali=(generali * lordo[c] / base_generali) if base_generali else ZERO,
            lordo=lordo[c],
            fondi_vincolati=tuple(vincolati[c]),
            non_arrotondato=residuo[c],
            arrotondamento=Decimal(interi[c]) - residuo[c],
            importo=interi[c],
            nota=nota,
        )
        for c in residuo
    }
    riga = RigaProspetto(
        servizio=s.codice,
        nome=s.nome,
        diretti=diretti,
        indiretti=indiretti,
        totale=totale,
        fondi=tuple((f.codice, f.importo) for f in fondi),
        comuni=comuni_totale,
        comuni_arrotondato=arrotondato,
    )
    return riga, spiegazioni


def quote_equipe_servizio(dati: DatiRiparto, s: Servizio) -> list[QuotaEquipe]:
    """Split a service's team quota among the Comuni that do not confer it, per capita at the
    service's population date (informative: the fund pays it, they are charged nothing)."""
    if not s.quota_equipe:
        return []
    conferenti = dati.conferimenti.get(s.codice, frozenset())
    snap = dati.popolazione.get(s.data_popolazione, {})
    altri = {c: n for c, n in sorted(snap.items()) if c not in conferenti}
    if not altri:
        raise ErroreRiparto(
            [
                f"servizio {s.codice}: la quota d'équipe dei non conferenti richiede la popolazione al "
                f"{s.data_popolazione or '?'} di almeno un Comune che non conferisce il servizio"
            ]
        )
    tot = sum(altri.values(), ZERO)
    return [
        QuotaEquipe(
            comune=c,
            servizio=s.codice,
            fondo=s.fondo_equipe_non_conferenti,
            abitanti=n,
            totale_abitanti=tot,
            quota_ripartita=s.quota_equipe,
            importo=s.quota_equipe * n / tot if tot else ZERO,
        )
        for c, n in altri.items()
    ]


def _pesi(importo: Decimal, pesi: Mapping[str, Decimal], descrizione: str) -> dict[str, list[Parte]]:
    tot = sum(pesi.values(), ZERO)
    return {
        c: [Parte(descrizione, p, tot, importo, importo * p / tot if tot else ZERO)] for c, p in pesi.items()
    }


def _popolazione(dati: DatiRiparto, s: Servizio, partecipanti: list[str]) -> dict[str, Decimal]:
    snap = dati.popolazione.get(s.data_popolazione, {})
    out: dict[str, Decimal] = {}
    errori = []
    for c in partecipanti:
        if (s.codice, c) in dati.popolazione_servizio:
            out[c] = dati.popolazione_servizio[(s.codice, c)]
        elif c in snap:
            out[c] = snap[c]
        else:
            errori.append(
                f"servizio {s.codice}: manca la popolazione del Comune {c} al {s.data_popolazione or '?'}"
            )
    if errori:
        raise ErroreRiparto(errori)
    return out


def _parti_metodo(
    dati: DatiRiparto, s: Servizio, partecipanti: list[str], importo: Decimal
) -> dict[str, list[Parte]]:
    if not partecipanti:
        if importo:
            raise ErroreRiparto(
                [f"servizio {s.codice}: {importo} € da ripartire ma nessun Comune lo conferisce"]
            )
        return {}

    def consumi() -> dict[str, Decimal]:
        return {c: dati.consumi.get((s.codice, c), ZERO) for c in partecipanti}

    def richiedi(pesi: Mapping[str, Decimal], quanto: Decimal, cosa: str) -> None:
        if quanto and not sum(pesi.values(), ZERO):
            raise ErroreRiparto([f"servizio {s.codice}: {cosa} dei Comuni partecipanti sono tutti zero"])

    if s.metodo in METODI_CAPITARI:
        pop = _popolazione(dati, s, partecipanti)
        richiedi(pop, importo, "gli abitanti")
        return _pesi(importo, pop, "abitanti")
    if s.metodo in METODI_CONSUMO:
        u = consumi()
        richiedi(u, importo, "i consumi")
        return _pesi(importo, u, "unità")
    if s.metodo in METODI_MISTI:
        alfa = s.quota_capitaria if s.quota_capitaria is not None else UNO
        pop = _popolazione(dati, s, partecipanti)
        u = consumi()
        richiedi(pop, importo * alfa, "gli abitanti")
        richiedi(u, importo * (UNO - alfa), "i consumi")
        a = _pesi(importo * alfa, pop, "abitanti")
        b = _pesi(importo * (UNO - alfa), u, "unità")
        return {c: a[c] + b[c] for c in partecipanti}
    if s.metodo == CENTO_PER_CENTO_COMUNE:
        if len(partecipanti) != 1:
            raise ErroreRiparto(
                [
                    f"servizio {s.codice}: il metodo 100% a un Comune richiede un solo Comune, "
                    f"trovati {len(partecipanti)}"
                ]
            )
        return {partecipanti[0]: [Parte("100%", UNO, UNO, importo, importo)]}
    if s.metodo == TARIFFA_PER_UNITA:
        pesi = {c: ZERO for c in partecipanti}
        for t in dati.tariffe:
            if t.servizio == s.codice:
                pesi[t.comune] = pesi.get(t.comune, ZERO) + t.importo
        richiedi(pesi, importo, "gli importi tariffa × unità")
        return _pesi(importo, pesi, "tariffa × unità (€)")
    # packages (pacchetto fisso, attese): the amounts, rescaled to what is to be paid
    pesi = {c: dati.pacchetti.get((s.codice, c), ZERO) for c in partecipanti}
    richiedi(pesi, importo, "i pacchetti")
    return _pesi(importo, pesi, "pacchetto (€)")
