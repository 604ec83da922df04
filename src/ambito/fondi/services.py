"""Writes of the funds: every rule lives here (the single authority), every write is audited.

Bad input raises `django.core.exceptions.ValidationError` with Italian messages and stores nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from ambito.core.services import istantanea, registra_evento

from . import engine
from .models import (
    Accantonamento,
    AttoAssegnazione,
    Destinazione,
    Fondo,
    MovimentoFondo,
    QuotaEsercizio,
    TipoAtto,
    TipoFondo,
    TipoMovimento,
    UtilizzoAccantonamento,
)

ANNO_MIN, ANNO_MAX = 1990, 2100


def _anno(valore, etichetta: str = "L'esercizio") -> int:
    try:
        anno = int(valore)
    except (TypeError, ValueError):
        raise ValidationError(f"{etichetta} deve essere un anno.") from None
    if not ANNO_MIN <= anno <= ANNO_MAX:
        raise ValidationError(f"{etichetta} deve essere un anno tra {ANNO_MIN} e {ANNO_MAX}.")
    return anno


def _importo(valore, etichetta: str = "L'importo") -> Decimal:
    try:
        d = Decimal(str(valore))
    except Exception:
        raise ValidationError(f"{etichetta} non è un numero valido.") from None
    if not d.is_finite():
        raise ValidationError(f"{etichetta} non è un numero valido.")
    if d <= 0:
        raise ValidationError(f"{etichetta} deve essere maggiore di zero.")
    if engine.euro(d) != d:
        raise ValidationError(f"{etichetta} ha al massimo due decimali (centesimi).")
    if d >= Decimal("1e12"):
        raise ValidationError(f"{etichetta} è troppo grande.")
    return engine.euro(d)


def _stesso_ambito(ambito, *oggetti) -> None:
    for o in oggetti:
        if o is not None and o.ambito_id != ambito.pk:
            raise ValidationError("Dato di un altro Ambito.")


def _blocca_fondo(fondo: Fondo) -> Fondo:
    """Serialise the writes on one fund (row lock on PostgreSQL; SQLite locks the database)."""
    return Fondo.objects.select_for_update().get(pk=fondo.pk)


def situazione(fondo: Fondo, esercizio: int) -> engine.Situazione:
    """The fund's position in a year, from the database (used by the checks; selectors batch it)."""
    quote = QuotaEsercizio.objects.filter(assegnazione__fondo=fondo, esercizio=esercizio)
    acc = Accantonamento.objects.filter(fondo=fondo, esercizio=esercizio)
    uti = UtilizzoAccantonamento.objects.filter(accantonamento__fondo=fondo, esercizio=esercizio)
    dest = Destinazione.objects.filter(fondo=fondo, esercizio=esercizio)
    per_tipo = dict(
        MovimentoFondo.objects.filter(fondo=fondo, esercizio=esercizio, annullato_il__isnull=True)
        .values_list("tipo")
        .annotate(t=Sum("importo"))
        .values_list("tipo", "t")
    )

    def somma(qs):
        return engine.euro(qs.aggregate(t=Sum("importo"))["t"])

    return engine.Situazione(
        assegnato=somma(quote),
        accantonato=somma(acc),
        utilizzato_accantonamenti=somma(uti),
        destinato=somma(dest),
        impegni=engine.euro(per_tipo.get(TipoMovimento.IMPEGNO)),
        disimpegni=engine.euro(per_tipo.get(TipoMovimento.DISIMPEGNO)),
        pagamenti=engine.euro(per_tipo.get(TipoMovimento.PAGAMENTO)),
        storni=engine.euro(per_tipo.get(TipoMovimento.STORNO)),
    )


# --- funds --------------------------------------------------------------------------------------


@transaction.atomic
def crea_fondo(*, ambito, attore, codice: str, nome: str, tipo: str, attivo: bool = True) -> Fondo:
    codice = (codice or "").strip().upper()
    nome = (nome or "").strip()
    if not codice or not nome:
        raise ValidationError("Codice e denominazione del fondo sono obbligatori.")
    if len(codice) > 30 or not all(c.isalnum() or c in "_-." for c in codice):
        raise ValidationError("Il codice ha al massimo 30 caratteri tra lettere, cifre, '_', '-' e '.'.")
    if tipo not in TipoFondo.values:
        raise ValidationError("Tipo di fondo non valido.")
    if Fondo.objects.filter(ambito=ambito, codice=codice).exists():
        raise ValidationError(f"Esiste già un fondo con codice {codice}.")
    fondo = Fondo.objects.create(ambito=ambito, codice=codice, nome=nome[:200], tipo=tipo, attivo=attivo)
    registra_evento(attore=attore, azione="fondi.crea_fondo", oggetto=fondo, dopo=istantanea(fondo))
    return fondo


# --- assignments and year quotas ----------------------------------------------------------------


@transaction.atomic
def registra_assegnazione(
    *,
    attore,
    fondo: Fondo,
    tipo_atto: str,
    numero: str,
    data: dt.date,
    annualita: int,
    importo,
    quote: list[tuple[int, Decimal]] | None = None,
    note: str = "",
) -> AttoAssegnazione:
    """An assignment by act with its split across financial years. Without `quote` the whole
    amount goes to the annuality's year. The quotas must add up to the amount, to the cent."""
    if tipo_atto not in TipoAtto.values:
        raise ValidationError("Tipo di atto non valido.")
    numero = (numero or "").strip()
    if not numero:
        raise ValidationError("Il numero dell'atto è obbligatorio.")
    if not isinstance(data, dt.date):
        raise ValidationError("La data dell'atto è obbligatoria.")
    annualita = _anno(annualita, "L'annualità")
    importo = _importo(importo, "L'importo assegnato")
    if quote is None:
        quote = [(annualita, importo)]
    pulite = []
    for anno, valore in quote:
        pulite.append((_anno(anno), _importo(valore, f"La quota {anno}")))
    errori = engine.verifica_quote(importo, pulite)
    if errori:
        raise ValidationError(errori)
    fondo = _blocca_fondo(fondo)
    atto = AttoAssegnazione.objects.create(
        ambito_id=fondo.ambito_id,
        fondo=fondo,
        tipo_atto=tipo_atto,
        numero=numero[:80],
        data=data,
        annualita=annualita,
        importo=importo,
        note=note or "",
    )
    QuotaEsercizio.objects.bulk_create(
        [
            QuotaEsercizio(ambito_id=fondo.ambito_id, assegnazione=atto, esercizio=a, importo=q)
            for a, q in pulite
        ]
    )
    dopo = istantanea(atto) | {"quote": {str(a): str(q) for a, q in sorted(pulite)}}
    registra_evento(attore=attore, azione="fondi.registra_assegnazione", oggetto=atto, dopo=dopo)
    return atto


# --- provisions ---------------------------------------------------------------------------------


@transaction.atomic
def registra_accantonamento(*, attore, fondo: Fondo, esercizio: int, importo, motivo: str) -> Accantonamento:
    """Set aside part of a year's available amount (fondo oneri futuri) for later years."""
    esercizio = _anno(esercizio)
    importo = _importo(importo)
    if not (motivo or "").strip():
        raise ValidationError("Indicare il motivo dell'accantonamento.")
    fondo = _blocca_fondo(fondo)
    s = situazione(fondo, esercizio)
    dopo_s = replace(s, accantonato=s.accantonato + importo)
    if dopo_s.disponibile - max(dopo_s.destinato, dopo_s.impegnato) < 0:
        libero = s.disponibile - max(s.destinato, s.impegnato)
        raise ValidationError(
            f"Non si può accantonare {engine.it(importo)} €: "
            f"nel {esercizio} restano liberi {engine.it(libero)} € "
            "(disponibile meno il maggiore tra destinato e impegnato)."
        )
    acc = Accantonamento.objects.create(
        ambito_id=fondo.ambito_id, fondo=fondo, esercizio=esercizio, importo=importo, motivo=motivo.strip()
    )
    registra_evento(attore=attore, azione="fondi.registra_accantonamento", oggetto=acc, dopo=istantanea(acc))
    return acc


@transaction.atomic
def utilizza_accantonamento(
    *, attore, accantonamento: Accantonamento, esercizio: int, importo, motivo: str = ""
) -> UtilizzoAccantonamento:
    """Use (part of) a provision in a year not earlier than the provision: it adds to that year's
    available amount. The uses never exceed what was provided."""
    esercizio = _anno(esercizio)
    importo = _importo(importo)
    _blocca_fondo(accantonamento.fondo)
    acc = Accantonamento.objects.get(pk=accantonamento.pk)
    if esercizio < acc.esercizio:
        raise ValidationError(
            f"Un accantonamento del {acc.esercizio} non si può utilizzare "
            f"in un esercizio precedente ({esercizio})."
        )
    usato = engine.euro(acc.utilizzi.aggregate(t=Sum("importo"))["t"])
    residuo = acc.importo - usato
    if importo > residuo:
        raise ValidationError(
            f"Non si può utilizzare {engine.it(importo)} €: "
            f"dell'accantonamento di {engine.it(acc.importo)} € restano {engine.it(residuo)} €."
        )
    uso = UtilizzoAccantonamento.objects.create(
        ambito_id=acc.ambito_id, accantonamento=acc, esercizio=esercizio, importo=importo, motivo=motivo or ""
    )
    registra_evento(attore=attore, azione="fondi.utilizza_accantonamento", oggetto=uso, dopo=istantanea(uso))
    return uso


# --- destinations -------------------------------------------------------------------------------


@transaction.atomic
def registra_destinazione(
    *, attore, fondo: Fondo, esercizio: int, servizio, importo, comuni=(), note: str = ""
) -> Destinazione:
    """Destine part of a year's available amount to a service, optionally only for some Comuni."""
    esercizio = _anno(esercizio)
    importo = _importo(importo)
    comuni = list(comuni or [])
    _stesso_ambito(fondo.ambito, servizio, *comuni)
    if any(getattr(c, "tipo", "comune") != "comune" for c in comuni):
        raise ValidationError("I beneficiari di una destinazione sono Comuni.")
    fondo = _blocca_fondo(fondo)
    s = situazione(fondo, esercizio)
    if importo > s.da_destinare:
        raise ValidationError(
            f"Non si può destinare {engine.it(importo)} €: "
            f"nel {esercizio} il fondo ha {engine.it(s.da_destinare)} € ancora da destinare "
            f"(disponibile {engine.it(s.disponibile)} €, già destinato {engine.it(s.destinato)} €)."
        )
    dest = Destinazione.objects.create(
        ambito_id=fondo.ambito_id,
        fondo=fondo,
        esercizio=esercizio,
        servizio=servizio,
        importo=importo,
        note=(note or "")[:300],
    )
    if comuni:
        dest.comuni.set(comuni)
    dopo = istantanea(dest) | {"comuni": sorted(c.pk for c in comuni)}
    registra_evento(attore=attore, azione="fondi.registra_destinazione", oggetto=dest, dopo=dopo)
    return dest


# --- ledger: commitments and payments -----------------------------------------------------------


@transaction.atomic
def registra_movimento(
    *,
    attore,
    fondo: Fondo,
    esercizio: int,
    tipo: str,
    data: dt.date,
    importo,
    riferimento: str,
    motivo: str = "",
) -> MovimentoFondo:
    """A commitment, de-commitment, payment or payment reversal. Amounts are positive; a reduction
    is a de-commitment or reversal with its reason. A date outside the year needs a reason."""
    if tipo not in TipoMovimento.values:
        raise ValidationError("Tipo di movimento non valido.")
    esercizio = _anno(esercizio)
    importo = _importo(importo)
    if not isinstance(data, dt.date):
        raise ValidationError("La data del movimento è obbligatoria.")
    riferimento = (riferimento or "").strip()
    motivo = (motivo or "").strip()
    if not riferimento:
        raise ValidationError("Indicare l'atto o il riferimento del movimento (es. determina n. …).")
    if tipo in (TipoMovimento.DISIMPEGNO, TipoMovimento.STORNO) and not motivo:
        raise ValidationError("Un disimpegno o uno storno richiede il motivo.")
    if data.year != esercizio and not motivo:
        raise ValidationError(
            f"La data {data:%d/%m/%Y} è fuori dall'esercizio {esercizio}: "
            "indicare il motivo che la documenta."
        )
    fondo = _blocca_fondo(fondo)
    errore = engine.verifica_movimento(situazione(fondo, esercizio), tipo, importo)
    if errore:
        raise ValidationError(errore)
    mov = MovimentoFondo.objects.create(
        ambito_id=fondo.ambito_id,
        fondo=fondo,
        esercizio=esercizio,
        tipo=tipo,
        data=data,
        importo=importo,
        riferimento=riferimento[:200],
        motivo=motivo,
        creato_da=attore if attore is not None and attore.pk else None,
    )
    registra_evento(attore=attore, azione=f"fondi.registra_{tipo}", oggetto=mov, dopo=istantanea(mov))
    return mov


@transaction.atomic
def annulla_movimento(*, attore, movimento: MovimentoFondo, motivo: str) -> MovimentoFondo:
    """Annul an erroneous row: it stays in the ledger, marked as an error, and no longer counts.
    Refused if the rest of the ledger would become inconsistent (e.g. payments above commitments)."""
    motivo = (motivo or "").strip()
    if not motivo:
        raise ValidationError("Indicare il motivo dell'annullamento.")
    fondo = _blocca_fondo(movimento.fondo)
    mov = MovimentoFondo.objects.get(pk=movimento.pk)
    if mov.annullato_il is not None:
        raise ValidationError("Il movimento è già annullato.")
    prima_s = situazione(fondo, mov.esercizio)
    gia = set(engine.errori_situazione(prima_s))
    errori = [
        e for e in engine.errori_situazione(prima_s.senza_movimento(mov.tipo, mov.importo)) if e not in gia
    ]
    if errori:
        raise ValidationError(["Annullamento non possibile: " + e[0].lower() + e[1:] for e in errori])
    prima = istantanea(mov)
    mov.annullato_il = timezone.now()
    mov.annullato_da = attore if attore is not None and attore.pk else None
    mov.motivo_annullamento = motivo
    mov.save(update_fields=["annullato_il", "annullato_da", "motivo_annullamento"])
    registra_evento(
        attore=attore, azione="fondi.annulla_movimento", oggetto=mov, prima=prima, dopo=istantanea(mov)
    )
    return mov


# --- demo data: the 2023 funds of A.S.S.E.MI. from the published documents ----------------------

# The funds the demo uses (same codes and names as ambito.demo.sintetici.FONDI, which this app
# may not import): created when missing.
FONDI_DEMO = {
    "FNPS": ("Fondo nazionale politiche sociali", TipoFondo.STATALE),
    "FSR": ("Fondo sociale regionale", TipoFondo.REGIONALE),
    "FSR_PAULLO": ("Fondo sociale regionale – quota Distretto Paullese", TipoFondo.REGIONALE),
    "B6": ("Fondo regionale minori (B6)", TipoFondo.REGIONALE),
    "FNA": ("Fondo non autosufficienza", TipoFondo.STATALE),
    "POTENZIAMENTO": ("Fondo potenziamento", TipoFondo.STATALE),
    "REGIONE_STATO": ("Altri fondi regionali e statali", TipoFondo.REGIONALE),
}

# Piano Programma 2023, Allegato 7, row "Totale voci" (000 §5.12, L3803): each fund's 2023 total.
ASSEGNAZIONI_2023 = {
    "FNPS": Decimal("617000"),
    "FSR": Decimal("570450"),
    "FSR_PAULLO": Decimal("15366"),
    "B6": Decimal("154793"),
    "FNA": Decimal("295000"),
    "POTENZIAMENTO": Decimal("202086"),
    "REGIONE_STATO": Decimal("2651202"),
}

# Allegato 7 2023 rows (000 §5.12) whose service exists in the demo catalogue
# (src/ambito/demo/data/catalogo.json): (source line, row label, service code, {fund: amount}).
# Rows without a catalogue service are not destined: Sperimentazione PIPPI (L3757, REGIONE_STATO
# 4.388), Costi nuova sede (L3791, REGIONE_STATO 10.183), Altri costi indiretti non coperti da
# comuni (L3801, POTENZIAMENTO 49.727): they stay "da destinare" on the fund page.
DESTINAZIONI_2023 = [
    ("L3741", "Centro affido fam.", "CAT", {"POTENZIAMENTO": 39533}),
    ("L3745", "Educativa territoriale III Polo", "MINORI", {"FSR": 89373, "FSR_PAULLO": 10625}),
    (
        "L3747",
        "Collocamenti etero familiari III Polo",
        "COLLOCAMENTI",
        {"FNPS": 56581, "FSR": 42919, "FSR_PAULLO": 4741, "B6": 50677},
    ),
    ("L3749", "PRIMO POLO + educativa territoriale I Polo", "MINORI", {"FSR": 72127}),
    (
        "L3751",
        "Collocamenti etero familiari I Polo",
        "COLLOCAMENTI",
        {"FNPS": 60043, "FSR": 86375, "B6": 87499},
    ),
    ("L3753", "Incontriamoci qui - Spazio Neutro", "IQ", {"FNPS": 7500}),
    ("L3755", "A scuola insieme", "ASI", {"FNPS": 95210}),
    ("L3759", 'Housing sociale "Casa delle mamme"', "CASA_MAMME", {"FNPS": 17000, "REGIONE_STATO": 17808}),
    ("L3761", "SAD", "SAD", {"FNPS": 167440}),
    ("L3767", "Fondi N.A. B2", "MISURE_NA", {"FNA": 245000}),
    ("L3769", "Voucher disabili ADH", "ADH", {"FNA": 50000}),
    ("L3771", "Fondo Care giver a beneficiari B2", "MISURE_NA", {"REGIONE_STATO": 44000}),
    ("L3773", "Ed. spec. HP", "AES", {"FNPS": 30000, "FSR": 17000}),
    ("L3775", "Tempo libero psichiatria e residenzialità", "PSICHIATRIA", {"FNPS": 5030}),
    ("L3779", "Csiol", "CSIOL", {"FNPS": 14964}),
    ("L3781", "Servizio prot. giuridica", "PROT_GIURIDICA", {"FNPS": 12982}),
    ("L3783", "SAI ampliamento", "SAI", {"REGIONE_STATO": 258912}),
    ("L3785", "SAI ordinario", "SAI", {"REGIONE_STATO": 204496}),
    ("L3787", "SSP", "SSP", {"FNPS": 23000}),
    ("L3789", "Ufficio di piano", "UDP", {"FNPS": 33660, "POTENZIAMENTO": 76468, "REGIONE_STATO": 7800}),
    (
        "L3795",
        "Attività gestione fondi",
        "GEST_FONDI",
        {"FNPS": 73238, "FSR": 262656, "B6": 16617, "REGIONE_STATO": 716626},
    ),
    (
        "L3797",
        "Attività progettazione/erogazione fondi",
        "PROGETTAZIONE",
        {"FNPS": 20352, "POTENZIAMENTO": 36358, "REGIONE_STATO": 1386989},
    ),
]

# FSR Paullo lowers only Paullo's contribution (000 §5.12): destined to Paullo alone.
COMUNI_RISTRETTI = {"FSR_PAULLO": ("015169",)}  # Paullo, ISTAT code

NUMERO_ALLEGATO7 = "Piano Programma 2023 – Allegato 7"


@transaction.atomic
def carica_fondi_demo(*, ambito, attore=None) -> dict[str, int]:
    """Record the funds of A.S.S.E.MI. from the published documents. Idempotent: what exists
    (same fund, act number and annuality; same destination note) is left as it is.

    Sources (product docs in /work/shared/domain):
    - 2023 totals per fund: Piano Programma 2023, Allegato 7, row "Totale voci"
      (000-piano-programma-2023.md §5.12, L3803): FNPS 617.000, FSR 570.450, FSR Paullo 15.366,
      B6 154.793, FNA 295.000, Fondo potenziamento 202.086, Fondi Regione/Stato 2.651.202.
      The document gives no act number: the act is recorded as "altro", the budget as reference.
    - FNPS annualità 2021, DGR XI/6573 del 30/06/2022, 617.025,92 €, recognised 202.025,92 € in
      2021 and 415.000,00 € in 2022 (002-relazione-gestione-2021.md §2.4, L47-49; §3 point 4).
    - Destinations 2023 to services: the Allegato 7 rows listed in DESTINAZIONI_2023 (L3741-L3797),
      FSR Paullo restricted to the Comune of Paullo.
    Returns counts of what was created.
    """
    from ambito.catalogo.models import Servizio
    from ambito.territorio.models import Ente, TipoEnte

    creati = {"fondi": 0, "assegnazioni": 0, "destinazioni": 0}
    fondi = {f.codice: f for f in Fondo.objects.per_ambito(ambito).filter(codice__in=list(FONDI_DEMO))}
    for codice, (nome, tipo) in FONDI_DEMO.items():
        if codice not in fondi:
            fondi[codice] = crea_fondo(ambito=ambito, attore=attore, codice=codice, nome=nome, tipo=tipo)
            creati["fondi"] += 1

    esistenti = set(
        AttoAssegnazione.objects.per_ambito(ambito).values_list("fondo__codice", "numero", "annualita")
    )

    def assegna(codice, **kw):
        if (codice, kw["numero"], kw["annualita"]) in esistenti:
            return
        registra_assegnazione(attore=attore, fondo=fondi[codice], **kw)
        creati["assegnazioni"] += 1

    assegna(
        "FNPS",
        tipo_atto=TipoAtto.DGR,
        numero="XI/6573",
        data=dt.date(2022, 6, 30),
        annualita=2021,
        importo=Decimal("617025.92"),
        quote=[(2021, Decimal("202025.92")), (2022, Decimal("415000.00"))],
        note="Relazione sulla gestione 2021, L47-49: quota 2021 iscritta nell'esercizio 2021, "
        "quota per le attività 2022 come da Bilancio Preventivo 2022.",
    )
    for codice, importo in ASSEGNAZIONI_2023.items():
        assegna(
            codice,
            tipo_atto=TipoAtto.ALTRO,
            numero=NUMERO_ALLEGATO7,
            data=dt.date(2023, 1, 1),
            annualita=2023,
            importo=importo,
            note="Totale del fondo nel prospetto di riparto 2023 (Allegato 7, riga «Totale voci», L3803); "
            "l'atto di assegnazione non è indicato nel documento.",
        )

    servizi = {s.codice: s for s in Servizio.objects.per_ambito(ambito)}
    comuni_per_istat = {
        e.codice_istat: e
        for e in Ente.objects.per_ambito(ambito).filter(tipo=TipoEnte.COMUNE)
        if e.codice_istat
    }
    gia = set(
        Destinazione.objects.per_ambito(ambito)
        .filter(esercizio=2023)
        .values_list("fondo__codice", "servizio__codice", "note")
    )
    for riga, etichetta, codice_servizio, importi in DESTINAZIONI_2023:
        servizio = servizi.get(codice_servizio)
        if servizio is None:
            continue
        for codice_fondo, importo in importi.items():
            note = f"Allegato 7 2023, {riga}: {etichetta}"
            if (codice_fondo, codice_servizio, note) in gia:
                continue
            ristretti = COMUNI_RISTRETTI.get(codice_fondo, ())
            comuni = [comuni_per_istat[i] for i in ristretti if i in comuni_per_istat]
            if ristretti and not comuni:
                continue  # a restricted fund is never destined to all Comuni
            registra_destinazione(
                attore=attore,
                fondo=fondi[codice_fondo],
                esercizio=2023,
                servizio=servizio,
                importo=Decimal(importo),
                comuni=comuni,
                note=note,
            )
            creati["destinazioni"] += 1
    return creati
