"""Reads of the case record: erogazioni, always scoped through selectors.visibilita.

Besides the pages' reads, two reads for other parts of the product, each in a constant number
of queries:

- `consumi_per_comune(ambito, servizio, dal, al)`: consumption per responsible Comune, for the
  riparto (issue 4);
- `erogazioni_per_siuss(ambito, dal, al)`: one plain dict per delivery with everything a SIUSS
  `PrestazioniSociali` element needs, streamed (issue 5).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncMonth
from django.http import Http404
from django.utils import timezone

from ambito.catalogo.models import Corrispondenza, VoceCodice
from ambito.core.services import registra_accesso
from ambito.utenti.selectors import Visibilita

from ..models import Attivita, Caso, Erogazione, FinanziamentoErogazione, Intervento, Residenza
from .visibilita import casi_visibili, interventi_visibili

ZERO = Decimal("0.00")
ULTIME_EROGAZIONI_SEZIONE = 3
ATTIVITA_IN_PAGINA = 200
TABELLA_PRESTAZIONE = "siuss_codice_prestazione"
TABELLA_AREA_UTENZA = "siuss_area_utenza"


def solo_erogatore(vis: Visibilita) -> bool:
    """A provider user and nothing more: sees its Ente's interventions with minimal data."""
    return vis.is_ente_erogatore and not (
        vis.is_operatore
        or vis.is_coordinatore
        or vis.is_direzione
        or vis.is_operatore_comunale
        or vis.is_amministrazione
    )


def _somma_sub(model, campo: str, *, chiave="intervento", filtro: Q | None = None, intero=False):
    """Sum of `campo` over the non-annulled rows of `model` pointing at the outer intervention."""
    qs = model.objects.filter(**{chiave: OuterRef("pk")}, annullato_il__isnull=True)
    if filtro is not None:
        qs = qs.filter(filtro)
    sub = qs.order_by().values(chiave).annotate(t=Sum(campo)).values("t")
    if intero:
        return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))
    campo_out = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(Subquery(sub, output_field=campo_out), Value(ZERO), output_field=campo_out)


def con_totali(qs: QuerySet[Intervento]) -> QuerySet[Intervento]:
    """Interventions annotated with what was delivered and recorded so far (one query)."""
    return qs.annotate(
        erogata=_somma_sub(Erogazione, "quantita"),
        tot_importo=_somma_sub(Erogazione, "importo"),
        tot_quota_ente=_somma_sub(Erogazione, "quota_ente"),
        tot_quota_utente=_somma_sub(Erogazione, "quota_utente"),
        tot_quota_ssn=_somma_sub(Erogazione, "quota_ssn"),
        tot_ore=_somma_sub(Attivita, "ore"),
        tot_accessi=_somma_sub(Attivita, "accessi", intero=True),
    )


# --- the case page's section -------------------------------------------------------------------


def sezione_caso(vis: Visibilita, caso: Caso) -> dict:
    """Context for this area's section of the case page: two queries whatever the number of
    interventions and deliveries."""
    interventi = list(
        con_totali(interventi_visibili(vis).filter(caso_id=caso.pk, annullato_il__isnull=True))
        .select_related("servizio", "erogatore")
        .order_by("-dal", "-id")
    )
    ultime = defaultdict(list)
    if interventi:
        righe = (
            Erogazione.objects.filter(intervento_id__in=[i.pk for i in interventi], annullato_il__isnull=True)
            .annotate(
                n=Window(
                    RowNumber(), partition_by=[F("intervento_id")], order_by=[F("dal").desc(), F("id").desc()]
                )
            )
            .filter(n__lte=ULTIME_EROGAZIONI_SEZIONE)
            .order_by("intervento_id", "-dal", "-id")
        )
        for e in righe:
            ultime[e.intervento_id].append(e)
    oggi = timezone.localdate()
    for i in interventi:
        i.ultime_erogazioni = ultime[i.pk]
        i.in_corso = i.al is None or i.al >= oggi
    return {
        "erogazioni_interventi": interventi,
        "erogazioni_caso": caso,
        "erogazioni_solo_erogatore": solo_erogatore(vis),
    }


# --- one intervention --------------------------------------------------------------------------


def caso_per_nuovo_intervento(vis: Visibilita, pk, utente) -> Caso:
    """A case the user may open, to start an intervention on it; else Http404 (attempt logged)."""
    caso = casi_visibili(vis).select_related("persona", "servizio").filter(pk=pk).first()
    if caso is None:
        registra_accesso(
            utente=utente,
            oggetto_tipo="cartella.Caso",
            oggetto_id=pk,
            descrizione=f"Tentativo di avviare un intervento sul caso {pk} fuori dal proprio ambito",
            esito="negato",
        )
        raise Http404("Caso non trovato.")
    return caso


def nega(utente, pk, *, tipo: str = "cartella.Intervento", nome: str = "dell'intervento"):
    """Log a denied attempt to open row `pk` and answer 404 (as for a missing row)."""
    registra_accesso(
        utente=utente,
        oggetto_tipo=tipo,
        oggetto_id=pk,
        descrizione=f"Tentativo di apertura {nome} {pk} fuori dal proprio ambito di visibilità",
        esito="negato",
    )
    raise Http404("Risorsa non trovata.")


def nega_intervento(utente, pk):
    nega(utente, pk)


def intervento_per(vis: Visibilita, pk, utente) -> Intervento:
    """The intervention `pk` if `utente` may open it (access logged), else Http404 (attempt logged)."""
    intervento = (
        con_totali(interventi_visibili(vis))
        .select_related("caso__persona", "caso__comune_responsabile", "servizio", "erogatore", "isee")
        .filter(pk=pk)
        .first()
    )
    if intervento is None:
        nega_intervento(utente, pk)
    persona = intervento.caso.persona
    registra_accesso(
        utente=utente,
        oggetto_tipo="cartella.Intervento",
        oggetto_id=intervento.pk,
        descrizione=(
            f"Intervento {intervento.pk} · {persona.cognome} {persona.nome} · {intervento.servizio.nome}"
        ),
    )
    return intervento


def erogazione_per(vis: Visibilita, pk, utente) -> Erogazione:
    """A delivery of a visible intervention (for correction and annulment), else Http404 (logged)."""
    erogazione = (
        Erogazione.objects.filter(intervento__in=interventi_visibili(vis))
        .select_related("intervento__servizio", "intervento__caso__persona", "intervento__erogatore")
        .prefetch_related("finanziamenti__fondo")
        .filter(pk=pk)
        .first()
    )
    if erogazione is None:
        registra_accesso(
            utente=utente,
            oggetto_tipo="cartella.Erogazione",
            oggetto_id=pk,
            descrizione=f"Tentativo di apertura dell'erogazione {pk} fuori dal proprio ambito di visibilità",
            esito="negato",
        )
        raise Http404("Erogazione non trovata.")
    return erogazione


def erogazioni_di(intervento: Intervento) -> list[Erogazione]:
    """Every delivery of the intervention, annulled ones included (with their replacement), newest
    first: three queries whatever their number."""
    return list(
        Erogazione.objects.filter(intervento=intervento)
        .prefetch_related("finanziamenti__fondo", "sostituita_da")
        .order_by("-dal", "-id")
    )


def attivita_di(intervento: Intervento, *, limite: int | None = ATTIVITA_IN_PAGINA) -> QuerySet[Attivita]:
    qs = Attivita.objects.filter(intervento=intervento).select_related("operatore").order_by("-data", "-id")
    return qs[:limite] if limite else qs


def riepilogo_intervento(intervento: Intervento) -> dict:
    """Planned vs delivered quantity, amounts by quota, funding by fund, hours by month
    (three queries)."""
    attive = Erogazione.objects.filter(intervento=intervento, annullato_il__isnull=True)
    t = attive.aggregate(
        n=Count("id"),
        quantita=Sum("quantita"),
        importo=Sum("importo"),
        quota_ente=Sum("quota_ente"),
        quota_utente=Sum("quota_utente"),
        quota_ssn=Sum("quota_ssn"),
        ultima=Max("data_erogazione"),
    )
    for k in ("quantita", "importo", "quota_ente", "quota_utente", "quota_ssn"):
        t[k] = t[k] if t[k] is not None else ZERO
    prevista = intervento.quantita_prevista
    per_fondo = list(
        FinanziamentoErogazione.objects.filter(
            erogazione__intervento=intervento, erogazione__annullato_il__isnull=True
        )
        .values("fondo_id", "fondo__codice", "fondo__nome")
        .annotate(importo=Sum("importo"))
        .order_by("fondo__codice")
    )
    per_mese = list(
        Attivita.objects.filter(intervento=intervento, annullato_il__isnull=True)
        .annotate(mese=TruncMonth("data"))
        .values("mese")
        .annotate(ore=Sum("ore"), accessi=Sum("accessi"), righe=Count("id"))
        .order_by("mese")
    )
    for m in per_mese:
        # TruncMonth of a DateField is a date on PostgreSQL and may be a datetime elsewhere.
        if isinstance(m["mese"], dt.datetime):
            m["mese"] = m["mese"].date()
    return {
        "quantita_prevista": prevista,
        "quantita_erogata": t["quantita"],
        "quantita_residua": (prevista - t["quantita"]) if prevista is not None else None,
        "percentuale_erogata": (
            (t["quantita"] * 100 / prevista).quantize(Decimal("0.1")) if prevista else None
        ),
        "unita_misura": intervento.servizio.get_unita_misura_display(),
        "n_erogazioni": t["n"],
        "ultima_erogazione": t["ultima"],
        "importo": t["importo"],
        "quota_ente": t["quota_ente"],
        "quota_utente": t["quota_utente"],
        "quota_ssn": t["quota_ssn"],
        "per_fondo": per_fondo,
        "finanziato": sum((f["importo"] for f in per_fondo), ZERO),
        "ore_per_mese": per_mese,
        "ore_totali": sum((m["ore"] for m in per_mese), ZERO),
        "accessi_totali": sum((m["accessi"] for m in per_mese), 0),
    }


# --- lists -------------------------------------------------------------------------------------


def miei_interventi(vis: Visibilita, utente, *, anche_conclusi: bool = False) -> QuerySet[Intervento]:
    """A provider: its Ente's interventions, with the person's name only. Others: the
    interventions of the cases they follow (their visible cases). Current ones unless asked."""
    if vis.ambito_id is None:
        return Intervento.objects.none()
    if solo_erogatore(vis):
        qs = interventi_visibili(vis).filter(erogatore_id=vis.ente_erogatore_id)
    else:
        qs = interventi_visibili(vis).filter(caso__in=casi_visibili(vis))
    qs = qs.filter(annullato_il__isnull=True)
    if not anche_conclusi:
        qs = qs.filter(Q(al__isnull=True) | Q(al__gte=vis.data))
    ultima = (
        Attivita.objects.filter(intervento=OuterRef("pk"), annullato_il__isnull=True)
        .order_by("-data")
        .values("data")[:1]
    )
    return (
        qs.select_related("servizio", "erogatore", "caso__persona")
        .only(
            "id",
            "dal",
            "al",
            "quantita_prevista",
            "caso_id",
            "caso__persona__cognome",
            "caso__persona__nome",
            "servizio__codice",
            "servizio__nome",
            "servizio__unita_misura",
            "erogatore__nome",
        )
        .annotate(tot_ore=_somma_sub(Attivita, "ore"), ultima_attivita=Subquery(ultima))
        .order_by("caso__persona__cognome", "caso__persona__nome", "-dal", "id")
    )


# --- reads for the riparto and the SIUSS flows -------------------------------------------------


def erogazioni_valide(ambito) -> QuerySet[Erogazione]:
    """The deliveries every count uses (riparto, ISTAT, reports): neither they nor their
    intervention nor their case withdrawn as entered by mistake."""
    return Erogazione.objects.filter(
        ambito=ambito,
        annullato_il__isnull=True,
        intervento__annullato_il__isnull=True,
        intervento__caso__annullato_il__isnull=True,
    )


def erogazioni_dell_anno(ambito, anno: int) -> QuerySet[Erogazione]:
    """Valid deliveries dated in the calendar year: each belongs to exactly one year."""
    return erogazioni_valide(ambito).filter(
        data_erogazione__gte=dt.date(anno, 1, 1), data_erogazione__lte=dt.date(anno, 12, 31)
    )


def _erogazioni_nel_periodo(ambito, dal: dt.date, al: dt.date) -> QuerySet[Erogazione]:
    return erogazioni_valide(ambito).filter(dal__lte=al, al__gte=dal)


def consumi_per_comune(ambito, servizio, dal: dt.date, al: dt.date) -> list[dict]:
    """Per responsible Comune (of the case): units delivered, amount, quotas and distinct persons,
    over the non-annulled deliveries whose period overlaps [dal, al] (counted whole, not
    prorated). `servizio=None` gives every service (rows carry `servizio_id`). One query.

    Each row: comune_id, comune, codice_istat, servizio_id, unita, importo, quota_ente,
    quota_utente, quota_ssn, persone, erogazioni.
    """
    qs = _erogazioni_nel_periodo(ambito, dal, al)
    if servizio is not None:
        qs = qs.filter(intervento__servizio=servizio)
    righe = (
        qs.values(
            comune_id=F("intervento__caso__comune_responsabile_id"),
            comune=F("intervento__caso__comune_responsabile__nome"),
            codice_istat=F("intervento__caso__comune_responsabile__codice_istat"),
            servizio_id=F("intervento__servizio_id"),
        )
        .annotate(
            unita=Sum("quantita"),
            importo=Sum("importo"),
            quota_ente=Sum("quota_ente"),
            quota_utente=Sum("quota_utente"),
            quota_ssn=Sum("quota_ssn"),
            persone=Count("intervento__caso__persona_id", distinct=True),
            erogazioni=Count("id"),
        )
        .order_by("comune", "servizio_id")
    )
    return list(righe)


def persone_per_servizio(ambito, dal: dt.date, al: dt.date) -> dict[int, int]:
    """Distinct persons per service over the same deliveries as `consumi_per_comune` (period
    overlapping [dal, al], not annulled): a person whose cases are with two Comuni counts once,
    where summing `consumi_per_comune`'s per-Comune persons would count them twice. One query."""
    righe = (
        _erogazioni_nel_periodo(ambito, dal, al)
        .values(servizio_id=F("intervento__servizio_id"))
        .annotate(persone=Count("intervento__caso__persona_id", distinct=True))
        .order_by()
    )
    return {r["servizio_id"]: r["persone"] for r in righe}


def _risolutore_codici(ambito):
    """(servizio_id, data) -> ({tabella: codice}, {tabella: denominazione}) from the crosswalks,
    in two queries. A crosswalk points at one version of an entry: the denomination is taken
    from the version of the same code valid at the date, when the table was updated since."""
    corrispondenze = defaultdict(list)
    tabelle = set()
    for servizio_id, tabella, codice, denom, c_dal, c_al, v_dal, v_al in Corrispondenza.objects.filter(
        ambito=ambito
    ).values_list(
        "servizio_id",
        "voce__tabella__codice",
        "voce__codice",
        "voce__denominazione",
        "valido_dal",
        "valido_al",
        "voce__valido_dal",
        "voce__valido_al",
    ):
        corrispondenze[servizio_id].append((tabella, codice, denom, c_dal, c_al, v_dal, v_al))
        tabelle.add(tabella)
    versioni = defaultdict(list)
    for tabella, codice, denom, v_dal, v_al in VoceCodice.objects.filter(
        tabella__codice__in=tabelle
    ).values_list("tabella__codice", "codice", "denominazione", "valido_dal", "valido_al"):
        versioni[(tabella, codice)].append((v_dal, v_al, denom))
    cache: dict = {}

    def risolvi(servizio_id, data):
        chiave = (servizio_id, data)
        if chiave not in cache:
            codici, denominazioni = {}, {}
            for tabella, codice, denom, c_dal, c_al, v_dal, v_al in corrispondenze.get(servizio_id, ()):
                if c_dal <= data and (c_al is None or c_al >= data):
                    codici[tabella] = codice
                    if v_dal <= data and (v_al is None or v_al >= data):
                        denominazioni[tabella] = denom  # the entry pointed at is still current
                        continue
                    denominazioni[tabella] = next(
                        (
                            d
                            for v_dal, v_al, d in versioni[(tabella, codice)]
                            if v_dal <= data and (v_al is None or v_al >= data)
                        ),
                        denom,
                    )
            cache[chiave] = (codici, denominazioni)
        return cache[chiave]

    return risolvi


_MEMO_MASSIMO = 50_000  # distinct raw values remembered per column (bounded memory)


def _valori_memoizzati(qs: QuerySet, chunk_size: int) -> Iterator[dict]:
    """What `qs.iterator(chunk_size=...)` yields for a `.values()` queryset (same SQL, same
    names, same Django converters, hence the same Python values), with each column's converters
    memoized on the raw database value. For the SIUSS read of 500,000 deliveries the per-value
    converters (SQLite gives dates and decimals as text and floats, parsed by Python functions)
    cost more than the query: the same dates, amounts and flags come back thousands of times, and
    the converters are pure functions of the raw value (the cache gives the very same immutable
    date/Decimal). Falsy raw values (None, 0, -0.0, "") are converted every time, so that values
    equal as keys but different for the converter (0.0 and -0.0) never share an entry. Checked
    against the plain ORM iterator in cartella/tests/test_erogazioni_letture.py."""
    from django.db import connections
    from django.db.models.sql.constants import MULTI

    query = qs.query
    compiler = query.get_compiler(qs.db)
    if query.selected:  # as django.db.models.query.ValuesIterable
        nomi = list(query.selected)
    else:
        nomi = [*query.extra_select, *query.values_select, *query.annotation_select]
    chunked = connections[qs.db].features.can_use_chunked_reads  # as QuerySet.iterator()
    risultati = compiler.execute_sql(MULTI, chunked_fetch=chunked, chunk_size=chunk_size)
    colonne = [s[0] for s in compiler.select[0 : compiler.col_count]]
    connessione = compiler.connection
    conversioni = [
        (pos, convertitori, espressione, {})
        for pos, (convertitori, espressione) in compiler.get_converters(colonne).items()
    ]
    for blocco in risultati:
        for grezza in blocco:
            riga = list(grezza)
            for pos, convertitori, espressione, memo in conversioni:
                v = riga[pos]
                if v:
                    try:
                        riga[pos] = memo[v]
                        continue
                    except KeyError:
                        pass
                    except TypeError:  # an unhashable raw value: converted every time
                        memo = None
                c = v
                for convertitore in convertitori:
                    c = convertitore(c, espressione, connessione)
                riga[pos] = c
                if v and memo is not None and len(memo) < _MEMO_MASSIMO:
                    memo[v] = c
            yield dict(zip(nomi, riga, strict=True))


GENERE_SIUSS = {"M": "1", "F": "2"}

# What the SIUSS flows read of a delivery, and nothing more: every column is fetched for each of
# hundreds of thousands of rows, and a column from another table costs a join.
CAMPI_SIUSS = {
    "erogazione_id": "id",
    "intervento_id": "intervento_id",
    "caso_id": "intervento__caso_id",
    "persona_id": "intervento__caso__persona_id",
    "annullata_il": "annullato_il",
    # beneficiary
    "codice_fiscale": "intervento__caso__persona__codice_fiscale",
    "cf_temporaneo": "intervento__caso__persona__cf_temporaneo",
    "cognome": "intervento__caso__persona__cognome",
    "nome": "intervento__caso__persona__nome",
    "sesso": "intervento__caso__persona__sesso",
    "data_nascita": "intervento__caso__persona__data_nascita",
    "codice_belfiore_nascita": "intervento__caso__persona__codice_belfiore_nascita",
    "cittadinanza": "intervento__caso__persona__cittadinanza",
    "seconda_cittadinanza": "intervento__caso__persona__seconda_cittadinanza",
    # case
    "comune_responsabile_id": "intervento__caso__comune_responsabile_id",
    "caso_minori": "intervento__caso__minori",
    # service and intervention
    "servizio_id": "intervento__servizio_id",
    "servizio_nome": "intervento__servizio__nome",
    "unita_misura": "intervento__servizio__unita_misura",
    "protocollo_domanda": "intervento__protocollo_domanda",
    "presenza_prova_mezzi": "intervento__presenza_prova_mezzi",
    "carattere_prestazione": "intervento__carattere_prestazione",
    # ISEE used by the intervention
    "isee_valore": "intervento__isee__valore",
    "isee_protocollo_dsu": "intervento__isee__protocollo_dsu",
    "isee_data_dsu": "intervento__isee__data_dsu",
    # the delivery
    "dal": "dal",
    "al": "al",
    "data_erogazione": "data_erogazione",
    "quantita": "quantita",
    "importo": "importo",
    "quota_ente": "quota_ente",
    "quota_utente": "quota_utente",
    "quota_ssn": "quota_ssn",
}


def erogazioni_per_siuss(
    ambito, dal: dt.date, al: dt.date, *, includi_annullate: bool = False, chunk_size: int = 2000
) -> Iterator[dict]:
    """One plain dict per delivery with `data_erogazione` in [dal, al], streamed, person by person
    (each person's deliveries oldest first): a person's rows come together, so that whoever maps
    them (the SIUSS flows) does the person's part once for all of them.

    Keys: those of `CAMPI_SIUSS`, plus `annullata` (bool), `residenza_istat` (ISTAT code of the
    residence at the delivery date, registry residence preferred to domicile), `codici` and
    `denominazioni` ({crosswalk table: value} at the delivery date), `codice_prestazione`,
    `denominazione_prestazione`, `area_utenza` (SIUSS tables, None when not crosswalked),
    `genere` ("1" male / "2" female as in SIUSS), `anno_nascita`, `anno_dsu` and `presa_in_carico`
    (always True: every intervention hangs off a case, which is a presa in carico).
    Annulled deliveries (to send a cancellation) only with `includi_annullate=True`.
    Three queries in all, whatever the number of rows.
    """
    residenza = (
        Residenza.objects.filter(
            persona_id=OuterRef("intervento__caso__persona_id"),
            annullato_il__isnull=True,
            dal__lte=OuterRef("data_erogazione"),
        )
        .filter(Q(al__isnull=True) | Q(al__gte=OuterRef("data_erogazione")))
        .order_by("domicilio", "-dal", "-id")
        .values("codice_istat_comune")[:1]
    )
    qs = Erogazione.objects.filter(
        ambito=ambito,
        intervento__annullato_il__isnull=True,
        data_erogazione__gte=dal,
        data_erogazione__lte=al,
    )
    if not includi_annullate:
        qs = qs.filter(annullato_il__isnull=True)
    qs = (
        qs.annotate(residenza_istat=Subquery(residenza))
        .values(
            "residenza_istat",
            *[k for k, v in CAMPI_SIUSS.items() if k == v],
            **{k: F(v) for k, v in CAMPI_SIUSS.items() if k != v},
        )
        .order_by("intervento__caso__persona_id", "data_erogazione", "id")
    )
    risolvi = _risolutore_codici(ambito)

    def righe():
        for r in _valori_memoizzati(qs, chunk_size):
            codici, denominazioni = risolvi(r["servizio_id"], r["data_erogazione"])
            r["annullata"] = r["annullata_il"] is not None
            r["codici"] = codici
            r["denominazioni"] = denominazioni
            r["codice_prestazione"] = codici.get(TABELLA_PRESTAZIONE)
            r["denominazione_prestazione"] = denominazioni.get(TABELLA_PRESTAZIONE)
            r["area_utenza"] = codici.get(TABELLA_AREA_UTENZA)
            r["genere"] = GENERE_SIUSS.get(r["sesso"], "")
            r["anno_nascita"] = r["data_nascita"].year if r["data_nascita"] else None
            r["anno_dsu"] = r["isee_data_dsu"].year if r["isee_data_dsu"] else None
            r["presa_in_carico"] = True
            yield r

    return righe()
