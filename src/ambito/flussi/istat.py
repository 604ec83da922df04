"""Reads for the ISTAT survey on the Comuni's social services and for the SIOSS aggregates.

`indagine_istat(ambito, anno)`: users and spending of the year by ISTAT area di utenza,
macro-area, service and responsible Comune, from the non-annulled deliveries dated in the year,
each service placed through its catalogue crosswalks (`istat_area_utenza`, `istat_macroarea`).
`sioss(ambito, anno)`: persons in charge of the social service per Comune.

Both come with the statistical-confidentiality pattern of `segreto` computed on the whole
Ambito's table, so a Comune operator shown only its own column sees exactly what is published.
Constant number of queries whatever the number of deliveries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from ambito.cartella.models import Caso, Erogazione
from ambito.cartella.selectors.erogazioni import erogazioni_dell_anno
from ambito.catalogo.models import Corrispondenza, VoceCodice
from ambito.territorio.models import Ente

from . import segreto

ZERO = Decimal("0.00")
TABELLA_AREA = "istat_area_utenza"
TABELLA_MACRO = "istat_macroarea"
# The survey's order of the seven areas and three macro-areas (domain/anchors.md §3.4).
ORDINE_AREE = ["FAM", "DIS", "ADD", "ELD", "IMMNOM", "POV", "MULBEN"]
ORDINE_MACRO = ["interventi_servizi", "trasferimenti_denaro", "strutture"]
NON_CLASSIFICATA = "NC"

CONTEGGIO_UTENTI = (
    "Utenti: persone distinte che hanno ricevuto almeno un'erogazione del servizio nell'anno, "
    "attribuite al Comune responsabile del caso. Come nell'indagine ISTAT gli utenti sono contati "
    "per servizio: chi riceve due servizi è contato in entrambi, e i totali per area, per Comune e "
    "generale sono somme delle celle (non persone distinte)."
)
FONTE_SPESA = (
    "Spesa: erogazioni non annullate (né annullati l'intervento o il caso) con data di erogazione "
    "nell'anno. Spesa dei Comuni = quota ente; compartecipazione degli utenti = quota utente; "
    "compartecipazione SSN = quota SSN; spesa totale = somma delle tre."
)
DEFINIZIONE_SIOSS = (
    "Persone in carico al servizio sociale: persone distinte con almeno una presa in carico (caso non "
    "annullato) aperta in un qualsiasi giorno dell'anno (aperta entro il 31/12 e non chiusa prima "
    "del 1/1), attribuite al Comune responsabile del caso. Per area: area ISTAT del servizio del caso "
    "(una persona con casi in due aree è contata in entrambe; la colonna «Totale aree» ne è la "
    "somma). Nuove prese in carico: persone con un caso aperto nell'anno. Le persone in carico e il "
    "totale delle aree sono i totali del Comune e sono pubblicati; le celle per area e le nuove prese "
    "in carico seguono il segreto statistico."
)


@dataclass
class Valori:
    """Users and money of one cell or total; money splits as the survey asks."""

    utenti: int = 0
    erogazioni: int = 0
    spesa_comuni: Decimal = ZERO
    compartecipazione_utenti: Decimal = ZERO
    quota_ssn: Decimal = ZERO

    @property
    def spesa_totale(self) -> Decimal:
        return self.spesa_comuni + self.compartecipazione_utenti + self.quota_ssn

    def aggiungi(self, altro: Valori) -> None:
        self.utenti += altro.utenti
        self.erogazioni += altro.erogazioni
        self.spesa_comuni += altro.spesa_comuni
        self.compartecipazione_utenti += altro.compartecipazione_utenti
        self.quota_ssn += altro.quota_ssn


@dataclass
class ServizioIstat:
    id: int
    codice: str
    nome: str
    area: str
    macroarea: str
    macroarea_nome: str


@dataclass
class AreaIstat:
    codice: str
    nome: str
    servizi: list[ServizioIstat] = field(default_factory=list)


@dataclass
class NonClassificato:
    servizio_id: int
    codice: str
    nome: str
    motivo: str
    valori: Valori


@dataclass
class Indagine:
    anno: int
    aree: list[AreaIstat]
    comuni: list[Ente]
    celle: dict[tuple[int, int], Valori]  # (servizio_id, comune_id)
    per_area_comune: dict[tuple[str, int], Valori]
    per_servizio: dict[int, Valori]
    per_area: dict[str, Valori]
    per_macroarea: dict[tuple[str, str], Valori]  # (area, macro-area)
    per_comune: dict[int, Valori]
    totale: Valori
    non_classificati: list[NonClassificato]
    totale_non_classificati: Valori
    oscuramento: segreto.Oscuramento
    versioni: list[str]  # the crosswalk tables' versions used, for the Note sheet
    cambi_nell_anno: list[str]  # services whose ISTAT crosswalk changed during the year
    macroaree: list[tuple[str, str]] = field(default_factory=list)

    def oscurata(self, servizio_id: int, comune_id: int) -> bool:
        return ("s", servizio_id, comune_id) in self.oscuramento

    def oscurata_area(self, area: str, comune_id: int) -> bool:
        return ("g", area, comune_id) in self.oscuramento

    @property
    def servizi(self) -> list[ServizioIstat]:
        return [s for a in self.aree for s in a.servizi]

    def righe(self) -> list[dict]:
        """Long form: one row per (area, macro-area, service, Comune) with deliveries."""
        nomi = {c.pk: c for c in self.comuni}
        out = []
        for a in self.aree:
            for s in a.servizi:
                for c in self.comuni:
                    v = self.celle.get((s.id, c.pk))
                    if v is None:
                        continue
                    out.append(
                        {
                            "area": a,
                            "servizio": s,
                            "comune": nomi[c.pk],
                            "valori": v,
                            "oscurata": self.oscurata(s.id, c.pk),
                        }
                    )
        return out


def _euro(x) -> Decimal:
    """A database sum as cents (SQLite returns sums of decimals with spurious digits)."""
    return ZERO if x is None else Decimal(x).quantize(Decimal("0.01"))


def _anno(anno: int) -> tuple[dt.date, dt.date]:
    return dt.date(anno, 1, 1), dt.date(anno, 12, 31)


def classificazione(ambito, servizi_ids, anno: int) -> tuple[dict, dict, list[str], list[str]]:
    """For each service, {table: code} of the two ISTAT tables in the year (two queries).

    The crosswalk used is the one valid on the latest day of the year it covers, so a crosswalk
    ending mid-year still places the year's deliveries; services with more than one crosswalk
    in the year are reported. Denominations are those of the table version valid at 31/12 (or
    the latest valid in the year). Returns (codes, denominations, versions, changes).
    """
    dal, al = _anno(anno)
    scelte: dict[tuple[int, str], list] = defaultdict(list)
    for c in (
        Corrispondenza.objects.filter(
            ambito=ambito,
            servizio_id__in=list(servizi_ids),
            voce__tabella__codice__in=[TABELLA_AREA, TABELLA_MACRO],
            valido_dal__lte=al,
        )
        .filter(Q(valido_al__isnull=True) | Q(valido_al__gte=dal))
        .select_related("voce__tabella", "servizio")
    ):
        scelte[(c.servizio_id, c.voce.tabella.codice)].append(c)
    codici: dict[int, dict[str, str]] = defaultdict(dict)
    cambi = []
    for (sid, tabella), cc in scelte.items():
        cc.sort(key=lambda c: (min(c.valido_al or al, al), c.valido_dal))
        codici[sid][tabella] = cc[-1].voce.codice
        if len({c.voce.codice for c in cc}) > 1:
            s = cc[-1].servizio
            cambi.append(
                f"{s.codice} – {s.nome}: {tabella} cambiata nell'anno "
                f"({', '.join(c.voce.codice for c in cc)}); usata {cc[-1].voce.codice}"
            )
    denominazioni: dict[tuple[str, str], str] = {}
    inizio_versione: dict[str, dt.date] = {}
    for tabella, codice, denom, v_dal in (
        VoceCodice.objects.filter(tabella__codice__in=[TABELLA_AREA, TABELLA_MACRO], valido_dal__lte=al)
        .filter(Q(valido_al__isnull=True) | Q(valido_al__gte=dal))
        .order_by("valido_dal")
        .values_list("tabella__codice", "codice", "denominazione", "valido_dal")
    ):
        denominazioni[(tabella, codice)] = denom  # a later version overwrites an earlier one
        inizio_versione[tabella] = v_dal
    versioni = [
        f"{t}: versione valida dal {inizio_versione[t]:%d/%m/%Y}"
        for t in (TABELLA_AREA, TABELLA_MACRO)
        if t in inizio_versione
    ]
    return dict(codici), denominazioni, versioni, sorted(cambi)


def _erogazioni_anno(ambito, anno: int):
    return erogazioni_dell_anno(ambito, anno)


def _comuni(ambito, anno: int, ids) -> list[Ente]:
    """The Comuni of the table: members of the Ambito in the year, plus any responsible Ente
    found in the data (one query)."""
    return list(
        Ente.objects.filter(ambito=ambito)
        .filter(Q(pk__in=list(ids)) | Q(tipo="comune", adesioni__anno=anno, adesioni__membro_ambito=True))
        .distinct()
        .order_by("nome")
    )


def _ordine(codici: list[str], ordine: list[str]) -> list[str]:
    return sorted(codici, key=lambda c: (ordine.index(c) if c in ordine else len(ordine), c))


def indagine_istat(ambito, anno: int) -> Indagine:
    """The survey's table for `anno` (five queries whatever the number of deliveries)."""
    aggregate = list(
        _erogazioni_anno(ambito, anno)
        .values(
            "intervento__servizio_id",
            "intervento__servizio__codice",
            "intervento__servizio__nome",
            "intervento__caso__comune_responsabile_id",
        )
        .annotate(
            utenti=Count("intervento__caso__persona_id", distinct=True),
            n=Count("id"),
            quota_ente=Sum("quota_ente"),
            quota_utente=Sum("quota_utente"),
            quota_ssn=Sum("quota_ssn"),
        )
        .order_by()
    )
    servizi_ids = {r["intervento__servizio_id"] for r in aggregate}
    codici, denominazioni, versioni, cambi = classificazione(ambito, servizi_ids, anno)
    comuni = _comuni(ambito, anno, {r["intervento__caso__comune_responsabile_id"] for r in aggregate})

    celle: dict[tuple[int, int], Valori] = {}
    servizi: dict[int, ServizioIstat] = {}
    non_class: dict[int, NonClassificato] = {}
    for r in aggregate:
        sid, cid = r["intervento__servizio_id"], r["intervento__caso__comune_responsabile_id"]
        v = Valori(
            utenti=r["utenti"],
            erogazioni=r["n"],
            spesa_comuni=_euro(r["quota_ente"]),
            compartecipazione_utenti=_euro(r["quota_utente"]),
            quota_ssn=_euro(r["quota_ssn"]),
        )
        c = codici.get(sid, {})
        area, macro = c.get(TABELLA_AREA), c.get(TABELLA_MACRO)
        if area is None or macro is None:
            mancanti = [n for n, x in (("area di utenza", area), ("macro-area", macro)) if x is None]
            nc = non_class.setdefault(
                sid,
                NonClassificato(
                    sid,
                    r["intervento__servizio__codice"],
                    r["intervento__servizio__nome"],
                    "manca la corrispondenza ISTAT: " + " e ".join(mancanti),
                    Valori(),
                ),
            )
            nc.valori.aggiungi(v)
            continue
        servizi.setdefault(
            sid,
            ServizioIstat(
                sid,
                r["intervento__servizio__codice"],
                r["intervento__servizio__nome"],
                area,
                macro,
                denominazioni.get((TABELLA_MACRO, macro), macro),
            ),
        )
        celle[(sid, cid)] = v

    aree = []
    for codice in _ordine(list({s.area for s in servizi.values()}), ORDINE_AREE):
        a = AreaIstat(codice, denominazioni.get((TABELLA_AREA, codice), codice))
        a.servizi = sorted(
            (s for s in servizi.values() if s.area == codice),
            key=lambda s: (ORDINE_MACRO.index(s.macroarea) if s.macroarea in ORDINE_MACRO else 9, s.codice),
        )
        aree.append(a)

    per_area_comune: dict = defaultdict(Valori)
    per_servizio: dict = defaultdict(Valori)
    per_area: dict = defaultdict(Valori)
    per_macro: dict = defaultdict(Valori)
    per_comune: dict = defaultdict(Valori)
    totale = Valori()
    for (sid, cid), v in celle.items():
        s = servizi[sid]
        for d, k in (
            (per_area_comune, (s.area, cid)),
            (per_servizio, sid),
            (per_area, s.area),
            (per_macro, (s.area, s.macroarea)),
            (per_comune, cid),
        ):
            d[k].aggiungi(v)
        totale.aggiungi(v)
    totale_nc = Valori()
    for nc in non_class.values():
        totale_nc.aggiungi(nc.valori)

    sottogruppi: dict[str, dict[str, list[int]]] = {}
    for a in aree:
        for s in a.servizi:
            sottogruppi.setdefault(a.codice, {}).setdefault(s.macroarea, []).append(s.id)
    oscuramento = segreto.oscura_gerarchica(
        {(sid, cid): v.utenti for (sid, cid), v in celle.items()},
        {a.codice: [s.id for s in a.servizi] for a in aree},
        [c.pk for c in comuni],
        sottogruppi=sottogruppi,
    )
    macro_usate = _ordine(list({s.macroarea for s in servizi.values()}), ORDINE_MACRO)
    return Indagine(
        anno=anno,
        aree=aree,
        comuni=comuni,
        celle=celle,
        per_area_comune=dict(per_area_comune),
        per_servizio=dict(per_servizio),
        per_area=dict(per_area),
        per_macroarea=dict(per_macro),
        per_comune=dict(per_comune),
        totale=totale,
        non_classificati=sorted(non_class.values(), key=lambda n: n.codice),
        totale_non_classificati=totale_nc,
        oscuramento=oscuramento,
        versioni=versioni,
        cambi_nell_anno=cambi,
        macroaree=[(m, denominazioni.get((TABELLA_MACRO, m), m)) for m in macro_usate],
    )


# --- SIOSS ---------------------------------------------------------------------------------------


@dataclass
class RigaSioss:
    comune: Ente
    per_area: dict[str, int]
    totale_aree: int
    persone: int
    nuove: int


@dataclass
class Sioss:
    anno: int
    aree: list[tuple[str, str]]  # (code, name), NON_CLASSIFICATA last when present
    righe: list[RigaSioss]
    totale_per_area: dict[str, int]
    totale_aree: int
    persone: int  # distinct persons in the Ambito
    nuove: int
    oscuramento: segreto.Oscuramento

    def oscurata(self, comune_id: int, colonna: str) -> bool:
        """`colonna`: an area code or "nuove"."""
        if colonna == "nuove":
            return (colonna, comune_id) in self.oscuramento
        return ("a", comune_id, colonna) in self.oscuramento


def sioss(ambito, anno: int) -> Sioss:
    """Persons in charge per Comune in `anno` (four queries; one row per case read, no per-row
    query)."""
    dal, al = _anno(anno)
    casi = list(
        Caso.objects.filter(ambito=ambito, annullato_il__isnull=True, data_apertura__lte=al)
        .filter(Q(chiuso_il__isnull=True) | Q(chiuso_il__gte=dal))
        .values_list("comune_responsabile_id", "servizio_id", "persona_id", "data_apertura")
    )
    codici, denominazioni, _, _ = classificazione(ambito, {c[1] for c in casi}, anno)
    comuni = _comuni(ambito, anno, {c[0] for c in casi})
    per_area: dict[tuple[int, str], set] = defaultdict(set)
    persone: dict[int, set] = defaultdict(set)
    nuove: dict[int, set] = defaultdict(set)
    tutte, tutte_nuove = set(), set()
    for cid, sid, pid, apertura in casi:
        area = codici.get(sid, {}).get(TABELLA_AREA, NON_CLASSIFICATA)
        per_area[(cid, area)].add(pid)
        persone[cid].add(pid)
        tutte.add(pid)
        if apertura >= dal:
            nuove[cid].add(pid)
            tutte_nuove.add(pid)
    codici_aree = _ordine(list({a for _, a in per_area}), [*ORDINE_AREE, NON_CLASSIFICATA])
    aree = [
        (a, "Non classificata" if a == NON_CLASSIFICATA else denominazioni.get((TABELLA_AREA, a), a))
        for a in codici_aree
    ]
    righe = []
    for c in comuni:
        pa = {a: len(per_area.get((c.pk, a), ())) for a in codici_aree}
        righe.append(RigaSioss(c, pa, sum(pa.values()), len(persone.get(c.pk, ())), len(nuove.get(c.pk, ()))))
    totale_per_area = {a: sum(r.per_area[a] for r in righe) for a in codici_aree}
    # Every count is a cell, totals included. Areas add up to "Totale aree" (by Comune and
    # overall). Persons and new cases per Comune add up to the Ambito's only when nobody is in
    # charge of two Comuni: taken as additive, which suppresses at least as much as needed.
    valori: dict = {("TA",): sum(totale_per_area.values()), ("P",): len(tutte), ("N",): len(tutte_nuove)}
    relazioni: list[list] = []
    for r in righe:
        c = r.comune.pk
        for a in codici_aree:
            valori[("a", c, a)] = r.per_area[a]
        valori[("TA", c)], valori[("P", c)], valori[("nuove", c)] = r.totale_aree, r.persone, r.nuove
        relazioni.append([*(("a", c, a) for a in codici_aree), ("TA", c)])
    for a in codici_aree:
        valori[("TPA", a)] = totale_per_area[a]
        relazioni.append([*(("a", r.comune.pk, a) for r in righe), ("TPA", a)])
    relazioni.append([*(("TA", r.comune.pk) for r in righe), ("TA",)])
    relazioni.append([*(("TPA", a) for a in codici_aree), ("TA",)])
    relazioni.append([*(("P", r.comune.pk) for r in righe), ("P",)])
    relazioni.append([*(("nuove", r.comune.pk) for r in righe), ("N",)])
    return Sioss(
        anno=anno,
        aree=aree,
        righe=righe,
        totale_per_area=totale_per_area,
        totale_aree=valori[("TA",)],
        persone=len(tutte),
        nuove=len(tutte_nuove),
        oscuramento=segreto.oscura(valori, relazioni),
    )


# --- published tables: what the page shows and the XLSX writes, from one place ------------------

PRIMARIA = "≤2"  # a cell with 1 or 2 persons
SECONDARIA = "•"  # a cell suppressed so that totals do not give away a ≤2 cell
LEGENDA = (
    f"«{PRIMARIA}»: cella con 1 o 2 persone, non pubblicata. «{SECONDARIA}»: cella oscurata perché "
    "insieme ai totali non permetta di ricavare una cella con 1 o 2 persone. Gli importi di una "
    "cella oscurata sono oscurati con essa. 0 è pubblicato come 0."
)
USO_INTERNO = "USO INTERNO — non pubblicare: valori non oscurati (segreto statistico non applicato)"
SOLDI = [
    "Spesa dei Comuni (€)",
    "Compartecipazione utenti (€)",
    "Compartecipazione SSN (€)",
    "Spesa totale (€)",
]


@dataclass
class Riga:
    celle: list  # labels (str) then values: int, Decimal, or a marker string
    stile: str = ""  # "" | "gruppo" | "totale"


@dataclass
class Tabella:
    chiave: str
    titolo: str
    intestazioni: list[str]
    tipi: list[str]  # per column: "testo" | "intero" | "euro"
    righe: list[Riga]


def soldi(v: Valori) -> list:
    return [v.spesa_comuni, v.compartecipazione_utenti, v.quota_ssn, v.spesa_totale]


class _Pubblica:
    """Turns a cell into what is published: its values, or markers when suppressed."""

    def __init__(self, osc: segreto.Oscuramento, oscurato: bool):
        self.osc, self.oscurato = osc, oscurato

    def marca(self, chiave) -> str | None:
        if not self.oscurato:
            return None
        if chiave in self.osc.primarie:
            return PRIMARIA
        if chiave in self.osc.secondarie:
            return SECONDARIA
        return None

    def utenti(self, chiave, valore: int):
        return self.marca(chiave) or valore

    def valori(self, chiave, v: Valori) -> list:
        m = self.marca(chiave)
        return [m] * 5 if m else [v.utenti, *soldi(v)]


def tabelle_indagine(ind: Indagine, *, comune_id: int | None = None, oscurato: bool = True) -> list[Tabella]:
    """The survey's tables as published (markers in suppressed cells) or, for internal use, with
    true values. `comune_id` limits them to one Comune's column (a Comune operator's view)."""
    p = _Pubblica(ind.oscuramento, oscurato)
    vuoto = Valori()
    comuni = [c for c in ind.comuni if comune_id is None or c.pk == comune_id]
    intero = comune_id is None
    tab = []

    # 1. by area and macro-area
    righe = []
    for a in ind.aree:
        if intero:
            v = ind.per_area.get(a.codice, vuoto)
            righe.append(Riga([a.nome, "Totale area", *p.valori(("G", a.codice), v)], "gruppo"))
            for m, nome in ind.macroaree:
                v = ind.per_macroarea.get((a.codice, m))
                if v is not None:
                    righe.append(Riga([a.nome, nome, *p.valori(("M", a.codice, m), v)]))
        else:
            v = ind.per_area_comune.get((a.codice, comune_id), vuoto)
            righe.append(Riga([a.nome, "Totale area", *p.valori(("g", a.codice, comune_id), v)]))
    if intero:
        righe.append(Riga(["Totale", "", *p.valori(("T",), ind.totale)], "totale"))
    else:
        righe.append(
            Riga(["Totale", "", *p.valori(("C", comune_id), ind.per_comune.get(comune_id, vuoto))], "totale")
        )
    tab.append(
        Tabella(
            "area",
            "Utenti e spesa per area di utenza e macro-area",
            ["Area di utenza", "Macro-area", "Utenti", *SOLDI],
            ["testo", "testo", "intero", *["euro"] * 4],
            righe,
        )
    )

    # 2. by Comune: users per area (cells) and the Comune's totals
    righe = []
    for c in comuni:
        per_area = [
            p.utenti(("g", a.codice, c.pk), ind.per_area_comune.get((a.codice, c.pk), vuoto).utenti)
            for a in ind.aree
        ]
        righe.append(Riga([c.nome, *per_area, *p.valori(("C", c.pk), ind.per_comune.get(c.pk, vuoto))]))
    if intero:
        righe.append(
            Riga(
                [
                    "Totale",
                    *[p.utenti(("G", a.codice), ind.per_area.get(a.codice, vuoto).utenti) for a in ind.aree],
                    *p.valori(("T",), ind.totale),
                ],
                "totale",
            )
        )
    tab.append(
        Tabella(
            "comune",
            "Utenti per area di utenza e spesa per Comune",
            ["Comune", *[f"Utenti – {a.nome}" for a in ind.aree], "Utenti", *SOLDI],
            ["testo", *["intero"] * len(ind.aree), "intero", *["euro"] * 4],
            righe,
        )
    )

    # 3. by service: users per Comune (cells), the service's totals
    righe = []
    for a in ind.aree:
        for s in a.servizi:
            celle = [p.utenti(("s", s.id, c.pk), ind.celle.get((s.id, c.pk), vuoto).utenti) for c in comuni]
            if intero:
                resto = p.valori(("S", s.id), ind.per_servizio.get(s.id, vuoto))
            else:
                resto = p.valori(("s", s.id, comune_id), ind.celle.get((s.id, comune_id), vuoto))[1:]
                resto = [celle[0], *resto]
                celle = []
            righe.append(Riga([a.nome, s.macroarea_nome, s.codice, s.nome, *celle, *resto]))
    if intero:
        righe.append(
            Riga(
                [
                    "Totale",
                    "",
                    "",
                    "",
                    *[p.utenti(("C", c.pk), ind.per_comune.get(c.pk, vuoto).utenti) for c in comuni],
                    *p.valori(("T",), ind.totale),
                ],
                "totale",
            )
        )
    colonne_comuni = [f"Utenti – {c.nome}" for c in comuni] if intero else []
    tab.append(
        Tabella(
            "servizio",
            "Utenti per servizio e Comune, spesa per servizio",
            ["Area di utenza", "Macro-area", "Codice", "Servizio", *colonne_comuni, "Utenti", *SOLDI],
            ["testo"] * 4 + ["intero"] * (len(colonne_comuni) + 1) + ["euro"] * 4,
            righe,
        )
    )

    # 4. long form: one row per (service, Comune) with deliveries
    righe = [
        Riga(
            [
                r["area"].nome,
                r["servizio"].macroarea_nome,
                r["servizio"].codice,
                r["servizio"].nome,
                r["comune"].nome,
                r["comune"].codice_istat,
                *p.valori(("s", r["servizio"].id, r["comune"].pk), r["valori"]),
            ]
        )
        for r in ind.righe()
        if comune_id is None or r["comune"].pk == comune_id
    ]
    tab.append(
        Tabella(
            "dettaglio",
            "Utenti e spesa per servizio e Comune",
            [
                "Area di utenza",
                "Macro-area",
                "Codice",
                "Servizio",
                "Comune",
                "Codice ISTAT",
                "Utenti",
                *SOLDI,
            ],
            ["testo"] * 6 + ["intero"] + ["euro"] * 4,
            righe,
        )
    )
    return tab


def tabella_sioss(s: Sioss, *, comune_id: int | None = None, oscurato: bool = True) -> Tabella:
    p = _Pubblica(s.oscuramento, oscurato)
    righe = []
    for r in s.righe:
        if comune_id is not None and r.comune.pk != comune_id:
            continue
        righe.append(
            Riga(
                [
                    r.comune.nome,
                    *[p.utenti(("a", r.comune.pk, a), r.per_area[a]) for a, _ in s.aree],
                    p.utenti(("TA", r.comune.pk), r.totale_aree),
                    p.utenti(("P", r.comune.pk), r.persone),
                    p.utenti(("nuove", r.comune.pk), r.nuove),
                ]
            )
        )
    if comune_id is None:
        righe.append(
            Riga(
                [
                    "Totale",
                    *[p.utenti(("TPA", a), s.totale_per_area[a]) for a, _ in s.aree],
                    p.utenti(("TA",), s.totale_aree),
                    p.utenti(("P",), s.persone),
                    p.utenti(("N",), s.nuove),
                ],
                "totale",
            )
        )
    return Tabella(
        "sioss",
        "SIOSS – persone in carico al servizio sociale per Comune",
        [
            "Comune",
            *[nome for _, nome in s.aree],
            "Totale aree",
            "Persone in carico",
            "Nuove prese in carico",
        ],
        ["testo"] + ["intero"] * (len(s.aree) + 3),
        righe,
    )


def anni_disponibili(ambito) -> list[int]:
    """Years with at least one delivery, newest first (one query)."""
    return sorted(
        {d.year for d in Erogazione.objects.filter(ambito=ambito).dates("data_erogazione", "year")},
        reverse=True,
    )
