"""Demographic indices of the Piano di Zona (domain note 004, §2.2), pure arithmetic.

No Django here: the selectors turn database rows into `Conteggi` and call these functions.
All arithmetic is Decimal and unrounded; `arrotonda` rounds HALF_UP to two decimals and is
applied only when a value is shown or exported. An index whose denominator is zero, or whose
events (births, deaths) are unknown, is None: shown empty, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import accumulate
from operator import add

ETA_MASSIMA = 100  # last class = 100 and over
NUMERO_ETA = ETA_MASSIMA + 1
CENTO = Decimal(100)
MILLE = Decimal(1000)
DUE_DECIMALI = Decimal("0.01")

NOMI_INDICI = (
    "indice_vecchiaia",
    "indice_dipendenza",
    "indice_ricambio",
    "indice_struttura",
    "carico_figli",
    "natalita",
    "mortalita",
)


@dataclass(frozen=True)
class Conteggi:
    """Residents of one area by age class and sex: single ages 0..100 (100 = 100 and over).

    `passo=5` holds the same population in 21 five-year classes (0-4 … 95-99, 100+): every
    index of the Piano di Zona uses ranges aligned on 5 years, so it gives the same results
    with a fifth of the data. Asking a 5-year Conteggi for an unaligned range is an error.
    """

    maschi: tuple[int, ...]
    femmine: tuple[int, ...]
    passo: int = 1

    def __post_init__(self):
        if self.passo not in (1, 5):
            raise ValueError("passo: 1 (età singole) o 5 (classi quinquennali)")
        classi = ETA_MASSIMA // self.passo + 1
        if len(self.maschi) != classi or len(self.femmine) != classi:
            raise ValueError(f"servono {classi} classi di età per sesso")
        if min(self.maschi) < 0 or min(self.femmine) < 0:
            raise ValueError("i conteggi non possono essere negativi")
        # Running totals make every age-range sum O(1) (not part of equality or repr).
        object.__setattr__(self, "_cum_m", (0, *accumulate(self.maschi)))
        object.__setattr__(self, "_cum_f", (0, *accumulate(self.femmine)))
        object.__setattr__(self, "_cum", tuple(map(add, self._cum_m, self._cum_f)))

    @classmethod
    def vuoti(cls, passo: int = 1) -> Conteggi:
        classi = ETA_MASSIMA // passo + 1
        return cls((0,) * classi, (0,) * classi, passo)

    @classmethod
    def da_righe(cls, righe: Iterable[tuple[int, int, int]]) -> Conteggi:
        """From (eta, maschi, femmine) rows; ages not given count as 0."""
        m = [0] * NUMERO_ETA
        f = [0] * NUMERO_ETA
        for eta, maschi, femmine in righe:
            m[eta] += maschi
            f[eta] += femmine
        return cls(tuple(m), tuple(f))

    def quinquennali(self) -> Conteggi:
        """The same population in 5-year classes (class 20 = 100 and over)."""
        if self.passo == 5:
            return self
        fasce = [(da, da + 4) for da in range(0, ETA_MASSIMA, 5)] + [(ETA_MASSIMA, ETA_MASSIMA)]
        return Conteggi(
            tuple(self.maschi_tra(da, a) for da, a in fasce),
            tuple(self.femmine_tra(da, a) for da, a in fasce),
            passo=5,
        )

    def _classi(self, da: int, a: int) -> tuple[int, int]:
        if self.passo == 1:
            return da, a + 1
        if da % 5 or (a != ETA_MASSIMA and (a + 1) % 5):
            raise ValueError(f"l'intervallo {da}-{a} non è allineato alle classi quinquennali")
        return da // 5, a // 5 + 1

    def maschi_tra(self, da: int, a: int = ETA_MASSIMA) -> int:
        i, j = self._classi(da, a)
        return self._cum_m[j] - self._cum_m[i]

    def femmine_tra(self, da: int, a: int = ETA_MASSIMA) -> int:
        i, j = self._classi(da, a)
        return self._cum_f[j] - self._cum_f[i]

    def tra(self, da: int, a: int = ETA_MASSIMA) -> int:
        """Residents aged da..a inclusive (a=100 means "and over")."""
        i, j = self._classi(da, a)
        return self._cum[j] - self._cum[i]

    @property
    def totale(self) -> int:
        return self._cum[-1]

    @property
    def totale_maschi(self) -> int:
        return self._cum_m[-1]

    @property
    def totale_femmine(self) -> int:
        return self._cum_f[-1]

    def fasce_quinquennali(self) -> list[tuple[str, int, int]]:
        """(label, males, females) for 0-4 … 95-99 and 100+, for the population pyramid."""
        out = []
        for da in range(0, ETA_MASSIMA, 5):
            out.append((f"{da}-{da + 4}", self.maschi_tra(da, da + 4), self.femmine_tra(da, da + 4)))
        out.append((f"{ETA_MASSIMA}+", self.maschi_tra(ETA_MASSIMA), self.femmine_tra(ETA_MASSIMA)))
        return out


def somma(conteggi: Iterable[Conteggi], passo: int = 1) -> Conteggi:
    """Sum of areas counted with the same `passo` (the empty sum has `passo`)."""
    tutti = list(conteggi)
    if not tutti:
        return Conteggi.vuoti(passo)
    if len({c.passo for c in tutti}) != 1:
        raise ValueError("non si sommano conteggi per età singola e per classi quinquennali")
    return Conteggi(
        tuple(map(sum, zip(*(c.maschi for c in tutti), strict=True))),
        tuple(map(sum, zip(*(c.femmine for c in tutti), strict=True))),
        tutti[0].passo,
    )


def _rapporto(numeratore: int | Decimal, denominatore: int | Decimal, scala: Decimal) -> Decimal | None:
    # One correctly rounded division of exact operands: equal ratios give identical Decimals.
    if not denominatore:
        return None
    return Decimal(numeratore) * scala / Decimal(denominatore)


def indice_vecchiaia(c: Conteggi) -> Decimal | None:
    """P(65+) / P(0-14) × 100."""
    return _rapporto(c.tra(65), c.tra(0, 14), CENTO)


def indice_dipendenza(c: Conteggi) -> Decimal | None:
    """[P(0-14) + P(65+)] / P(15-64) × 100 (dipendenza strutturale)."""
    return _rapporto(c.tra(0, 14) + c.tra(65), c.tra(15, 64), CENTO)


def indice_ricambio(c: Conteggi) -> Decimal | None:
    """P(60-64) / P(15-19) × 100 (ricambio della popolazione attiva)."""
    return _rapporto(c.tra(60, 64), c.tra(15, 19), CENTO)


def indice_struttura(c: Conteggi) -> Decimal | None:
    """P(40-64) / P(15-39) × 100 (struttura della popolazione attiva)."""
    return _rapporto(c.tra(40, 64), c.tra(15, 39), CENTO)


def carico_figli(c: Conteggi) -> Decimal | None:
    """P(0-4) / F(15-49) × 100 (carico di figli per donna feconda)."""
    return _rapporto(c.tra(0, 4), c.femmine_tra(15, 49), CENTO)


def tasso_per_mille(eventi: int | None, popolazione: int | Decimal | None) -> Decimal | None:
    """Events per 1.000 inhabitants (natalità, mortalità); None when either is unknown."""
    if eventi is None or popolazione is None:
        return None
    return _rapporto(eventi, popolazione, MILLE)


@dataclass(frozen=True)
class Movimenti:
    """Births and deaths of the events year, and the population they are divided by.

    `denominatore` is chosen by the caller (mean population of the year when both ends are
    known, as ISTAT does, otherwise the population at the reference date).
    """

    nati: int | None = None
    morti: int | None = None
    denominatore: Decimal | None = None


@dataclass(frozen=True)
class Indici:
    indice_vecchiaia: Decimal | None
    indice_dipendenza: Decimal | None
    indice_ricambio: Decimal | None
    indice_struttura: Decimal | None
    carico_figli: Decimal | None
    natalita: Decimal | None
    mortalita: Decimal | None

    def come_dict(self) -> dict[str, Decimal | None]:
        return {nome: getattr(self, nome) for nome in NOMI_INDICI}

    def arrotondati(self) -> dict[str, Decimal | None]:
        return {nome: arrotonda(v) for nome, v in self.come_dict().items()}


def calcola_indici(c: Conteggi, movimenti: Movimenti | None = None) -> Indici:
    mov = movimenti or Movimenti()
    denominatore = mov.denominatore if mov.denominatore is not None else c.totale
    return Indici(
        indice_vecchiaia=indice_vecchiaia(c),
        indice_dipendenza=indice_dipendenza(c),
        indice_ricambio=indice_ricambio(c),
        indice_struttura=indice_struttura(c),
        carico_figli=carico_figli(c),
        natalita=tasso_per_mille(mov.nati, denominatore),
        mortalita=tasso_per_mille(mov.morti, denominatore),
    )


def media_popolazione(inizio: int | None, fine: int) -> Decimal:
    """ISTAT's mean population of a year: (P(1/1/Y) + P(1/1/Y+1)) / 2; falls back to `fine`."""
    if inizio is None:
        return Decimal(fine)
    return (Decimal(inizio) + Decimal(fine)) / 2


@dataclass(frozen=True)
class RigaComune:
    chiave: str  # ISTAT code
    nome: str
    conteggi: Conteggi
    movimenti: Movimenti = field(default_factory=Movimenti)
    nel_totale: bool = True  # counted in the AMBITO and MEDIA_COMUNI rows


@dataclass(frozen=True)
class RigaIndici:
    chiave: str
    nome: str
    popolazione: int | None
    indici: Indici


@dataclass(frozen=True)
class TabellaIndici:
    comuni: list[RigaIndici]
    ambito: RigaIndici
    media_comuni: RigaIndici


def _somma_opzionale(valori: Sequence[int | Decimal | None]) -> int | Decimal | None:
    # A total is known only if every part is: a missing Comune must not shrink the sum.
    if not valori or any(v is None for v in valori):
        return None
    return sum(valori)


def indici_ambito(righe: Sequence[RigaComune]) -> Indici:
    """Indices on the summed counts: the population-weighted value for the whole area.

    Natalità and mortalità for the area need the events of every Comune counted in it;
    if one Comune lacks them the area value is None rather than an understated rate.
    """
    conteggi = somma(r.conteggi for r in righe)
    denominatori = [
        r.movimenti.denominatore if r.movimenti.denominatore is not None else Decimal(r.conteggi.totale)
        for r in righe
    ]
    denominatore = sum(denominatori, Decimal(0))
    nati = _somma_opzionale([r.movimenti.nati for r in righe])
    morti = _somma_opzionale([r.movimenti.morti for r in righe])
    return calcola_indici(conteggi, Movimenti(nati=nati, morti=morti, denominatore=denominatore))


def media_semplice(indici: Sequence[Indici]) -> Indici:
    """Unweighted mean of the Comuni's unrounded indices, as the Piano di Zona prints it.

    Each index is averaged over the Comuni that have it (a Comune with no children under 15
    has no indice di vecchiaia and is left out of that mean only); None if no Comune has it.
    """
    valori = {}
    for nome in NOMI_INDICI:
        presenti = [getattr(i, nome) for i in indici if getattr(i, nome) is not None]
        if not presenti:
            valori[nome] = None
            continue
        # Sum exactly, then round once: the mean of equal values is that value.
        with localcontext() as ctx:
            ctx.prec = 80
            media = sum(presenti, Decimal(0)) / len(presenti)
        valori[nome] = +media
    return Indici(**valori)


def tabella(righe: Sequence[RigaComune]) -> TabellaIndici:
    """One row per Comune, then AMBITO (weighted) and MEDIA_COMUNI (unweighted mean).

    Only the rows with `nel_totale` enter the two summary rows.
    """
    per_comune = [
        RigaIndici(r.chiave, r.nome, r.conteggi.totale, calcola_indici(r.conteggi, r.movimenti))
        for r in righe
    ]
    nel_totale = [r for r in righe if r.nel_totale]
    indici_nel_totale = [ri.indici for r, ri in zip(righe, per_comune, strict=True) if r.nel_totale]
    ambito = RigaIndici(
        "AMBITO",
        "Ambito (ponderato sulla popolazione)",
        sum(r.conteggi.totale for r in nel_totale),
        indici_ambito(nel_totale),
    )
    media = RigaIndici(
        "MEDIA_COMUNI",
        "Media semplice dei Comuni, come nel Piano di Zona",
        None,
        media_semplice(indici_nel_totale),
    )
    return TabellaIndici(comuni=per_comune, ambito=ambito, media_comuni=media)


def arrotonda(valore: Decimal | None) -> Decimal | None:
    if valore is None:
        return None
    return valore.quantize(DUE_DECIMALI, rounding=ROUND_HALF_UP)


def formato_macchina(valore: Decimal | None) -> str:
    """Two decimals with a dot, empty when missing (CSV output)."""
    v = arrotonda(valore)
    return "" if v is None else f"{v:.2f}"
