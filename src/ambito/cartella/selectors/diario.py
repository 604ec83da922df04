"""Reads of the case record: diario, always scoped through selectors.visibilita.

Diary entries and documents carry a confidentiality level: a user reads only the levels
`riservatezze_leggibili(vis, caso)` grants on that case. Court mandates have none of their own:
on a minors' case they are judicial matter and are read only by those who read the judicial
level; elsewhere by whoever opens the case. Guardianship files are read by whoever opens the case.

Every opening of a single entry or document writes the access log; an attempt outside scope
(another Ambito, a case not in scope, a level the user may not read) is a 404 and is logged
as "negato" — the same answer as for a row that does not exist.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.utils import timezone

from ambito.core.services import registra_accesso
from ambito.utenti.selectors import Visibilita

from ..models import Caso, Documento, MandatoGiudiziario, Riservatezza, Tutela, VoceDiario
from .visibilita import casi_visibili, mandati_leggibili, q_casi, riservatezze_leggibili

VOCI_PER_PAGINA = 50
VOCI_NELLA_SEZIONE = 50
ORDINE_LIVELLI = [Riservatezza.ORDINARIA, Riservatezza.TEAM, Riservatezza.GIUDIZIARIA]


def riservatezze_scrivibili(vis: Visibilita, caso: Caso) -> list[str]:
    """The levels this user may write on `caso`, in order: those they read (the judicial level
    exists only on minors' cases and only for the minors' team; an operatore comunale reads, so
    writes, only "ordinaria"). Direzione reads "team" but has no write permission at all: the
    permission check is the caller's."""
    leggibili = riservatezze_leggibili(vis, caso)
    return [liv for liv in ORDINE_LIVELLI if liv in leggibili]


def _nel_proprio_ambito(vis: Visibilita, campo_caso: str = "pk"):
    """Annotation: True when the case is in the user's own scope, False when it is open to them
    only through a break-the-glass access (the access is then logged as "straordinario")."""
    return Exists(Caso.objects.filter(q_casi(vis, straordinari=False), pk=OuterRef(campo_caso)))


def _esito(obj) -> str:
    return "consentito" if obj.nel_proprio_ambito else "straordinario"


def _nega(utente, oggetto_tipo: str, pk, motivo: str):
    registra_accesso(
        utente=utente,
        oggetto_tipo=oggetto_tipo,
        oggetto_id=pk,
        descrizione="tentativo di accesso non consentito",
        esito="negato",
        motivo=motivo,
    )
    raise Http404("Non trovato.")


def caso_per(vis: Visibilita, pk, utente, *, descrizione: str = "", registra: bool = True) -> Caso:
    """The case `pk` if this user may open it, else 404 (logged as denied). With `registra`,
    the opening is written to the access log with `descrizione` (e.g. "diario del caso")."""
    caso = (
        casi_visibili(vis)
        .select_related("ambito", "persona", "servizio")
        .annotate(nel_proprio_ambito=_nel_proprio_ambito(vis))
        .filter(pk=pk)
        .first()
    )
    if caso is None:
        _nega(utente, "cartella.Caso", pk, "caso fuori dal proprio ambito di visibilità")
    if registra:
        registra_accesso(
            utente=utente,
            oggetto_tipo="cartella.Caso",
            oggetto_id=caso.pk,
            descrizione=descrizione or str(caso),
            esito=_esito(caso),
            ambito=caso.ambito,
        )
    return caso


def _voci(caso: Caso, leggibili: set[str]):
    return (
        VoceDiario.objects.filter(caso=caso, riservatezza__in=leggibili)
        .select_related("creato_da", "corregge__creato_da")
        .prefetch_related(
            Prefetch(
                "correzioni",
                queryset=VoceDiario.objects.select_related("creato_da").order_by("creato_il", "id"),
                to_attr="lista_correzioni",
            )
        )
        .order_by("-data", "-id")
    )


def diario_del_caso(vis: Visibilita, caso: Caso, pagina=1) -> Page:
    """One page of the diary of `caso`, latest first, only the levels the user reads; each entry
    carries `lista_correzioni` (the entries that correct it) and `corregge` (what it corrects).
    A fixed number of queries whatever the size of the diary."""
    leggibili = riservatezze_leggibili(vis, caso)
    paginator = Paginator(_voci(caso, leggibili), VOCI_PER_PAGINA)
    return paginator.get_page(pagina)


def voci_del_caso(vis: Visibilita, caso: Caso, *, limite: int = 100, offset: int = 0) -> list[VoceDiario]:
    leggibili = riservatezze_leggibili(vis, caso)
    return list(_voci(caso, leggibili)[offset : offset + limite])


def documenti_del_caso(vis: Visibilita, caso: Caso, leggibili: set[str] | None = None):
    if leggibili is None:
        leggibili = riservatezze_leggibili(vis, caso)
    return (
        Documento.objects.filter(caso=caso, riservatezza__in=leggibili)
        .select_related("creato_da")
        .order_by("-creato_il", "-id")
    )


def mandati_del_caso(vis: Visibilita, caso: Caso, leggibili: set[str] | None = None):
    if leggibili is None:
        leggibili = riservatezze_leggibili(vis, caso)
    if not mandati_leggibili(leggibili, caso):
        return MandatoGiudiziario.objects.none()
    return (
        MandatoGiudiziario.objects.filter(caso=caso, annullato_il__isnull=True)
        .select_related("creato_da")
        .order_by("adempiuto_il", "scadenza", "id")
    )


def tutele_del_caso(vis: Visibilita, caso: Caso):
    return (
        Tutela.objects.filter(caso=caso, annullato_il__isnull=True)
        .select_related("operatore")
        .order_by("chiusa_il", "rendiconto_entro", "id")
    )


def sezione_caso(vis: Visibilita, caso: Caso) -> dict:
    """Context for this area's section of the case page: the latest diary entries, documents,
    court mandates and guardianships. A fixed number of queries whatever the size of the diary."""
    leggibili = riservatezze_leggibili(vis, caso)
    voci = list(_voci(caso, leggibili)[: VOCI_NELLA_SEZIONE + 1])
    altre = len(voci) > VOCI_NELLA_SEZIONE
    return {
        "diario_voci": voci[:VOCI_NELLA_SEZIONE],
        "diario_altre": altre,
        "diario_documenti": list(documenti_del_caso(vis, caso, leggibili)),
        "diario_mandati": list(mandati_del_caso(vis, caso, leggibili)),
        "diario_tutele": list(tutele_del_caso(vis, caso)),
        "diario_livelli_scrivibili": [liv for liv in ORDINE_LIVELLI if liv in leggibili],
        "diario_mandati_visibili": mandati_leggibili(leggibili, caso),
        "diario_oggi": timezone.localdate(),
    }


def voce_per(vis: Visibilita, pk, utente) -> VoceDiario:
    """The diary entry `pk` if the user may read it (case in scope and level readable); logged.
    Otherwise 404, logged as denied."""
    voce = (
        VoceDiario.objects.select_related(
            "caso__ambito", "caso__persona", "caso__servizio", "creato_da", "corregge__creato_da"
        )
        .prefetch_related(
            Prefetch(
                "correzioni",
                queryset=VoceDiario.objects.select_related("creato_da").order_by("creato_il", "id"),
                to_attr="lista_correzioni",
            )
        )
        .annotate(nel_proprio_ambito=_nel_proprio_ambito(vis, "caso_id"))
        .filter(caso__in=casi_visibili(vis), pk=pk)
        .first()
    )
    if voce is None:
        _nega(utente, "cartella.VoceDiario", pk, "annotazione fuori dal proprio ambito di visibilità")
    if voce.riservatezza not in riservatezze_leggibili(vis, voce.caso):
        _nega(
            utente,
            "cartella.VoceDiario",
            pk,
            f"riservatezza «{voce.get_riservatezza_display()}» non leggibile",
        )
    registra_accesso(
        utente=utente,
        oggetto_tipo="cartella.VoceDiario",
        oggetto_id=voce.pk,
        descrizione=f"annotazione del {voce.data:%d/%m/%Y} · caso {voce.caso_id}",
        esito=_esito(voce),
        ambito=voce.caso.ambito,
    )
    return voce


def documento_per(vis: Visibilita, pk, utente, *, descrizione: str = "download") -> Documento:
    """The document `pk` if the user may read it; the opening (by default a download) is logged.
    Otherwise 404, logged as denied. Annulled documents stay readable by those who may read them."""
    doc = (
        Documento.objects.select_related("caso__ambito", "caso__persona", "caso__servizio", "creato_da")
        .annotate(nel_proprio_ambito=_nel_proprio_ambito(vis, "caso_id"))
        .filter(caso__in=casi_visibili(vis), pk=pk)
        .first()
    )
    if doc is None:
        _nega(utente, "cartella.Documento", pk, "documento fuori dal proprio ambito di visibilità")
    if doc.riservatezza not in riservatezze_leggibili(vis, doc.caso):
        _nega(
            utente, "cartella.Documento", pk, f"riservatezza «{doc.get_riservatezza_display()}» non leggibile"
        )
    registra_accesso(
        utente=utente,
        oggetto_tipo="cartella.Documento",
        oggetto_id=doc.pk,
        descrizione=f"{descrizione}: {doc.titolo} · caso {doc.caso_id}"[:300],
        esito=_esito(doc),
        ambito=doc.caso.ambito,
    )
    return doc


def mandato_per(vis: Visibilita, pk, utente) -> MandatoGiudiziario:
    """A court mandate for a write (mark as done): 404 (logged) if out of scope or not readable."""
    m = MandatoGiudiziario.objects.select_related("caso").filter(caso__in=casi_visibili(vis), pk=pk).first()
    if m is None or not mandati_leggibili(riservatezze_leggibili(vis, m.caso), m.caso):
        _nega(utente, "cartella.MandatoGiudiziario", pk, "mandato fuori dal proprio ambito di visibilità")
    return m


def tutela_per(vis: Visibilita, pk, utente) -> Tutela:
    t = Tutela.objects.select_related("caso", "operatore").filter(caso__in=casi_visibili(vis), pk=pk).first()
    if t is None:
        _nega(utente, "cartella.Tutela", pk, "tutela fuori dal proprio ambito di visibilità")
    return t
