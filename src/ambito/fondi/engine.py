"""Pure arithmetic of the funds (no Django): the year's position of a fund, the checks on a new
operation, the ledger with running balances and the quota split. Amounts are Decimal to the cent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

IMPEGNO = "impegno"
DISIMPEGNO = "disimpegno"
PAGAMENTO = "pagamento"
STORNO = "storno"
TIPI = (IMPEGNO, DISIMPEGNO, PAGAMENTO, STORNO)


def euro(valore) -> Decimal:
    return Decimal(str(valore or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def it(valore) -> str:
    """An amount in Italian notation for messages: 1.234,56."""
    testo = f"{euro(valore):,.2f}"
    return testo.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


@dataclass(frozen=True)
class Situazione:
    """A fund's position in one financial year. All inputs are sums of valid rows of that year."""

    assegnato: Decimal = ZERO  # quotas of assignments recognised in the year
    accantonato: Decimal = ZERO  # provisions made in the year (set aside for later years)
    utilizzato_accantonamenti: Decimal = ZERO  # provisions (of this or earlier years) used in the year
    destinato: Decimal = ZERO  # destined to services
    impegni: Decimal = ZERO
    disimpegni: Decimal = ZERO
    pagamenti: Decimal = ZERO
    storni: Decimal = ZERO

    @property
    def disponibile(self) -> Decimal:
        return self.assegnato + self.utilizzato_accantonamenti - self.accantonato

    @property
    def impegnato(self) -> Decimal:
        return self.impegni - self.disimpegni

    @property
    def pagato(self) -> Decimal:
        return self.pagamenti - self.storni

    @property
    def da_destinare(self) -> Decimal:
        return self.disponibile - self.destinato

    @property
    def residuo_da_impegnare(self) -> Decimal:
        return self.disponibile - self.impegnato

    @property
    def residuo_da_pagare(self) -> Decimal:
        return self.impegnato - self.pagato

    @property
    def kpi_pagato_su_assegnato(self) -> Decimal | None:
        """Funds paid / funds assigned, as a percentage with 2 decimals (None if nothing assigned)."""
        if self.assegnato <= 0:
            return None
        return (self.pagato * 100 / self.assegnato).quantize(CENT, rounding=ROUND_HALF_UP)

    def con_movimento(self, tipo: str, importo: Decimal) -> Situazione:
        campo = {IMPEGNO: "impegni", DISIMPEGNO: "disimpegni", PAGAMENTO: "pagamenti", STORNO: "storni"}[tipo]
        valori = {k: getattr(self, k) for k in self.__dataclass_fields__}
        valori[campo] = valori[campo] + importo
        return Situazione(**valori)

    def senza_movimento(self, tipo: str, importo: Decimal) -> Situazione:
        return self.con_movimento(tipo, -importo)


def errori_situazione(s: Situazione) -> list[str]:
    """The invariants of a year's position, as Italian messages (empty list = consistent)."""
    errori = []
    if s.disponibile < 0:
        errori.append("Il disponibile dell'esercizio diventerebbe negativo.")
    if s.destinato > s.disponibile:
        errori.append("Il destinato ai servizi supererebbe il disponibile dell'esercizio.")
    if s.impegnato < 0:
        errori.append("I disimpegni supererebbero gli impegni.")
    if s.impegnato > s.disponibile:
        errori.append("L'impegnato supererebbe il disponibile dell'esercizio.")
    if s.pagato < 0:
        errori.append("Gli storni supererebbero i pagamenti.")
    if s.pagato > s.impegnato:
        errori.append("Il pagato supererebbe l'impegnato al netto dei disimpegni.")
    return errori


def verifica_movimento(s: Situazione, tipo: str, importo: Decimal) -> str | None:
    """None if the operation can be accepted on position `s`, else the Italian reason."""
    if tipo not in TIPI:
        return "Tipo di movimento sconosciuto."
    if importo is None or importo <= 0:
        return "L'importo deve essere maggiore di zero: le riduzioni si registrano come disimpegno o storno."
    if euro(importo) != importo:
        return "L'importo ha al massimo due decimali."
    if tipo == IMPEGNO and importo > s.residuo_da_impegnare:
        return (
            f"L'impegno ({it(importo)} €) supera il residuo da impegnare dell'esercizio "
            f"({it(s.residuo_da_impegnare)} €)."
        )
    if tipo == DISIMPEGNO and importo > s.residuo_da_pagare:
        return (
            f"Il disimpegno ({it(importo)} €) supera l'impegnato non ancora pagato "
            f"({it(s.residuo_da_pagare)} €)."
        )
    if tipo == PAGAMENTO and importo > s.residuo_da_pagare:
        return (
            f"Il pagamento ({it(importo)} €) supera l'impegnato al netto di disimpegni e pagamenti "
            f"({it(s.residuo_da_pagare)} €)."
        )
    if tipo == STORNO and importo > s.pagato:
        return f"Lo storno ({it(importo)} €) supera il pagato ({it(s.pagato)} €)."
    return None


def verifica_quote(importo: Decimal, quote: Iterable[tuple[int, Decimal]]) -> list[str]:
    """The year quotas of an assignment: positive, one per year, adding up to the amount to the cent."""
    errori = []
    quote = list(quote)
    if not quote:
        return ["Indicare almeno una quota per esercizio."]
    anni = [a for a, _ in quote]
    if len(set(anni)) != len(anni):
        errori.append("Ogni esercizio compare una sola volta tra le quote.")
    if any(q is None or q <= 0 for _, q in quote):
        errori.append("Ogni quota deve essere maggiore di zero.")
    if any(q is not None and euro(q) != q for _, q in quote):
        errori.append("Le quote hanno al massimo due decimali.")
    totale = sum((q for _, q in quote if q is not None), ZERO)
    if totale != importo:
        errori.append(
            f"La somma delle quote ({it(totale)} €) deve essere uguale "
            f"all'importo assegnato ({it(importo)} €); "
            f"differenza {it(importo - totale)} €."
        )
    return errori


@dataclass
class RigaRegistro:
    """A ledger row with the running balances after it (annulled rows carry no balance change)."""

    movimento: object
    tipo: str
    importo: Decimal
    annullato: bool
    impegni_cumulati: Decimal = ZERO  # gross commitments so far: never decreases
    disimpegni_cumulati: Decimal = ZERO
    impegnato: Decimal = ZERO  # net
    pagato: Decimal = ZERO  # net
    residuo_da_pagare: Decimal = ZERO
    residuo_da_impegnare: Decimal = ZERO
    extra: dict = field(default_factory=dict)


def registro(
    movimenti: Iterable[tuple[object, str, Decimal, bool]], disponibile: Decimal = ZERO
) -> list[RigaRegistro]:
    """Running balances over (movement, tipo, importo, annullato) already in chronological order."""
    imp = dis = pag = sto = ZERO
    righe = []
    for mov, tipo, importo, annullato in movimenti:
        if not annullato:
            if tipo == IMPEGNO:
                imp += importo
            elif tipo == DISIMPEGNO:
                dis += importo
            elif tipo == PAGAMENTO:
                pag += importo
            elif tipo == STORNO:
                sto += importo
        righe.append(
            RigaRegistro(
                movimento=mov,
                tipo=tipo,
                importo=importo,
                annullato=annullato,
                impegni_cumulati=imp,
                disimpegni_cumulati=dis,
                impegnato=imp - dis,
                pagato=pag - sto,
                residuo_da_pagare=(imp - dis) - (pag - sto),
                residuo_da_impegnare=disponibile - (imp - dis),
            )
        )
    return righe
