"""Synthetic persons and households for the demo and the benchmarks (no ORM, no Django).

Everything is drawn from one `random.Random(seed)`, so a seed gives the same people on every
machine; the reference date is a parameter (default `DATA_RIFERIMENTO`) for the same reason.
Names come from hand-written lists in `data/nomi/`; codici fiscali from
`ambito.cartella.codice_fiscale.genera`, made unique with omocodia as the Agenzia does.

The foreign-born share and the countries follow the Piano di Zona 2025-2027 §2.1: 14.6% foreign
residents (16,523 of 112,991); Romania 3,013, Egitto 2,097, Filippine 1,266 are the only
counts in the text. The other weights are our estimates, shaped to its continental shares
(North Africa 22%, South America 19%, "5 countries above 1,000, 4 above 500").
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

from ambito.cartella.codice_fiscale import applica_omocodia, genera

DATI = Path(__file__).resolve().parent / "data"
NOMI = DATI / "nomi"
DATA_RIFERIMENTO = dt.date(2026, 1, 1)
QUOTA_ESTERA = 16523 / 112991

# Belfiore code -> (country as written in the Belfiore table, name group, weight).
STATI_ESTERI: dict[str, tuple[str, str, int]] = {
    "Z129": ("Romania", "romeno", 3013),
    "Z336": ("Egitto", "arabo", 2097),
    "Z216": ("Filippine", "filippino", 1266),
    "Z611": ("Peru'", "ispanico", 1150),
    "Z330": ("Marocco", "arabo", 1100),
    "Z605": ("Ecuador", "ispanico", 900),
    "Z100": ("Albania", "albanese", 800),
    "Z138": ("Ucraina", "est", 650),
    "Z210": ("Repubblica Popolare Cinese", "cinese", 550),
    "Z352": ("Tunisia", "arabo", 420),
    "Z343": ("Senegal", "africano", 380),
    "Z236": ("Pakistan", "sudasiatico", 330),
    "Z209": ("Sri Lanka", "sudasiatico", 320),
    "Z140": ("Moldova", "est", 300),
    "Z249": ("Bangladesh", "sudasiatico", 260),
    "Z601": ("Bolivia", "ispanico", 250),
    "Z222": ("India", "sudasiatico", 230),
    "Z335": ("Nigeria", "africano", 220),
    "Z602": ("Brasile", "ispanico", 200),
    "Z604": ("Colombia", "ispanico", 180),
    "Z104": ("Bulgaria", "europeo", 160),
    "Z127": ("Polonia", "europeo", 150),
    "Z313": ("Costa D'Avorio", "africano", 130),
}

# Italian birthplaces besides the residence Comune: Milan's and Vizzolo's hospitals, and the
# internal migration of the 1950s-70s (weights are ours, for plausibility only).
LUOGHI_ITALIANI: dict[str, int] = {
    "F205": 300,  # Milano
    "M102": 80,  # Vizzolo Predabissi (hospital)
    "F100": 40,  # Melegnano
    "E648": 30,  # Lodi
    "G388": 20,  # Pavia
    "F839": 40,  # Napoli
    "G273": 30,  # Palermo
    "A662": 30,  # Bari
    "D643": 20,  # Foggia
    "C351": 20,  # Catania
    "H224": 20,  # Reggio di Calabria
    "D086": 10,  # Cosenza
    "H703": 10,  # Salerno
    "H501": 20,  # Roma
    "L219": 10,  # Torino
    "A794": 10,  # Bergamo
    "B157": 10,  # Brescia
    "D150": 10,  # Cremona
    "B429": 10,  # Caltanissetta
    "A089": 10,  # Agrigento
    "E506": 10,  # Lecce
    "L049": 10,  # Taranto
    "G942": 10,  # Potenza
    "I452": 5,  # Sassari
    "B354": 5,  # Cagliari
    "F158": 10,  # Messina
}
QUOTA_NATI_NEL_COMUNE = 0.25

PREFISSI_MOBILI = (
    "320 324 327 328 329 330 331 333 334 335 336 338 339 340 342 345 346 347 348 349 "
    "350 351 366 370 371 377 380 388 389 391 392 393"
).split()

RUOLI_NUCLEO = ("intestatario", "coniuge", "figlio", "altro")
# Household size distribution, roughly ISTAT's for Lombardy (1 to 5 members).
_DIMENSIONI = (1, 2, 3, 4, 5)
_PESI_DIMENSIONI = (33, 27, 19, 15, 6)


@dataclass(frozen=True)
class Persona:
    id: int
    cognome: str
    nome: str
    sesso: str
    data_nascita: dt.date
    codice_belfiore_nascita: str
    nato_estero: bool
    cittadinanza: str  # "Italia" or the country's Belfiore name
    codice_fiscale: str
    comune_residenza: str  # codice ISTAT
    indirizzo: str
    telefono: str
    isee: Decimal | None

    def eta(self, oggi: dt.date = DATA_RIFERIMENTO) -> int:
        anni = oggi.year - self.data_nascita.year
        return anni - ((oggi.month, oggi.day) < (self.data_nascita.month, self.data_nascita.day))


@dataclass(frozen=True)
class Componente:
    persona: Persona
    ruolo: str  # one of RUOLI_NUCLEO


@dataclass(frozen=True)
class Nucleo:
    id: int
    comune_residenza: str
    indirizzo: str
    componenti: tuple[Componente, ...]

    @property
    def intestatario(self) -> Persona:
        return self.componenti[0].persona


def _leggi_elenco(nome: str) -> list[str]:
    righe = (r.strip() for r in (NOMI / nome).read_text(encoding="utf-8").splitlines())
    # dict.fromkeys: dedupe, keeping the first (most common) position.
    return list(dict.fromkeys(r for r in righe if r and not r.startswith("#")))


@lru_cache(maxsize=1)
def elenchi_nomi() -> dict[str, dict[str, list[str]]]:
    """Name lists by group ("italiano", "romeno", ...) and kind: M, F (first names), C (surnames)."""
    gruppi: dict[str, dict[str, list[str]]] = {
        "italiano": {
            "M": _leggi_elenco("nomi_maschili.txt"),
            "F": _leggi_elenco("nomi_femminili.txt"),
            "C": _leggi_elenco("cognomi.txt"),
        }
    }
    for riga in _leggi_elenco("stranieri.txt"):
        gruppo, tipo, valori = riga.split("|")
        gruppi.setdefault(gruppo, {})[tipo] = list(dict.fromkeys(v.strip() for v in valori.split(",")))
    return gruppi


@lru_cache(maxsize=1)
def vie() -> list[str]:
    return _leggi_elenco("vie.txt")


@lru_cache(maxsize=1)
def belfiore_comuni_demo() -> dict[str, str]:
    """codice ISTAT -> Belfiore code of the demo Comuni."""
    with (DATI / "comuni_demo.csv").open(encoding="utf-8") as f:
        return {r["codice_istat"]: r["codice_catastale"] for r in csv.DictReader(f)}


def pesi_comuni_demo(file: str = "popolazione_2023-01-01.csv") -> dict[str, int]:
    """Resident population per demo Comune (ISTAT), handy as residence weights."""
    pesi: dict[str, int] = defaultdict(int)
    with (DATI / file).open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            pesi[r["codice_istat"]] += int(r["maschi"]) + int(r["femmine"])
    return dict(pesi)


def _peso_eta(eta: int) -> float:
    # Flat to 60, then thinning out: a plausible shape, not a life table.
    return 1.0 if eta < 60 else math.exp(-(((eta - 60) / 18) ** 2))


class _Estrattore:
    """Weighted choice with precomputed cumulative weights (random.choices recomputes them)."""

    def __init__(self, valori, pesi):
        self.valori = list(valori)
        self.cumulati = list(accumulate(pesi))
        if not self.valori or self.cumulati[-1] <= 0:
            raise ValueError("Servono valori con peso positivo")

    def __call__(self, rng: random.Random):
        return rng.choices(self.valori, cum_weights=self.cumulati)[0]


def _zipf(valori: list[str]) -> _Estrattore:
    # Lists are written roughly most-common first: favour the top without ignoring the tail.
    return _Estrattore(valori, [1 / (i + 8) for i in range(len(valori))])


def _telefono(rng: random.Random) -> str:
    if rng.random() < 0.85:
        return f"{rng.choice(PREFISSI_MOBILI)} {rng.randrange(10**6, 10**7)}"
    return f"02 {rng.randrange(9000, 9900)} {rng.randrange(10**3, 10**4)}"


def _indirizzo(rng: random.Random, strade: list[str]) -> str:
    civico = int(rng.paretovariate(1.2)) if rng.random() < 0.7 else rng.randrange(1, 200)
    civico = min(max(civico, 1), 250)
    suffisso = "/A" if rng.random() < 0.04 else ""
    return f"{rng.choice(strade)} {civico}{suffisso}"


def _isee(rng: random.Random) -> Decimal:
    if rng.random() < 0.03:
        return Decimal("0.00")
    valore = min(rng.lognormvariate(math.log(12000), 0.75), 150000.0)
    return Decimal(f"{valore:.2f}")


class _CodiciUnici:
    """Hands out codici fiscali, resolving clashes with omocodia (levels 1 to 7)."""

    def __init__(self):
        self.usati: set[str] = set()

    def __call__(self, **dati) -> str:
        cf = genera(**dati)
        livello = 0
        while cf in self.usati:
            livello += 1
            if livello > 7:
                raise ValueError(f"Troppi omocodici per {cf}")
            cf = applica_omocodia(cf, livello)
        self.usati.add(cf)
        return cf


def genera_persone(
    n: int,
    *,
    seed: int = 0,
    comuni: dict[str, float] | None = None,
    eta_min: int = 0,
    eta_max: int = 99,
    oggi: dt.date = DATA_RIFERIMENTO,
    quota_estera: float = QUOTA_ESTERA,
    quota_isee: float = 0.6,
    belfiore_comuni: dict[str, str] | None = None,
) -> list[Persona]:
    """`n` synthetic residents, deterministic for a given `seed`.

    `comuni` maps codice ISTAT -> weight (e.g. population; default: the demo Comuni's);
    `belfiore_comuni` maps the same codes to Belfiore codes, for people born where they live.
    Ages are in [eta_min, eta_max] at `oggi`. Above 99 the CF cannot tell the century.
    """
    if n < 0 or not 0 <= eta_min <= eta_max <= 110:
        raise ValueError("Parametri non validi: n >= 0 e 0 <= eta_min <= eta_max <= 110")
    rng = random.Random(seed)
    comuni = comuni if comuni is not None else pesi_comuni_demo()
    belfiore_comuni = belfiore_comuni if belfiore_comuni is not None else belfiore_comuni_demo()
    estrai_comune = _Estrattore(comuni.keys(), comuni.values())
    eta = list(range(eta_min, eta_max + 1))
    estrai_eta = _Estrattore(eta, [_peso_eta(e) for e in eta])
    estrai_stato = _Estrattore(STATI_ESTERI.keys(), [v[2] for v in STATI_ESTERI.values()])
    estrai_luogo = _Estrattore(LUOGHI_ITALIANI.keys(), LUOGHI_ITALIANI.values())
    elenchi = elenchi_nomi()
    estrattori = {(g, t): _zipf(v) for g, tipi in elenchi.items() for t, v in tipi.items()}
    strade = vie()
    codici = _CodiciUnici()
    oggi_ord = oggi.toordinal()

    persone = []
    for i in range(n):
        sesso = "F" if rng.random() < 0.51 else "M"
        anni = estrai_eta(rng)
        # Uniform within the year of age, never after `oggi`.
        nascita = dt.date.fromordinal(oggi_ord - int((anni + rng.random()) * 365.2425))
        comune = estrai_comune(rng)
        if rng.random() < quota_estera:
            stato = estrai_stato(rng)
            cittadinanza, gruppo, _ = STATI_ESTERI[stato]
            # Half of the foreign minors were born here.
            if anni < 18 and rng.random() < 0.5:
                luogo, estero = belfiore_comuni.get(comune) or "F205", False
            else:
                luogo, estero = stato, True
        else:
            cittadinanza, gruppo, estero = "Italia", "italiano", False
            if rng.random() < QUOTA_NATI_NEL_COMUNE and comune in belfiore_comuni:
                luogo = belfiore_comuni[comune]
            else:
                luogo = estrai_luogo(rng)
        cognome = estrattori[(gruppo, "C")](rng)
        nome = estrattori[(gruppo, sesso)](rng)
        persone.append(
            Persona(
                id=i + 1,
                cognome=cognome,
                nome=nome,
                sesso=sesso,
                data_nascita=nascita,
                codice_belfiore_nascita=luogo,
                nato_estero=estero,
                cittadinanza=cittadinanza,
                codice_fiscale=codici(
                    cognome=cognome, nome=nome, data_nascita=nascita, sesso=sesso, codice_belfiore=luogo
                ),
                comune_residenza=comune,
                indirizzo=_indirizzo(rng, strade),
                telefono=_telefono(rng),
                isee=_isee(rng) if rng.random() < quota_isee else None,
            )
        )
    return persone


def raggruppa_nuclei(
    persone: list[Persona], *, seed: int = 0, oggi: dt.date = DATA_RIFERIMENTO
) -> list[Nucleo]:
    """Group persons into households of the same Comune and citizenship.

    An adult heads each household; a spouse of the other sex born within 6 years, and children
    born 18-45 years after the head, fill it up to a size drawn from the household-size
    distribution. Members are re-issued (same id) with the household's address and ISEE, and
    children take the father's surname, or the head's without a father (their codice fiscale
    is recomputed). Minors left over join a household of their group, else of their Comune,
    as "altro". Every person ends up in exactly one household.
    """
    rng = random.Random(seed)
    codici = _CodiciUnici()
    codici.usati.update(p.codice_fiscale for p in persone)
    gruppi: dict[tuple[str, str], list[Persona]] = defaultdict(list)
    for p in persone:
        gruppi[(p.comune_residenza, p.cittadinanza)].append(p)

    nuclei: list[list[tuple[Persona, str]]] = []
    per_comune: dict[str, list[list[tuple[Persona, str]]]] = defaultdict(list)
    orfani: dict[str, list[Persona]] = defaultdict(list)
    for chiave in sorted(gruppi):
        membri = gruppi[chiave]
        rng.shuffle(membri)
        per_anno: dict[tuple[str, int], list[Persona]] = defaultdict(list)
        for p in membri:
            per_anno[(p.sesso, p.data_nascita.year)].append(p)
        presi: set[int] = set()

        def prendi(sesso: str, anno: int, per_anno=per_anno, presi=presi) -> Persona | None:
            # Lazy deletion: a list may still hold people taken as heads; skip them.
            lista = per_anno.get((sesso, anno))
            while lista:
                p = lista.pop()
                if p.id not in presi:
                    presi.add(p.id)
                    return p
            return None

        nuclei_gruppo = []
        for capo in membri:
            if capo.id in presi or capo.eta(oggi) < 18:
                continue
            presi.add(capo.id)
            nucleo = [(capo, "intestatario")]
            dimensione = rng.choices(_DIMENSIONI, weights=_PESI_DIMENSIONI)[0]
            if dimensione >= 2 and rng.random() < 0.8:
                altro_sesso = "F" if capo.sesso == "M" else "M"
                for delta in sorted(range(-6, 7), key=lambda _: rng.random()):
                    coniuge = prendi(altro_sesso, capo.data_nascita.year + delta)
                    if coniuge is not None:
                        if coniuge.eta(oggi) >= 18:
                            nucleo.append((coniuge, "coniuge"))
                            break
                        presi.discard(coniuge.id)  # too young: put back
                        per_anno[(altro_sesso, coniuge.data_nascita.year)].append(coniuge)
            anni_figli = list(range(capo.data_nascita.year + 18, capo.data_nascita.year + 46))
            rng.shuffle(anni_figli)
            for anno in anni_figli:
                if len(nucleo) >= dimensione:
                    break
                figlio = prendi(rng.choice("MF"), anno) or prendi("M", anno) or prendi("F", anno)
                if figlio is not None:
                    nucleo.append((figlio, "figlio"))
            nuclei_gruppo.append(nucleo)
        for p in membri:
            if p.id not in presi:
                presi.add(p.id)
                if nuclei_gruppo:
                    rng.choice(nuclei_gruppo).append((p, "altro"))
                else:
                    orfani[chiave[0]].append(p)
        nuclei.extend(nuclei_gruppo)
        per_comune[chiave[0]].extend(nuclei_gruppo)

    # Minors of a group with no adult live with a household of their Comune (relatives, foster
    # care); only when the Comune has no adult at all do they form households of their own.
    for comune in sorted(orfani):
        for p in orfani[comune]:
            if per_comune[comune]:
                rng.choice(per_comune[comune]).append((p, "altro"))
            else:
                nuclei.append([(p, "intestatario")])

    risultato = []
    for numero, nucleo in enumerate(nuclei, start=1):
        capo = nucleo[0][0]
        padre = next((p for p, r in nucleo if r in ("intestatario", "coniuge") and p.sesso == "M"), capo)
        componenti = []
        for p, ruolo in nucleo:
            nuovo = replace(p, indirizzo=capo.indirizzo, isee=capo.isee)
            if ruolo == "figlio" and p.cognome != padre.cognome:
                nuovo = replace(
                    nuovo,
                    cognome=padre.cognome,
                    codice_fiscale=codici(
                        cognome=padre.cognome,
                        nome=p.nome,
                        data_nascita=p.data_nascita,
                        sesso=p.sesso,
                        codice_belfiore=p.codice_belfiore_nascita,
                    ),
                )
            componenti.append(Componente(nuovo, ruolo))
        risultato.append(Nucleo(numero, capo.comune_residenza, capo.indirizzo, tuple(componenti)))
    return risultato


def persone_dei_nuclei(nuclei: list[Nucleo]) -> list[Persona]:
    """The persons as re-issued by `raggruppa_nuclei`, in id order."""
    return sorted((c.persona for n in nuclei for c in n.componenti), key=lambda p: p.id)
