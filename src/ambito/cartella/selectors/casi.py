"""Reads of the case record: casi, always scoped through selectors.visibilita.

The state of a case is derived from what happened (closure, approved plan, review date), the
timeline gathers every record of a case in one query per record kind, the deadline list and the
caseload are computed in a fixed number of queries whatever the number of cases.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ambito.core.models import EventoAudit
from ambito.core.services import registra_accesso
from ambito.utenti.selectors import Visibilita

from ..models import (
    Accesso,
    AccessoStraordinario,
    Attivita,
    CanaleAccesso,
    Caso,
    Documento,
    Erogazione,
    EsitoTriage,
    EventoCaso,
    Intervento,
    Isee,
    MandatoGiudiziario,
    OperatoreCaso,
    Persona,
    Riservatezza,
    StatoApprovazione,
    Tutela,
    Valutazione,
    VersioneProgetto,
    VoceDiario,
)
from .visibilita import (
    NESSUNO,
    casi_visibili,
    mandati_leggibili,
    q_casi,
    q_mandati_leggibili,
    riservatezze_leggibili,
)

# --- state ---------------------------------------------------------------------------------------

CHIUSO = "chiuso"
IN_VALUTAZIONE = "in_valutazione"
PROGETTO_ATTIVO = "progetto_attivo"
DA_RIVEDERE = "da_rivedere"

STATI = {
    CHIUSO: ("Chiuso", "secondary"),
    IN_VALUTAZIONE: ("In valutazione", "warning"),
    PROGETTO_ATTIVO: ("Progetto attivo", "success"),
    DA_RIVEDERE: ("Da rivedere", "danger"),
}


def _oggi() -> dt.date:
    return timezone.localdate()


def versioni_in_vigore(oggi: dt.date):
    """Approved plan versions in force on `oggi` that no later approved version supersedes."""
    piu_recente = VersioneProgetto.objects.filter(
        progetto=OuterRef("progetto"),
        stato=StatoApprovazione.APPROVATA,
        annullato_il__isnull=True,
        numero__gt=OuterRef("numero"),
        data_inizio__lte=oggi,
    )
    return (
        VersioneProgetto.objects.filter(
            stato=StatoApprovazione.APPROVATA,
            annullato_il__isnull=True,
            progetto__annullato_il__isnull=True,
            data_inizio__lte=oggi,
        )
        .filter(Q(data_fine__isnull=True) | Q(data_fine__gte=oggi))
        .exclude(Exists(piu_recente))
    )


def annota_stato(qs, oggi: dt.date | None = None):
    """Annotate `stato_codice` and `prossima_verifica` on a Caso queryset: one query in all."""
    oggi = oggi or _oggi()
    verifica = (
        versioni_in_vigore(oggi)
        .filter(progetto__caso=OuterRef("pk"))
        .order_by("prossima_verifica")
        .values("prossima_verifica")[:1]
    )
    return qs.annotate(prossima_verifica=Subquery(verifica)).annotate(
        stato_codice=Case(
            When(chiuso_il__isnull=False, then=Value(CHIUSO)),
            When(prossima_verifica__isnull=True, then=Value(IN_VALUTAZIONE)),
            When(prossima_verifica__lt=oggi, then=Value(DA_RIVEDERE)),
            default=Value(PROGETTO_ATTIVO),
            output_field=CharField(),
        )
    )


@dataclass(frozen=True)
class Stato:
    codice: str

    @property
    def etichetta(self) -> str:
        return STATI[self.codice][0]

    @property
    def colore(self) -> str:
        return STATI[self.codice][1]

    def __str__(self) -> str:
        return self.etichetta


def stato_caso(caso: Caso, oggi: dt.date | None = None) -> Stato:
    """The state of one case; free when the case comes from `annota_stato`, else one query."""
    codice = getattr(caso, "stato_codice", None)
    if codice is None:
        codice = annota_stato(Caso.objects.filter(pk=caso.pk), oggi).values_list("stato_codice", flat=True)[0]
    return Stato(codice)


def casi_elenco(vis: Visibilita, *, stato: str = "", servizio_id=None, comune_id=None):
    """Visible cases with state, person, service and Comune, filtered (one query)."""
    qs = annota_stato(casi_visibili(vis).filter(annullato_il__isnull=True)).select_related(
        "persona", "servizio", "comune_responsabile", "team"
    )
    if stato:
        qs = qs.filter(stato_codice=stato)
    if servizio_id:
        qs = qs.filter(servizio_id=servizio_id)
    if comune_id:
        qs = qs.filter(comune_responsabile_id=comune_id)
    return qs.order_by("-data_apertura", "-id")


# --- opening a case --------------------------------------------------------------------------------


def _descrizione(caso: Caso) -> str:
    return f"Caso {caso.pk} · {caso.persona.cognome} {caso.persona.nome} · {caso.servizio.nome}"


def apri_caso_per(vis: Visibilita, pk, utente) -> Caso:
    """The case `pk` if `utente` may open it (access logged), else Http404 (attempt logged)."""
    caso = (
        annota_stato(casi_visibili(vis))
        .select_related("persona", "servizio", "comune_responsabile", "team", "ambito")
        .filter(pk=pk)
        .first()
    )
    if caso is None:
        registra_accesso(
            utente=utente,
            oggetto_tipo="cartella.Caso",
            oggetto_id=pk,
            descrizione=f"Tentativo di apertura del caso {pk} fuori dal proprio ambito di visibilità",
            esito="negato",
        )
        raise Http404("Caso non trovato.")
    straordinario = not casi_visibili_senza_straordinari(vis).filter(pk=caso.pk).exists()
    registra_accesso(
        utente=utente,
        oggetto_tipo="cartella.Caso",
        oggetto_id=caso.pk,
        descrizione=_descrizione(caso),
        esito="straordinario" if straordinario else "consentito",
        motivo="Entro un accesso straordinario già motivato." if straordinario else "",
    )
    caso.aperto_in_straordinario = straordinario
    return caso


def casi_visibili_senza_straordinari(vis: Visibilita):
    return Caso.objects.filter(q_casi(vis, straordinari=False))


def operatori_del_caso(caso: Caso, *, tutti: bool = False):
    qs = OperatoreCaso.objects.filter(caso=caso, annullato_il__isnull=True).select_related("utente")
    if not tutti:
        oggi = _oggi()
        qs = qs.filter(Q(al__isnull=True) | Q(al__gte=oggi))
    return qs.order_by("-referente", "dal", "id")


def casi_per_straordinario(vis: Visibilita, persona: Persona):
    """Cases of `persona` this user cannot see but may open with a "break the glass" access:
    offered on the person page only to operators and coordinators."""
    if not (vis.is_operatore or vis.is_coordinatore) or persona.ambito_id != vis.ambito_id:
        return Caso.objects.none()
    return (
        Caso.objects.filter(persona=persona, ambito_id=vis.ambito_id, annullato_il__isnull=True)
        .exclude(q_casi(vis))
        .select_related("servizio")
        .order_by("-data_apertura")
    )


def straordinari_da_vedere(vis: Visibilita):
    """Unseen "break the glass" accesses on the services and teams a coordinator coordinates."""
    if vis.ambito_id is None or not (vis.is_coordinatore or vis.is_direzione):
        return AccessoStraordinario.objects.none()
    qs = AccessoStraordinario.objects.filter(
        ambito_id=vis.ambito_id, visto_il__isnull=True, annullato_il__isnull=True
    )
    if not vis.is_direzione:
        scope = NESSUNO
        if vis.servizio_ids:
            scope |= Q(caso__servizio_id__in=vis.servizio_ids)
        if vis.team_ids:
            scope |= Q(caso__team_id__in=vis.team_ids)
        qs = qs.filter(scope).exclude(utente_id=vis.utente_id)
    return qs.select_related("utente", "caso__persona", "caso__servizio").order_by("-creato_il")


# --- accesses (PUA) -----------------------------------------------------------------------------


def accessi_visibili(vis: Visibilita):
    """Access records (PUA) a user reads. Direzione: the whole Ambito. Operators and coordinators:
    the accesses they recorded, those routed to their services, and those of cases they see.
    An operatore comunale: the accesses at or routed to their Comune."""
    if vis.ambito_id is None or vis.utente_id is None:
        return Accesso.objects.none()
    base = Accesso.objects.filter(ambito_id=vis.ambito_id, annullato_il__isnull=True)
    if vis.is_direzione:
        return base
    scope = NESSUNO
    if vis.is_operatore or vis.is_coordinatore:
        scope |= Q(operatore_id=vis.utente_id)
        if vis.servizio_ids:
            scope |= Q(servizio_destinazione_id__in=vis.servizio_ids)
        scope |= Q(Exists(Caso.objects.filter(q_casi(vis, straordinari=False), pk=OuterRef("caso_id"))))
    if vis.is_operatore_comunale and vis.comune_id is not None:
        scope |= Q(comune_id=vis.comune_id) | Q(comune_destinazione_id=vis.comune_id)
    return base.filter(scope)


def accessi_elenco(vis: Visibilita, *, anno: int | None = None):
    qs = accessi_visibili(vis).select_related(
        "persona", "comune", "servizio_destinazione", "comune_destinazione", "operatore", "caso"
    )
    if anno:
        qs = qs.filter(data__year=anno)
    return qs.order_by("-data", "-id")


def statistiche_accessi(vis: Visibilita, anno: int) -> dict:
    """Accesses of `anno` per Comune × channel and per Comune × triage outcome (two queries)."""
    qs = accessi_visibili(vis).filter(data__year=anno)
    canali = dict(CanaleAccesso.choices)
    esiti = dict(EsitoTriage.choices)
    righe: dict[int, dict] = {}

    def riga(cid, nome):
        return righe.setdefault(cid, {"comune": nome, "canali": Counter(), "esiti": Counter(), "totale": 0})

    for r in qs.values("comune_id", "comune__nome", "canale").annotate(n=Count("id")):
        rr = riga(r["comune_id"], r["comune__nome"])
        rr["canali"][r["canale"]] += r["n"]
        rr["totale"] += r["n"]
    for r in qs.values("comune_id", "comune__nome", "esito_triage").annotate(n=Count("id")):
        riga(r["comune_id"], r["comune__nome"])["esiti"][r["esito_triage"]] += r["n"]
    elenco = sorted(righe.values(), key=lambda r: r["comune"])
    canali_usati = [c for c in canali if any(r["canali"][c] for r in elenco)]
    esiti_usati = [e for e in esiti if any(r["esiti"][e] for r in elenco)]
    for r in elenco:
        r["per_canale"] = [r["canali"][c] for c in canali_usati]
        r["per_esito"] = [r["esiti"][e] for e in esiti_usati]
    totali_canale = [sum(r["canali"][c] for r in elenco) for c in canali_usati]
    totali_esito = [sum(r["esiti"][e] for r in elenco) for e in esiti_usati]
    return {
        "anno": anno,
        "righe": elenco,
        "canali": [(c, canali[c]) for c in canali_usati],
        "esiti": [(e, esiti[e]) for e in esiti_usati],
        "totali_canale": totali_canale,
        "totali_esito": totali_esito,
        "totale": sum(r["totale"] for r in elenco),
    }


# --- timeline --------------------------------------------------------------------------------------


class _Url:
    """Reverse a URL name once, then fill in ids: hundreds of rows cost one reverse."""

    SEGNAPOSTO = 987654321

    def __init__(self):
        self._cache: dict[str, str | None] = {}

    def __call__(self, nome: str, pk) -> str:
        if nome not in self._cache:
            try:
                self._cache[nome] = reverse(nome, args=[self.SEGNAPOSTO])
            except NoReverseMatch:
                self._cache[nome] = None
        modello = self._cache[nome]
        return modello.replace(str(self.SEGNAPOSTO), str(pk)) if modello else ""


def _autore(utente) -> str:
    if utente is None:
        return ""
    return utente.get_full_name() or utente.username


def _breve(testo: str, n: int = 180) -> str:
    testo = " ".join((testo or "").split())
    return testo if len(testo) <= n else testo[: n - 1] + "…"


@dataclass
class VoceCronologia:
    data: dt.date
    tipo: str
    etichetta: str
    sintesi: str
    autore: str = ""
    url: str = ""
    ordine: int = 0
    dettagli: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "data": self.data,
            "tipo": self.tipo,
            "etichetta": self.etichetta,
            "sintesi": self.sintesi,
            "autore": self.autore,
            "url": self.url,
        }


def _euro(v) -> str:
    from ambito.core.formats import numero_it

    return f"{numero_it(v)} €"


def _num(v) -> str:
    from ambito.core.formats import numero_it

    testo = numero_it(v)
    if testo.endswith(",00"):
        return testo[:-3]
    return testo[:-1] if testo.endswith("0") else testo


def timeline(vis: Visibilita, caso: Caso, *, livelli: set[str] | None = None) -> list[VoceCronologia]:
    """Everything that happened in `caso`, oldest first, one query per record kind.

    Call it only for a case the user may open (see `apri_caso_per`)."""
    livelli = livelli if livelli is not None else riservatezze_leggibili(vis, caso)
    url = _Url()
    voci: list[VoceCronologia] = []
    add = voci.append
    caso_url = url("cartella:caso", caso.pk)

    for a in Accesso.objects.filter(caso=caso, annullato_il__isnull=True).select_related(
        "operatore", "comune", "servizio_destinazione"
    ):
        add(
            VoceCronologia(
                a.data,
                "accesso",
                "Accesso",
                f"{a.get_canale_display()} · {a.get_esito_triage_display()} · {_breve(a.richiesta, 120)}",
                _autore(a.operatore),
                "",
                0,
            )
        )
    for e in EventoCaso.objects.filter(caso=caso, annullato_il__isnull=True).select_related("creato_da"):
        if e.tipo == "chiusura":
            sintesi = f"Chiusura: {e.get_motivo_display()} · {e.get_esito_display()}"
        elif e.tipo == "apertura":
            sintesi = f"Presa in carico: {caso.servizio.nome}"
        else:
            sintesi = "Riapertura del caso"
        if e.note:
            sintesi += f" · {_breve(e.note, 120)}"
        add(
            VoceCronologia(
                e.data, f"caso_{e.tipo}", e.get_tipo_display(), sintesi, _autore(e.creato_da), caso_url, 1
            )
        )
    for o in OperatoreCaso.objects.filter(caso=caso, annullato_il__isnull=True).select_related(
        "utente", "creato_da"
    ):
        chi = _autore(o.utente)
        ref = " (referente)" if o.referente else ""
        add(
            VoceCronologia(
                o.dal,
                "operatore",
                "Operatore",
                f"{chi}{ref} entra come {o.get_ruolo_display().lower()}",
                _autore(o.creato_da),
                caso_url,
                2,
            )
        )
        if o.al:
            add(VoceCronologia(o.al, "operatore", "Operatore", f"{chi} termina l'incarico", "", caso_url, 2))
    for v in Valutazione.objects.filter(caso=caso, annullato_il__isnull=True).select_related(
        "creato_da", "approvata_da"
    ):
        add(
            VoceCronologia(
                v.data,
                "valutazione",
                "Valutazione",
                f"{v.get_tipo_display()} · {v.get_stato_display()}"
                + (f" · {_breve(v.testo, 120)}" if v.testo else ""),
                _autore(v.creato_da),
                url("cartella:valutazione", v.pk),
                3,
            )
        )
        if v.approvata_il:
            add(
                VoceCronologia(
                    timezone.localdate(v.approvata_il),
                    "valutazione",
                    "Valutazione approvata",
                    v.get_tipo_display(),
                    _autore(v.approvata_da),
                    url("cartella:valutazione", v.pk),
                    3,
                )
            )
    for vp in VersioneProgetto.objects.filter(
        progetto__caso=caso, annullato_il__isnull=True, progetto__annullato_il__isnull=True
    ).select_related("progetto", "creato_da", "approvata_da"):
        link = url("cartella:progetto", vp.progetto_id)
        add(
            VoceCronologia(
                vp.data_inizio,
                "progetto",
                "Progetto",
                f"{vp.progetto.get_tipo_display()}, versione {vp.numero} ({vp.get_stato_display().lower()}): "
                f"{_breve(vp.sintesi, 120)} · verifica il {vp.prossima_verifica:%d/%m/%Y}",
                _autore(vp.creato_da),
                link,
                4,
            )
        )
        if vp.approvata_il:
            add(
                VoceCronologia(
                    timezone.localdate(vp.approvata_il),
                    "progetto",
                    "Progetto approvato",
                    f"Versione {vp.numero} approvata",
                    _autore(vp.approvata_da),
                    link,
                    4,
                )
            )
    for i in Intervento.objects.filter(caso=caso, annullato_il__isnull=True).select_related(
        "servizio", "erogatore", "creato_da"
    ):
        chi = f" · {i.erogatore.nome}" if i.erogatore else ""
        periodo = f" fino al {i.al:%d/%m/%Y}" if i.al else ""
        add(
            VoceCronologia(
                i.dal,
                "intervento",
                "Intervento",
                f"{i.servizio.nome}{chi}{periodo}",
                _autore(i.creato_da),
                url("cartella:intervento", i.pk),
                5,
            )
        )
    for er in Erogazione.objects.filter(intervento__caso=caso, annullato_il__isnull=True).select_related(
        "intervento__servizio", "creato_da"
    ):
        unita = (
            er.intervento.servizio.get_unita_misura_display() if er.intervento.servizio.unita_misura else ""
        )
        add(
            VoceCronologia(
                er.data_erogazione,
                "erogazione",
                "Erogazione",
                f"{er.intervento.servizio.nome}: {_num(er.quantita)} {unita} dal {er.dal:%d/%m/%Y} al "
                f"{er.al:%d/%m/%Y} · {_euro(er.importo)}",
                _autore(er.creato_da),
                url("cartella:intervento", er.intervento_id),
                6,
            )
        )
    mesi = (
        Attivita.objects.filter(intervento__caso=caso, annullato_il__isnull=True)
        .annotate(mese=TruncMonth("data"))
        .values("mese", "intervento_id", "intervento__servizio__nome")
        .annotate(ore=Sum("ore"), visite=Sum("accessi"), righe=Count("id"))
        .order_by("mese", "intervento_id")
    )
    for m in mesi:
        mese = m["mese"].date() if isinstance(m["mese"], dt.datetime) else m["mese"]
        add(
            VoceCronologia(
                mese,
                "attivita",
                "Attività del mese",
                f"{m['intervento__servizio__nome']}: {_num(m['ore'] or 0)} ore, {m['visite'] or 0} accessi "
                f"in {m['righe']} registrazioni ({mese:%m/%Y})",
                "",
                url("cartella:intervento", m["intervento_id"]),
                7,
            )
        )
    for d in VoceDiario.objects.filter(
        caso=caso, annullato_il__isnull=True, riservatezza__in=livelli
    ).select_related("creato_da"):
        etichetta = (
            "Diario"
            if d.riservatezza == Riservatezza.ORDINARIA
            else f"Diario ({d.get_riservatezza_display().lower()})"
        )
        if d.corregge_id:
            etichetta += " · correzione"
        add(VoceCronologia(d.data, "diario", etichetta, _breve(d.testo), _autore(d.creato_da), "", 8))
    for doc in Documento.objects.filter(
        caso=caso, annullato_il__isnull=True, riservatezza__in=livelli
    ).select_related("creato_da"):
        add(
            VoceCronologia(
                timezone.localdate(doc.creato_il),
                "documento",
                "Documento",
                f"{doc.get_tipo_display()}: {doc.titolo}",
                _autore(doc.creato_da),
                url("cartella:documento_scarica", doc.pk),
                9,
            )
        )
    if mandati_leggibili(livelli, caso):
        for m in MandatoGiudiziario.objects.filter(caso=caso, annullato_il__isnull=True).select_related(
            "creato_da"
        ):
            scad = f" · scadenza {m.scadenza:%d/%m/%Y}" if m.scadenza else ""
            fatto = f" · adempiuto il {m.adempiuto_il:%d/%m/%Y}" if m.adempiuto_il else ""
            add(
                VoceCronologia(
                    m.data_provvedimento,
                    "mandato",
                    "Mandato",
                    f"{m.get_autorita_display()} n. {m.numero_procedimento}: "
                    f"{_breve(m.oggetto, 120)}{scad}{fatto}",
                    _autore(m.creato_da),
                    "",
                    10,
                )
            )
    for t in Tutela.objects.filter(caso=caso, annullato_il__isnull=True).select_related("creato_da"):
        add(
            VoceCronologia(
                t.decreto_del,
                "tutela",
                t.get_tipo_display(),
                f"{t.tutore} · rendiconto entro il {t.rendiconto_entro:%d/%m/%Y}",
                _autore(t.creato_da),
                "",
                11,
            )
        )
    for s in AccessoStraordinario.objects.filter(caso=caso, annullato_il__isnull=True).select_related(
        "utente"
    ):
        add(
            VoceCronologia(
                timezone.localdate(s.creato_il),
                "straordinario",
                "Accesso straordinario",
                _breve(s.motivo, 160),
                _autore(s.utente),
                "",
                12,
            )
        )
    voci.sort(key=lambda v: (v.data, v.ordine))
    return voci


# --- audit history of a case ---------------------------------------------------------------------


def storia_audit(vis: Visibilita, caso: Caso, *, livelli: set[str] | None = None, limite: int = 200):
    """Audit events about the case and any of its rows the user may read (diary entries and
    documents only at the readable confidentiality levels): one query, child ids as subqueries."""
    livelli = livelli if livelli is not None else riservatezze_leggibili(vis, caso)
    from django.db.models.functions import Cast

    def sub(qs):
        return qs.annotate(id_testo=Cast("pk", CharField())).values("id_testo")

    figli = {
        "cartella.EventoCaso": EventoCaso.objects.filter(caso=caso),
        "cartella.OperatoreCaso": OperatoreCaso.objects.filter(caso=caso),
        "cartella.Accesso": Accesso.objects.filter(caso=caso),
        "cartella.AccessoStraordinario": AccessoStraordinario.objects.filter(caso=caso),
        "cartella.Valutazione": Valutazione.objects.filter(caso=caso),
        "cartella.Progetto": caso.progetti.all(),
        "cartella.VersioneProgetto": VersioneProgetto.objects.filter(progetto__caso=caso),
        "cartella.Intervento": Intervento.objects.filter(caso=caso),
        "cartella.Erogazione": Erogazione.objects.filter(intervento__caso=caso),
        "cartella.Attivita": Attivita.objects.filter(intervento__caso=caso),
        "cartella.VoceDiario": VoceDiario.objects.filter(caso=caso, riservatezza__in=livelli),
        "cartella.Documento": Documento.objects.filter(caso=caso, riservatezza__in=livelli),
    }
    figli["cartella.Tutela"] = Tutela.objects.filter(caso=caso)
    if mandati_leggibili(livelli, caso):
        figli["cartella.MandatoGiudiziario"] = MandatoGiudiziario.objects.filter(caso=caso)
    filtro = Q(oggetto_tipo="cartella.Caso", oggetto_id=str(caso.pk))
    for tipo, qs in figli.items():
        filtro |= Q(oggetto_tipo=tipo, oggetto_id__in=sub(qs))
    return list(
        EventoAudit.objects.filter(filtro, ambito_id=caso.ambito_id).order_by("-momento", "-id")[:limite]
    )


# --- deadlines ------------------------------------------------------------------------------------


@dataclass
class Scadenza:
    data: dt.date
    tipo: str
    descrizione: str
    caso_id: int
    persona: str
    servizio: str
    operatori: list[str]
    url: str
    oggi: dt.date

    @property
    def scaduta(self) -> bool:
        return self.data < self.oggi

    @property
    def giorni(self) -> int:
        return (self.data - self.oggi).days

    @property
    def ritardo(self) -> int:
        return max(0, -self.giorni)

    def as_dict(self) -> dict:
        return {
            "data": self.data,
            "tipo": self.tipo,
            "descrizione": self.descrizione,
            "caso_id": self.caso_id,
            "persona": self.persona,
            "servizio": self.servizio,
            "operatori": self.operatori,
            "scaduta": self.scaduta,
            "giorni": self.giorni,
        }


TIPI_SCADENZA = {
    "verifica": "Verifica del progetto",
    "isee": "Scadenza ISEE",
    "mandato": "Scadenza dell'autorità giudiziaria",
    "rendiconto": "Rendiconto della tutela",
}


def _attivo(oggi: dt.date) -> Q:
    return Q(annullato_il__isnull=True, dal__lte=oggi) & (Q(al__isnull=True) | Q(al__gte=oggi))


def casi_delle_scadenze(vis: Visibilita, utente, *, operatore_id=None):
    """Open cases whose deadlines concern the user: for an operator the cases they follow; for
    a coordinator or the direzione all the cases in scope (optionally of one operator); for an
    operatore comunale the cases of their Comune."""
    oggi = vis.data
    qs = Caso.objects.filter(
        q_casi(vis, straordinari=False), chiuso_il__isnull=True, annullato_il__isnull=True
    )
    if not (vis.is_coordinatore or vis.is_direzione or vis.is_operatore_comunale):
        qs = qs.filter(
            Exists(OperatoreCaso.objects.filter(_attivo(oggi), caso=OuterRef("pk"), utente_id=utente.pk))
        )
    if operatore_id:
        qs = qs.filter(
            Exists(OperatoreCaso.objects.filter(_attivo(oggi), caso=OuterRef("pk"), utente_id=operatore_id))
        )
    return qs


def scadenze(vis: Visibilita, utente, entro_giorni: int = 60, *, operatore_id=None) -> list[Scadenza]:
    """What is due within `entro_giorni` (and what is overdue), overdue first. Five queries."""
    if vis.ambito_id is None or utente is None:
        return []
    oggi = vis.data
    limite = oggi + dt.timedelta(days=entro_giorni)
    casi = casi_delle_scadenze(vis, utente, operatore_id=operatore_id)
    casi_ids = casi.values("pk")
    url = _Url()

    isee = (
        Isee.objects.filter(persona=OuterRef("persona_id"), annullato_il__isnull=True)
        .order_by("-data_dsu", "-id")
        .values("scadenza")[:1]
    )
    righe = (
        annota_stato(casi, oggi)
        .annotate(isee_scadenza=Subquery(isee))
        .filter(Q(prossima_verifica__lte=limite) | Q(isee_scadenza__lte=limite))
        .values(
            "pk",
            "persona_id",
            "persona__cognome",
            "persona__nome",
            "servizio__nome",
            "prossima_verifica",
            "isee_scadenza",
        )
    )
    grezze: list[tuple] = []  # (data, tipo, descrizione, caso_id, persona, servizio)
    persone_isee: set[int] = set()
    for r in sorted(righe, key=lambda r: r["pk"]):
        persona = f"{r['persona__cognome']} {r['persona__nome']}"
        if r["prossima_verifica"] and r["prossima_verifica"] <= limite:
            grezze.append(
                (
                    r["prossima_verifica"],
                    "verifica",
                    "Verifica del progetto individualizzato",
                    r["pk"],
                    persona,
                    r["servizio__nome"],
                )
            )
        if r["isee_scadenza"] and r["isee_scadenza"] <= limite and r["persona_id"] not in persone_isee:
            persone_isee.add(r["persona_id"])
            grezze.append(
                (
                    r["isee_scadenza"],
                    "isee",
                    "Scadenza dell'attestazione ISEE",
                    r["pk"],
                    persona,
                    r["servizio__nome"],
                )
            )
    for m in MandatoGiudiziario.objects.filter(
        q_mandati_leggibili(vis),
        caso__in=casi_ids,
        annullato_il__isnull=True,
        adempiuto_il__isnull=True,
        scadenza__lte=limite,
    ).values(
        "scadenza",
        "autorita",
        "numero_procedimento",
        "caso_id",
        "caso__persona__cognome",
        "caso__persona__nome",
        "caso__servizio__nome",
    ):
        autorita = dict(MandatoGiudiziario._meta.get_field("autorita").choices).get(
            m["autorita"], m["autorita"]
        )
        grezze.append(
            (
                m["scadenza"],
                "mandato",
                f"{autorita}, procedimento n. {m['numero_procedimento']}",
                m["caso_id"],
                f"{m['caso__persona__cognome']} {m['caso__persona__nome']}",
                m["caso__servizio__nome"],
            )
        )
    for t in Tutela.objects.filter(
        caso__in=casi_ids, annullato_il__isnull=True, chiusa_il__isnull=True, rendiconto_entro__lte=limite
    ).values(
        "rendiconto_entro",
        "tutore",
        "tipo",
        "caso_id",
        "caso__persona__cognome",
        "caso__persona__nome",
        "caso__servizio__nome",
    ):
        tipo = dict(Tutela._meta.get_field("tipo").choices).get(t["tipo"], t["tipo"])
        grezze.append(
            (
                t["rendiconto_entro"],
                "rendiconto",
                f"Rendiconto annuale ({tipo.lower()}, {t['tutore']})",
                t["caso_id"],
                f"{t['caso__persona__cognome']} {t['caso__persona__nome']}",
                t["caso__servizio__nome"],
            )
        )
    operatori: dict[int, list[str]] = defaultdict(list)
    if grezze:
        for o in (
            OperatoreCaso.objects.filter(_attivo(oggi), caso_id__in={g[3] for g in grezze})
            .select_related("utente")
            .order_by("-referente", "dal", "id")
        ):
            operatori[o.caso_id].append(_autore(o.utente))
    out = [
        Scadenza(
            data,
            tipo,
            descr,
            caso_id,
            persona,
            servizio,
            operatori.get(caso_id, []),
            url("cartella:caso", caso_id),
            oggi,
        )
        for data, tipo, descr, caso_id, persona, servizio in grezze
    ]
    out.sort(key=lambda s: (s.data, s.tipo, s.caso_id))
    return out


def conteggio_scadenze(vis: Visibilita, utente) -> dict:
    """For the home badge: deadlines within 30 days, and how many of them are overdue."""
    if not (vis.is_operatore or vis.is_coordinatore or vis.is_operatore_comunale or vis.is_direzione):
        return {"totale": 0, "scadute": 0}
    elenco = scadenze(vis, utente, entro_giorni=30)
    return {"totale": len(elenco), "scadute": sum(1 for s in elenco if s.scaduta)}


def operatori_selezionabili(vis: Visibilita):
    """Operators active on cases in the coordinator's scope (for the filter of the deadline list)."""
    from ambito.core.models import Utente

    oggi = vis.data
    return Utente.objects.filter(
        Exists(
            OperatoreCaso.objects.filter(
                _attivo(oggi),
                utente_id=OuterRef("pk"),
                caso__in=Caso.objects.filter(q_casi(vis, straordinari=False), chiuso_il__isnull=True),
            )
        )
    ).order_by("last_name", "first_name", "username")


# --- caseload ------------------------------------------------------------------------------------


def carichi(vis: Visibilita) -> dict:
    """The coordinator's caseload: open cases per operator and service, with overdue deadlines
    per operator. A fixed number of queries."""
    oggi = vis.data
    casi = Caso.objects.filter(
        q_casi(vis, straordinari=False), chiuso_il__isnull=True, annullato_il__isnull=True
    )
    righe = (
        OperatoreCaso.objects.filter(_attivo(oggi), caso__in=casi)
        .values(
            "utente_id",
            "utente__first_name",
            "utente__last_name",
            "utente__username",
            "caso__servizio_id",
            "caso__servizio__nome",
        )
        .annotate(n=Count("caso_id", distinct=True), referente=Count("id", filter=Q(referente=True)))
    )
    servizi: dict[int, str] = {}
    per_operatore: dict[int, dict] = {}
    for r in righe:
        servizi[r["caso__servizio_id"]] = r["caso__servizio__nome"]
        nome = f"{r['utente__first_name']} {r['utente__last_name']}".strip() or r["utente__username"]
        op = per_operatore.setdefault(
            r["utente_id"],
            {
                "utente_id": r["utente_id"],
                "nome": nome,
                "per_servizio": Counter(),
                "totale": 0,
                "referente": 0,
                "scadute": 0,
            },
        )
        op["per_servizio"][r["caso__servizio_id"]] += r["n"]
        op["totale"] += r["n"]
        op["referente"] += r["referente"]
    senza = (
        casi.exclude(Exists(OperatoreCaso.objects.filter(_attivo(oggi), caso=OuterRef("pk"))))
        .values("servizio_id", "servizio__nome")
        .annotate(n=Count("id"))
    )
    senza_operatore = Counter()
    for r in senza:
        servizi[r["servizio_id"]] = r["servizio__nome"]
        senza_operatore[r["servizio_id"]] += r["n"]
    # Overdue deadlines per operator of the case: the coordinator's full list, once.
    scadute = [
        s
        for s in scadenze(vis, None if vis.utente_id is None else _UtenteId(vis.utente_id), entro_giorni=0)
        if s.scaduta
    ]
    caso_operatori = defaultdict(set)
    for caso_id, utente_id in OperatoreCaso.objects.filter(
        _attivo(oggi), caso_id__in={s.caso_id for s in scadute}
    ).values_list("caso_id", "utente_id"):
        caso_operatori[caso_id].add(utente_id)
    for s in scadute:
        for uid in caso_operatori.get(s.caso_id, ()):
            if uid in per_operatore:
                per_operatore[uid]["scadute"] += 1
    ordine_servizi = sorted(servizi, key=lambda k: servizi[k])
    elenco = sorted(per_operatore.values(), key=lambda o: (-o["totale"], o["nome"]))
    for op in elenco:
        op["colonne"] = [op["per_servizio"].get(s, 0) for s in ordine_servizi]
    return {
        "servizi": [(s, servizi[s]) for s in ordine_servizi],
        "operatori": elenco,
        "senza_operatore": [senza_operatore.get(s, 0) for s in ordine_servizi],
        "totale_senza_operatore": sum(senza_operatore.values()),
        "totale_casi": casi.count(),
        "totale_scadute": len(scadute),
    }


@dataclass(frozen=True)
class _UtenteId:
    pk: int
