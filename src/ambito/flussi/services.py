"""Writes of the SIUSS flows: generation from the case record, export for the web upload."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import hmac
import operator
import os
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from lxml import etree

from ambito.cartella.selectors.erogazioni import erogazioni_per_siuss
from ambito.core.services import registra_evento

from . import engine as e
from . import selectors as sel
from .models import STATI_VALIDI, FlussoSiuss, ProgressivoFlusso, StatoFlusso


def chiave_sinba(ambito) -> bytes:
    """The Ambito's key for the SINBA pseudonyms: settings.AMBITO_SIUSS_CHIAVE (or, by default, one
    derived from SECRET_KEY), specialised per Ambito so that two Ambiti never share pseudonyms."""
    base = getattr(settings, "AMBITO_SIUSS_CHIAVE", "") or os.environ.get("AMBITO_SIUSS_CHIAVE", "")
    if not base:
        base = hashlib.sha256(f"ambito.flussi.sinba:{settings.SECRET_KEY}".encode()).hexdigest()
    return hmac.new(base.encode(), f"ambito:{ambito.codice}".encode(), hashlib.sha256).digest()


def cf_operatore_predefinito(attore=None) -> str:
    return (
        getattr(settings, "AMBITO_SIUSS_CF_OPERATORE", "")
        or os.environ.get("AMBITO_SIUSS_CF_OPERATORE", "")
        or getattr(attore, "codice_fiscale", "")
        or ""
    )


def _cf_azienda(ambito) -> str:
    """Last resort for CFOperatore: the codice fiscale of the Azienda that sends for the Ambito."""
    from ambito.territorio.models import Ente, TipoEnte

    azienda = Ente.objects.filter(ambito=ambito, tipo=TipoEnte.AZIENDA).exclude(codice_fiscale="").first()
    return azienda.codice_fiscale if azienda else ""


def protocollo_domanda(ambito, r: dict) -> str:
    """The intervention's protocol; without one, a stable internal id of the intervention."""
    return r.get("protocollo_domanda") or f"{ambito.codice}-INT-{r['intervento_id']}"[:32]


@dataclass
class Conteggi:
    validi: int = 0
    invalidi: int = 0
    saltati: int = 0
    cancellazioni: int = 0
    per_tipo: dict = field(default_factory=lambda: defaultdict(int))

    def as_dict(self) -> dict:
        return {
            "validi": self.validi,
            "invalidi": self.invalidi,
            "saltati": self.saltati,
            "cancellazioni": self.cancellazioni,
        }


class _Numeratore:
    """Daily progressives per Ente and unique, increasing ts_flusso per Ambito, for one run."""

    def __init__(self, ambito):
        self.ambito = ambito
        self.oggi = timezone.localdate()
        self.progressivi: dict[str, int] = {}
        self.prefissi: dict[tuple[str, str], str] = {}  # "EEEE.TIPO.AAAAMMGG." per Ente and type
        ultimo = FlussoSiuss.objects.filter(ambito=ambito).aggregate(m=Max("ts_flusso"))["m"] or 0
        self.ts = ultimo

    def prossimo(self, codice_ente: str, tipo: str) -> tuple[str, int]:
        if codice_ente not in self.progressivi:
            riga, _ = ProgressivoFlusso.objects.select_for_update().get_or_create(
                ambito=self.ambito, codice_ente=codice_ente, giorno=self.oggi
            )
            self.progressivi[codice_ente] = riga.ultimo
        n = self.progressivi[codice_ente] = self.progressivi[codice_ente] + 1
        self.ts = max(int(time.time() * 1000), self.ts + 1)
        prefisso = self.prefissi.get((codice_ente, tipo))
        if prefisso is None or n > 9_999_999:  # the engine formats (and checks) the first one
            id_ = e.id_flusso(codice_ente, tipo, self.oggi, n)
            prefisso = self.prefissi[(codice_ente, tipo)] = id_[:-7]
            return id_, self.ts
        return f"{prefisso}{n:07d}", self.ts

    def salva(self):
        for codice, ultimo in self.progressivi.items():
            ProgressivoFlusso.objects.filter(ambito=self.ambito, codice_ente=codice, giorno=self.oggi).update(
                ultimo=ultimo
            )


BLOCCO = 2000  # deliveries per chunk: one read of their existing flows and one bulk_create each
ANALISI_DOPO = 5 * BLOCCO  # flows written in a run after which PostgreSQL's statistics are renewed
# Persons (and UVM assessments) whose mapped Beneficiario and flow template a generation keeps, the
# most recently met. The deliveries come person by person, so a few are enough; a person is mapped
# again only when met again after these many others (never, in one generation).
PERSONE_IN_MEMORIA = 64


def _a_blocchi(righe: Iterable[dict], n: int) -> Iterator[list[dict]]:
    blocco: list[dict] = []
    for r in righe:
        blocco.append(r)
        if len(blocco) >= n:
            pronto, blocco = blocco, []  # not held here while the caller works (and collects)
            yield pronto
    if blocco:
        yield blocco


def _chiave_sinba(r: dict) -> str | None:
    """The SINBA key of a delivery row ("S<caso>:<codice prestazione>"), None when the row gives
    no SINBA flow (not a minors' case, no birth date, not a minor at the delivery date)."""
    if not r.get("caso_minori") or not r.get("data_nascita"):
        return None
    if e.fascia_eta(r["data_nascita"], r["data_erogazione"]) is None:
        return None
    return f"S{r['caso_id']}:{r.get('codice_prestazione') or '-'}"


PROBLEMA_SENZA_VALUTAZIONE = e.Problema(
    "valutazione",
    "valutazione del minore (SINBA) approvata",
    "Elemento SINBA: il caso non ha una valutazione del minore approvata alla data dell'erogazione",
    "SINBA",
    "",
)


def _ha_copy() -> bool:
    """psycopg 3 (COPY from Python rows); False with another driver."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return False
    return True


class _Inserimento:
    """Many new flows in one `executemany` INSERT (one COPY on PostgreSQL). Why not bulk_create:
    for tens of thousands of rows Django's per-field compilation of the INSERT and the model
    instances cost more than building and validating the XML (see bench/siuss.py). Same
    columns and defaults as the model; JSON and date-time values are prepared by their own
    fields for the backend (the creation time once per chunk, the empty problem list once)."""

    def __init__(self, ambito):
        self.ambito_id = ambito.pk
        self.campi = [f for f in FlussoSiuss._meta.concrete_fields if not f.primary_key]
        self.da_preparare = {
            f.attname: f for f in self.campi if f.get_internal_type() in ("JSONField", "DateTimeField")
        }
        qn = connection.ops.quote_name
        tabella, colonne = qn(FlussoSiuss._meta.db_table), ", ".join(qn(f.column) for f in self.campi)
        self.sql = f"INSERT INTO {tabella} ({colonne}) VALUES ({', '.join(['%s'] * len(self.campi))})"
        # PostgreSQL (production) with psycopg 3: COPY, several times faster than executemany.
        self.copy = (
            f"COPY {tabella} ({colonne}) FROM STDIN"
            if connection.vendor == "postgresql" and _ha_copy()
            else None
        )
        self.vuoti = {a: f.get_db_prep_save([], connection) for a, f in self.da_preparare.items()
                      if f.get_internal_type() == "JSONField"}  # fmt: skip
        self.in_ordine = operator.itemgetter(*[f.attname for f in self.campi])  # dict -> row tuple
        self.righe: list[tuple] = []
        self.scritte = 0
        self.analizzata = False
        self._predefiniti()

    def _predefiniti(self) -> None:
        adesso = timezone.now()
        valori = {"ambito_id": self.ambito_id, "creato_il": adesso, "aggiornato_il": adesso}
        self.predefiniti = {}
        for f in self.campi:
            v = valori[f.attname] if f.attname in valori else f.get_default()
            self.predefiniti[f.attname] = self._prepara(f.attname, v)

    def _prepara(self, attname: str, v):
        f = self.da_preparare.get(attname)
        if f is None:
            return v
        if v == [] and attname in self.vuoti:
            return self.vuoti[attname]
        return f.get_db_prep_save(v, connection)

    def aggiungi(self, valori: dict) -> None:
        riga = {**self.predefiniti, **valori}
        for a in self.da_preparare.keys() & valori.keys():
            riga[a] = self._prepara(a, valori[a])
        self.righe.append(self.in_ordine(riga))

    def consegna(self) -> list[tuple]:
        """The rows queued so far, handed over to be written (the queue starts again)."""
        righe, self.righe = self.righe, []
        self._predefiniti()
        return righe

    def scrivi_righe(self, cur, righe: list[tuple]) -> None:
        """Write `righe` with a DB-API cursor of the run's connection (Django's own, or the
        underlying psycopg connection's from the writer thread, see `_Scrittore`)."""
        if self.copy:  # PostgreSQL: COPY, several times faster than a multi-row INSERT
            with cur.copy(self.copy) as copia:
                for riga in righe:
                    copia.write_row(riga)
        else:
            cur.executemany(self.sql, righe)
        self.scritte += len(righe)
        if connection.vendor == "postgresql" and not self.analizzata and self.scritte >= ANALISI_DOPO:
            # Planner statistics of the flows, once the run has written many: without them (a
            # table never analysed, as before a first generation) PostgreSQL takes `ambito_id = x`
            # for 0.5% of the rows and answers each chunk's lookup of keys by scanning all the
            # Ambito's flows, a cost growing with the table. Autovacuum cannot help inside this
            # one transaction; ANALYZE counts its rows.
            cur.execute(f"ANALYZE {connection.ops.quote_name(FlussoSiuss._meta.db_table)}")
            self.analizzata = True


class _Scrittore:
    """Where a chunk's new flows are written. On PostgreSQL, by a second thread while the next
    chunk is built: the server's work (COPY, its indexes, the foreign-key checks, made immediate
    for the run so that they run inside each COPY instead of all at COMMIT) overlaps the building
    of the XML, on the server's own core. The thread uses the very connection of the run (psycopg's
    connection serialises its users), so it is the same transaction: all or nothing. At most one
    chunk is being written; its error is raised in the run. Elsewhere (SQLite, in the process),
    each chunk is written in place."""

    def __init__(self, nuovi: _Inserimento):
        self.nuovi = nuovi
        self.in_corso = None
        self.pool = None
        if nuovi.copy:
            from concurrent.futures import ThreadPoolExecutor

            connection.ensure_connection()
            self.grezza = connection.connection  # psycopg's connection, in the run's transaction
            with connection.cursor() as cur:
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="flussi-scrittura")

    def _scrivi(self, righe: list[tuple]) -> None:
        with self.grezza.cursor() as cur:
            self.nuovi.scrivi_righe(cur, righe)

    def avvia(self, righe: list[tuple]) -> None:
        """Start writing `righe` (the previous write must be over: see `attendi`)."""
        if not righe:
            return
        if self.pool is None:
            with connection.cursor() as cur:
                self.nuovi.scrivi_righe(cur.cursor, righe)
        else:
            self.in_corso = self.pool.submit(self._scrivi, righe)

    def attendi(self) -> None:
        """Wait for the write in progress, raising its error."""
        if self.in_corso is not None:
            in_corso, self.in_corso = self.in_corso, None
            in_corso.result()

    def chiudi(self, *, ok: bool) -> None:
        try:
            self.attendi()
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)
                if ok:  # back to the schema's deferred checks for the rest of the transaction
                    with connection.cursor() as cur:
                        cur.execute("SET CONSTRAINTS ALL DEFERRED")


class _Generazione:
    """One run of `genera_flussi`, chunk by chunk: per chunk of deliveries one read of the
    existing flows of their keys, one read of the assessments of the cases not met yet and one
    INSERT, so that memory depends on the chunk size and on the number of cases, not on the
    number of deliveries. Kept throughout: the SINBA keys already sent in this run (one per
    minor's case and codice prestazione) and the assessments of the cases met."""

    def __init__(self, *, ambito, cf_operatore: str):
        self.ambito = ambito
        self.cf_operatore = cf_operatore
        self.enti = sel.enti_per_id(ambito)
        self.chiave = chiave_sinba(ambito)
        self.num = _Numeratore(ambito)
        self.conta = Conteggi()
        self.sinba_visti: set[str] = set()
        self.nuovi = _Inserimento(ambito)
        self.scrittore = _Scrittore(self.nuovi)
        self.da_scrivere: list[tuple] = []  # the previous chunk's new flows, written during this one
        # Assessments of the cases met so far, read once per case (chunk by chunk).
        self.uvm = sel.valutazioni_uvm(ambito, casi=())
        self.minori = sel.valutazioni_minori(ambito, casi=())
        self._enti_flusso: dict = {}
        self._persone: OrderedDict = OrderedDict()
        self._sina: dict = {}
        self._fisse: dict = {}

    def ente(self, comune_id) -> tuple[dict, dict, list, str]:
        """The Comune's plain dict, its Ente attributes, their problems and their JSON for the
        fingerprints: computed once per Comune in a run (read-only afterwards)."""
        v = self._enti_flusso.get(comune_id)
        if v is None:
            ente = self.enti.get(comune_id, {})
            attrs, problemi = e.ente_flusso(ente, self.cf_operatore)
            v = self._enti_flusso[comune_id] = (ente, attrs, problemi, e.json_impronta(attrs))
        return v

    def persona(self, r: dict, ente_json: str) -> list:
        """[Beneficiario, its problems, the start of its flows' fingerprint text (Ente and
        Beneficiario), its templates per intervention and assessment (None until a flow needs
        one)] of the row's person and Comune: mapped once for the person's deliveries (they come
        together, see `erogazioni_per_siuss`)."""
        chiave = (r["comune_responsabile_id"], e.chiave_beneficiario(r))
        persone = self._persone
        v = persone.get(chiave)
        if v is None:
            beneficiario, problemi = e.beneficiario_da_riga(r)
            prefisso = e.prefisso_impronta(
                {"ente": ente_json, "beneficiario": e.json_impronta(beneficiario)}, "prestazione"
            )
            v = persone[chiave] = [beneficiario, problemi, prefisso, None]
            if len(persone) > PERSONE_IN_MEMORIA:
                persone.popitem(last=False)
        else:
            persone.move_to_end(chiave)
        return v

    def prestazione_fissa(self, r: dict) -> tuple:
        """`e.prestazione_fissa(r)` and the XSD text of its attributes, once per intervention (its
        deliveries come together with the person's)."""
        chiave = e.chiave_prestazione_fissa(r)
        fisse = self._fisse
        v = fisse.get(chiave)
        if v is None:
            fissa, prima, dopo = e.prestazione_fissa(r)
            v = fisse[chiave] = (fissa, e.testi_xsd(fissa), prima, dopo)
            if len(fisse) > PERSONE_IN_MEMORIA:
                fisse.pop(next(iter(fisse)))
        return chiave, v

    @staticmethod
    def modelli(persona: list, chiave_fissa, sina_id) -> list:
        """[flow template, {variable keys: fingerprint text template}] of a person's intervention
        and UVM assessment, kept with the person; the flow template is built when a flow first
        needs it (`modello_xml`)."""
        modelli = persona[3]
        if modelli is None:
            modelli = persona[3] = {}
        m = modelli.get((chiave_fissa, sina_id))
        if m is None:
            m = modelli[(chiave_fissa, sina_id)] = [None, {}]
        return m

    @staticmethod
    def modello_xml(modelli: list, persona: list, ente_attrs: dict, testi_fissi, sina_el):
        if modelli[0] is None:
            modelli[0] = e.modello_prestazione(ente_attrs, persona[0], testi_fissi, sina_el)
        return modelli[0]

    def sina(self, v: dict) -> tuple[dict, object]:
        """The SINA dict and element of an UVM assessment, built once per assessment."""
        s = self._sina.get(v["id"])
        if s is None:
            sina = e.sina_da_valutazione(v)
            s = self._sina[v["id"]] = (sina, e.elemento_sina(sina))
            if len(self._sina) > PERSONE_IN_MEMORIA:
                self._sina.pop(next(iter(self._sina)))
        return s

    def blocco(self, righe: list[dict]) -> None:
        """Read what the chunk needs, start writing the previous chunk's new flows, build this
        chunk's (while that write goes on, on PostgreSQL), then wait for the write, so that the
        connection is free for reading the next chunk. The reads cannot need the flows being
        written: those are of other deliveries, and their SINBA keys are in `sinba_visti`."""
        chiavi_s = {r["erogazione_id"]: _chiave_sinba(r) for r in righe}
        esistenti = sel.ultimi_per_chiave(
            self.ambito,
            [f"E{r['erogazione_id']}" for r in righe]
            + [k for k in chiavi_s.values() if k and k not in self.sinba_visti],
        )
        casi = {r["caso_id"] for r in righe}
        self.uvm.carica(casi)
        self.minori.carica(casi)
        self.scrittore.avvia(self.da_scrivere)
        self.da_scrivere = []
        for r in righe:
            self.riga(r, esistenti, self.uvm, self.minori, chiavi_s[r["erogazione_id"]])
        self.da_scrivere = self.nuovi.consegna()
        self.scrittore.attendi()

    def fine(self) -> None:
        """Write the last chunk's flows."""
        self.scrittore.avvia(self.da_scrivere)
        self.da_scrivere = []
        self.scrittore.attendi()

    def riga(self, r: dict, esistenti: dict, uvm, minori, ks: str | None) -> None:
        conta = self.conta
        ente, ente_attrs, problemi_ente, ente_json = self.ente(r["comune_responsabile_id"])
        r["protocollo_domanda"] = protocollo_domanda(self.ambito, r)  # the row is ours: no copy
        k = f"E{r['erogazione_id']}"
        storia = esistenti.get(k)
        if storia:
            inserimenti = [f for f in storia if f["tipo_operazione"] == "I"]
            cancellati = {f["annulla_id"] for f in storia if f["tipo_operazione"] == "C"}
            ultimo = inserimenti[-1] if inserimenti else None
            ultimo_valido = (
                ultimo
                if ultimo and ultimo["stato"] in STATI_VALIDI and ultimo["id"] not in cancellati
                else None
            )
        else:  # a delivery never sent (most of a first generation)
            ultimo = ultimo_valido = None

        if r["annullata"]:
            if ultimo_valido:
                self.cancella(ultimo_valido)
            elif ultimo and ultimo["stato"] == StatoFlusso.INVALIDO:
                FlussoSiuss.objects.filter(pk=ultimo["id"]).update(stato=StatoFlusso.SUPERATO)
            else:
                conta.saltati += 1
            return

        persona = self.persona(r, ente_json)
        _beneficiario, problemi_b, prefisso_impronta, _modello = persona
        v = uvm.alla_data(r["caso_id"], r["data_erogazione"])
        sina, sina_el = self.sina(v) if v else (None, None)
        sina_id = v["id"] if v else None  # part of the templates' key
        # = e.prestazione_da_riga(r, sina=sina), the intervention's part mapped once per intervention
        chiave_fissa, (fissa, testi_fissa, prima, dopo) = self.prestazione_fissa(r)
        variabile, problemi_v = e.prestazione_variabile(r)
        problemi_p = prima + problemi_v + dopo
        # = e.impronta({"ente": ente_attrs, "beneficiario": beneficiario, "prestazione": prestazione})
        # with prestazione = {**fissa, **variabile, "SINA": sina}, the fixed text encoded once
        modelli = self.modelli(persona, chiave_fissa, sina_id)
        json_p = modelli[1].get(tuple(variabile))
        if json_p is None:
            fisse = {**fissa, "SINA": sina} if sina else fissa
            json_p = modelli[1][tuple(variabile)] = e.ModelloJson(fisse, variabile)
        imp = e.impronta_da_prefisso(prefisso_impronta, json_p.testo(variabile))
        if ultimo and ultimo["impronta"] == imp and ultimo["stato"] != StatoFlusso.INVALIDO:
            conta.saltati += 1
        else:
            if ultimo_valido:  # the content changed after a valid flow: cancel, then insert again
                self.cancella(ultimo_valido)
            self.nuovo(
                tipo=e.PS,
                chiave_flusso=k,
                r=r,
                ente=ente,
                documento=lambda nome, var=variabile, m=modelli, t=testi_fissa, s=sina_el: (
                    e.documento_da_modello_prestazione(
                        nome, self.modello_xml(m, persona, ente_attrs, t, s), e.testi_xsd(var)
                    )
                ),
                impronta_=imp,
                problemi=problemi_ente + problemi_b + problemi_p,
                esistente_id=ultimo["id"] if ultimo and ultimo["stato"] == StatoFlusso.INVALIDO else None,
            )

        # SINBA: a minor in a minors' case, once per case and codice prestazione (and again when
        # the assessment or the derived data change).
        if ks is None or ks in self.sinba_visti:
            return
        self.sinba_visti.add(ks)
        vm = minori.alla_data(r["caso_id"], r["data_erogazione"])
        codici = [r["codice_prestazione"]] if r.get("codice_prestazione") else []
        record, problemi_s = e.sinba_da_riga(
            r, (vm or {}).get("dati_sinba") or {}, chiave=self.chiave, codici_prestazione=codici
        )
        if vm is None:
            problemi_s.append(PROBLEMA_SENZA_VALUTAZIONE)
        # The age band moves with time: the fingerprint leaves it out, so a new SINBA is sent
        # only when the assessment or the other data change.
        imp_s = e.impronta_di_parti(
            {
                "ente": ente_json,
                "sinba": e.json_impronta({x: y for x, y in record.items() if x != "FasciaEtaBeneficiario"}),
            }
        )
        storia_s = esistenti.get(ks, [])
        ultimo_s = storia_s[-1] if storia_s else None
        if ultimo_s and ultimo_s["impronta"] == imp_s and ultimo_s["stato"] != StatoFlusso.INVALIDO:
            conta.saltati += 1
            return
        self.nuovo(
            tipo=e.SINBA,
            chiave_flusso=ks,
            r=r,
            ente=ente,
            documento=lambda nome, rec=record, ea=ente_attrs: e.documento_sinba(nome, ea, [rec]),
            impronta_=imp_s,
            problemi=problemi_ente + problemi_s,
            esistente_id=ultimo_s["id"] if ultimo_s and ultimo_s["stato"] == StatoFlusso.INVALIDO else None,
        )

    def nuovo(self, *, tipo, chiave_flusso, r, ente, documento, impronta_, problemi, esistente_id=None):
        """Build, validate the tree with the compiled XSD, name it when valid, serialise it once,
        and queue it (or update in place a flow that was invalid)."""
        doc = documento("PROVVISORIO")
        problemi = list(problemi) + e.valida_documento(tipo, doc)
        if problemi:
            stato, id_, ts = StatoFlusso.INVALIDO, None, None
            self.conta.invalidi += 1
        else:
            stato = StatoFlusso.PREPARATO
            id_, ts = self.num.prossimo(ente["codice_catastale"], tipo)
            e.imposta_nome(doc, id_)
            self.conta.validi += 1
        xml = e.serializza(doc)
        campi = {
            "tipo": tipo,
            "id_flusso": id_,
            "ts_flusso": ts,
            "codice_ente": ente.get("codice_catastale") or "",
            "ente_id": ente.get("id"),
            "chiave": chiave_flusso,
            "erogazione_id": r["erogazione_id"],
            "intervento_id": r["intervento_id"],
            "caso_id": r["caso_id"],
            "persona_id": r["persona_id"],
            "tipo_operazione": "I",
            "annulla_id": None,
            "impronta": impronta_,
            "xml": xml.decode("utf-8"),
            "sha256": e.sha256(xml),
            "stato": stato,
            "errori": [p.as_dict() for p in problemi],
        }
        if esistente_id:
            FlussoSiuss.objects.filter(pk=esistente_id).update(**campi, aggiornato_il=timezone.now())
        else:
            self.nuovi.aggiungi(campi)

    def cancella(self, ultimo_valido: dict) -> None:
        """A cancellation of a valid insertion: the same content, TipoOperazione C, a new id."""
        originale = FlussoSiuss.objects.get(pk=ultimo_valido["id"])
        doc = etree.fromstring(originale.xml.encode("utf-8"))
        for p in doc.iter(f"{{{e.NS}}}PrestazioniSociali"):
            p.set("TipoOperazione", "C")
        id_, ts = self.num.prossimo(originale.codice_ente, originale.tipo)
        e.imposta_nome(doc, id_)
        problemi = e.valida_documento(originale.tipo, doc)
        xml = e.serializza(doc)
        self.nuovi.aggiungi(
            {
                "tipo": originale.tipo,
                "id_flusso": id_ if not problemi else None,
                "ts_flusso": ts if not problemi else None,
                "codice_ente": originale.codice_ente,
                "ente_id": originale.ente_id,
                "chiave": originale.chiave,
                "erogazione_id": originale.erogazione_id,
                "intervento_id": originale.intervento_id,
                "caso_id": originale.caso_id,
                "persona_id": originale.persona_id,
                "tipo_operazione": "C",
                "annulla_id": originale.pk,
                "impronta": originale.impronta,
                "xml": xml.decode("utf-8"),
                "sha256": e.sha256(xml),
                "stato": StatoFlusso.PREPARATO if not problemi else StatoFlusso.INVALIDO,
                "errori": [p.as_dict() for p in problemi],
            }
        )
        self.conta.cancellazioni += 1
        if not problemi:
            self.conta.validi += 1
        else:
            self.conta.invalidi += 1


@transaction.atomic
def genera_flussi(
    *, ambito, dal: dt.date, al: dt.date, attore, cf_operatore: str = "", blocco: int = BLOCCO
) -> dict:
    """One PS/PSA/SINA flow per delivery with data_erogazione in [dal, al] (one beneficiary, one
    delivery), plus a SINBA flow per minor's case and codice prestazione. Each flow is validated
    against INPS's XSD: valid ones are stored `preparato` with their id_flusso, invalid ones
    `invalido` with the problems (which field of which record). Idempotent: unchanged content is
    skipped; a delivery annulled (or whose flow content changed) after a valid flow produces a
    cancellation (TipoOperazione C) and, for a change, a new insertion.

    Streamed: the deliveries are read `blocco` at a time (see `_Generazione`), so a period of
    millions of deliveries runs in bounded memory.

    Returns counts: validi, invalidi, saltati, cancellazioni (cancellations are also valid)."""
    cf_operatore = cf_operatore or cf_operatore_predefinito(attore) or _cf_azienda(ambito)
    g = _Generazione(ambito=ambito, cf_operatore=cf_operatore)
    righe = erogazioni_per_siuss(ambito, dal, al, includi_annullate=True, chunk_size=blocco)
    # The chunk loop allocates millions of short-lived dicts and lists (rows, attributes, problems),
    # none in reference cycles: the automatic collector would walk them over and over. It is off
    # during the loop and run by hand once per chunk on the young generations only (the objects of
    # that chunk), so that any cycle is still freed and memory stays bounded by the chunk.
    automatico = gc.isenabled()
    gc.disable()
    ok = False
    blocchi = _a_blocchi(righe, blocco)
    try:
        for righe_blocco in blocchi:
            g.blocco(righe_blocco)
            del righe_blocco  # the chunk's rows are freed before the collection, not walked by it
            gc.collect(1)
        g.fine()
        ok = True
    finally:
        # On an error, the deliveries' server-side cursor (PostgreSQL) is closed now, inside the
        # run's transaction: after its rollback the cursor no longer exists and closing it then
        # (when the generator is collected) would fail and abort an enclosing transaction.
        blocchi.close()
        righe.close()
        g.scrittore.chiudi(ok=ok)
        if automatico:
            gc.enable()
    g.num.salva()
    risultato = g.conta.as_dict()
    registra_evento(
        attore=attore,
        azione="flussi.siuss.genera",
        ambito=ambito,
        dopo={"dal": dal.isoformat(), "al": al.isoformat(), **risultato},
        descrizione=f"Flussi SIUSS dal {dal:%d/%m/%Y} al {al:%d/%m/%Y}",
    )
    return risultato


def _scrittore(percorso: Path):
    """A coroutine that writes one `Flusso` element by element (lxml's incremental xmlfile): each
    child sent is serialised and flushed at once, so a batch of any size needs no more memory
    than one Beneficiario."""
    with open(percorso, "wb") as f, etree.xmlfile(f, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{e.NS}}}Flusso", nsmap={None: e.NS}):
            try:
                while True:
                    xf.write((yield))
                    xf.flush()
            except GeneratorExit:
                pass


class _Lotto:
    """One batch file for the INPS web upload (one type, one Ente), written incrementally to a
    provisional file, then validated while parsed again (iterparse with the XSD, elements cleared
    as they go) and renamed `<id>.xml` only when valid. PS flows arrive ordered by person: the
    consecutive flows of one codice fiscale become one Beneficiario with all its deliveries."""

    def __init__(self, cartella: Path, tipo: str, codice: str, ente: dict, num: _Numeratore):
        self.tipo, self.codice = tipo, codice
        self.id_, _ts = num.prossimo(codice, tipo)
        self.percorso = cartella / f"{self.id_}.xml"
        self.provvisorio = cartella / f"{self.id_}.xml.parziale"
        self.corrente = None  # the PS Beneficiario being filled
        self.scrivi = _scrittore(self.provvisorio)
        next(self.scrivi)
        ident = etree.Element(f"{{{e.NS}}}IdentificazioneFlusso", Nome=self.id_)
        etree.SubElement(ident, f"{{{e.NS}}}Ente", **ente)
        self.scrivi.send(ident)

    def aggiungi(self, doc) -> None:
        for figlio in doc:
            if figlio.tag == f"{{{e.NS}}}IdentificazioneFlusso":
                continue
            if self.tipo != e.PS:
                self.scrivi.send(figlio)
            elif self.corrente is not None and figlio.get("CodiceFiscale") == self.corrente.get(
                "CodiceFiscale"
            ):
                for p in figlio.findall(f"{{{e.NS}}}PrestazioniSociali"):
                    self.corrente.append(p)
            else:
                if self.corrente is not None:
                    self.scrivi.send(self.corrente)
                self.corrente = figlio

    def chiudi(self) -> bool:
        """Finish, validate and keep the file: True when valid (else the file is removed)."""
        if self.corrente is not None:
            self.scrivi.send(self.corrente)
        self.scrivi.close()
        try:
            for _evento, el in etree.iterparse(
                str(self.provvisorio), events=("end",), schema=e.schema(self.tipo)
            ):
                if el.tag in (f"{{{e.NS}}}Beneficiario", f"{{{e.NS}}}SINBA"):
                    el.clear()
                    while el.getprevious() is not None:
                        del el.getparent()[0]
        except etree.XMLSyntaxError:
            self.provvisorio.unlink()
            return False
        self.provvisorio.replace(self.percorso)
        return True


@transaction.atomic
def esporta_flussi(*, ambito, cartella, attore=None, stati=(StatoFlusso.PREPARATO,)) -> dict:
    """Write the valid flows as XML files (`<cartella>/<tipo>/<id_flusso>.xml`, one beneficiary and
    one delivery each, for the API) and, for the INPS web upload, one batch file per type and Ente
    (`<cartella>/lotti/<id>.xml`: the XSD allows several Beneficiario per Flusso and several
    PrestazioniSociali per Beneficiario; several SINBA per Flusso). Every file is validated again.

    Streamed: the flows are read in chunks ordered by type, Ente and person, and each batch file
    is written incrementally (see `_Lotto`), so memory does not grow with the number of flows.
    Returns counts: validi (files written), invalidi (files failing the XSD), lotti."""
    base = Path(cartella)
    (base / "lotti").mkdir(parents=True, exist_ok=True)
    for t in e.TIPI:
        (base / t).mkdir(parents=True, exist_ok=True)
    validi = invalidi = lotti = 0
    num = _Numeratore(ambito)
    qs = (
        FlussoSiuss.objects.filter(ambito=ambito, stato__in=stati, id_flusso__isnull=False)
        .order_by("tipo", "codice_ente", "persona_id", "ts_flusso")
        .values_list("tipo", "id_flusso", "codice_ente", "xml")
    )
    lotto: _Lotto | None = None
    for tipo, id_, codice, xml in qs.iterator(chunk_size=BLOCCO):
        dati = xml.encode("utf-8")
        try:
            doc = etree.fromstring(dati)
        except etree.XMLSyntaxError:
            invalidi += 1
            continue
        if e.valida_documento(tipo, doc):
            invalidi += 1
            continue
        (base / tipo / f"{id_}.xml").write_bytes(dati)
        validi += 1
        if lotto is None or (lotto.tipo, lotto.codice) != (tipo, codice):
            if lotto is not None:
                ok = lotto.chiudi()
                lotti += ok
                invalidi += not ok
            ente = doc.find(f"{{{e.NS}}}IdentificazioneFlusso/{{{e.NS}}}Ente")
            lotto = _Lotto(base / "lotti", tipo, codice, dict(ente.attrib), num)
        lotto.aggiungi(doc)
    if lotto is not None:
        ok = lotto.chiudi()
        lotti += ok
        invalidi += not ok
    num.salva()
    risultato = {"validi": validi, "invalidi": invalidi, "lotti": lotti}
    registra_evento(
        attore=attore,
        azione="flussi.siuss.esporta",
        ambito=ambito,
        dopo={"cartella": str(base), **risultato},
        descrizione="Esportazione dei flussi SIUSS",
    )
    return risultato
