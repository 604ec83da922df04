"""Reads of the case record: progetti, always scoped through selectors.visibilita.

Opening an assessment or a plan writes the access log; one outside the reader's scope is a 404
(same answer as a missing row) and the attempt is logged with esito "negato".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from ambito.core.services import registra_accesso
from ambito.utenti.selectors import Visibilita

from .. import siuss_codici
from ..models import (
    Caso,
    Firma,
    InterventoPianificato,
    Obiettivo,
    Progetto,
    StatoApprovazione,
    Valutazione,
    VersioneProgetto,
)
from .visibilita import casi_visibili


def _prefetch_versioni() -> Prefetch:
    return Prefetch(
        "versioni",
        queryset=VersioneProgetto.objects.filter(annullato_il__isnull=True)
        .select_related("approvata_da", "creato_da")
        .prefetch_related(
            Prefetch("obiettivi", queryset=Obiettivo.objects.filter(annullato_il__isnull=True)),
            Prefetch(
                "interventi",
                queryset=InterventoPianificato.objects.filter(annullato_il__isnull=True).select_related(
                    "servizio", "erogatore"
                ),
            ),
            Prefetch(
                "firme", queryset=Firma.objects.filter(annullato_il__isnull=True).order_by("data", "id")
            ),
        )
        .order_by("-numero"),
    )


def puo_scrivere(vis: Visibilita) -> bool:
    return vis.is_coordinatore or vis.is_operatore


def sezione_caso(vis: Visibilita, caso: Caso) -> dict:
    """Context for this area's section of the case page: three queries for the assessments and
    the plans with their versions, goals, interventions and signatures, whatever their number."""
    valutazioni = (
        list(
            Valutazione.objects.filter(caso=caso, annullato_il__isnull=True)
            .select_related("approvata_da", "creato_da")
            .order_by("-data", "-id")
        )
        if caso.pk
        else []
    )
    progetti = (
        list(
            Progetto.objects.filter(caso=caso, annullato_il__isnull=True)
            .prefetch_related(_prefetch_versioni())
            .order_by("-id")
        )
        if caso.pk
        else []
    )
    for p in progetti:
        _annota_progetto(p)
    for v in valutazioni:
        v.strumento_etichetta = _etichetta_sina("StrumentoValutazione", v.strumento_valutazione)
    return {
        "progetti_valutazioni": valutazioni,
        "progetti_progetti": progetti,
        "progetti_puo_scrivere": puo_scrivere(vis) and caso.chiuso_il is None,
    }


def _etichetta_sina(attributo: str, codice: str) -> str:
    if not codice:
        return ""
    return siuss_codici.codici_attributo("sina", attributo).get(codice, codice)


def _annota_progetto(p: Progetto) -> None:
    """Current and approved versions from the prefetched list (no queries)."""
    versioni = list(p.versioni.all())
    p.lista_versioni = versioni
    p.corrente = versioni[0] if versioni else None
    p.in_vigore = next((v for v in versioni if v.stato == StatoApprovazione.APPROVATA), None)


def _nega(utente, tipo: str, pk, descrizione: str) -> None:
    registra_accesso(
        utente=utente,
        oggetto_tipo=tipo,
        oggetto_id=pk,
        descrizione=descrizione,
        esito="negato",
        motivo="Fuori dall'ambito di visibilità dell'utente o inesistente.",
    )
    raise Http404(descrizione)


def valutazioni_visibili(vis: Visibilita) -> QuerySet[Valutazione]:
    return Valutazione.objects.filter(caso__in=casi_visibili(vis))


def progetti_visibili(vis: Visibilita) -> QuerySet[Progetto]:
    return Progetto.objects.filter(caso__in=casi_visibili(vis))


def valutazione_per(vis: Visibilita, pk, utente) -> Valutazione:
    """The assessment `pk` if the user may open it (access logged), else 404 (attempt logged)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("Valutazione non trovata.") from None
    v = (
        valutazioni_visibili(vis)
        .filter(pk=pk)
        .select_related("caso__persona", "caso__servizio", "approvata_da", "creato_da")
        .first()
    )
    if v is None:
        _nega(utente, "cartella.Valutazione", pk, f"Valutazione {pk}")
    registra_accesso(
        utente=utente,
        oggetto_tipo="cartella.Valutazione",
        oggetto_id=v.pk,
        descrizione=f"Valutazione {v.pk} · caso {v.caso_id} · {v.caso.persona}",
        ambito=v.ambito if utente is None else None,
    )
    return v


def progetto_per(vis: Visibilita, pk, utente) -> Progetto:
    """The plan `pk` with its versions (goals, interventions, signatures prefetched) if the user
    may open it (access logged), else 404 (attempt logged)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("Progetto non trovato.") from None
    p = (
        progetti_visibili(vis)
        .filter(pk=pk)
        .select_related("caso__persona", "caso__servizio")
        .prefetch_related(_prefetch_versioni())
        .first()
    )
    if p is None:
        _nega(utente, "cartella.Progetto", pk, f"Progetto {pk}")
    _annota_progetto(p)
    registra_accesso(
        utente=utente,
        oggetto_tipo="cartella.Progetto",
        oggetto_id=p.pk,
        descrizione=f"Progetto {p.pk} · caso {p.caso_id} · {p.caso.persona}",
    )
    return p


def versioni(progetto: Progetto) -> list[VersioneProgetto]:
    """Versions, newest first, with goals, interventions and signatures (prefetched when the plan
    came from `progetto_per`)."""
    if hasattr(progetto, "lista_versioni"):
        return progetto.lista_versioni
    p = Progetto.objects.prefetch_related(_prefetch_versioni()).get(pk=progetto.pk)
    return list(p.versioni.all())


def versione_per_firma(vis: Visibilita, pk, utente) -> VersioneProgetto:
    """A version of a visible plan (for recording a signature), else 404 (attempt logged)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("Versione non trovata.") from None
    v = (
        VersioneProgetto.objects.filter(pk=pk, progetto__caso__in=casi_visibili(vis))
        .select_related("progetto__caso__persona")
        .first()
    )
    if v is None:
        _nega(utente, "cartella.VersioneProgetto", pk, f"Versione di progetto {pk}")
    return v


# --- comparing versions ----------------------------------------------------------------------


@dataclass
class Differenze:
    campi: list[tuple[str, str, str]] = field(default_factory=list)  # (label, before, after)
    obiettivi_aggiunti: list[str] = field(default_factory=list)
    obiettivi_tolti: list[str] = field(default_factory=list)
    interventi_aggiunti: list[str] = field(default_factory=list)
    interventi_tolti: list[str] = field(default_factory=list)
    interventi_modificati: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def vuote(self) -> bool:
        return not any(
            (
                self.campi,
                self.obiettivi_aggiunti,
                self.obiettivi_tolti,
                self.interventi_aggiunti,
                self.interventi_tolti,
                self.interventi_modificati,
            )
        )


def _d(data) -> str:
    return data.strftime("%d/%m/%Y") if data else "—"


def _descrivi_intervento(i: InterventoPianificato) -> str:
    quantita = f"{i.quantita.normalize():f}".replace(".", ",")
    testo = f"{quantita} {i.get_periodicita_display()}, dal {_d(i.dal)}"
    if i.al:
        testo += f" al {_d(i.al)}"
    return testo


def _nome_intervento(i: InterventoPianificato) -> str:
    nome = i.servizio.nome
    if i.erogatore_id:
        nome += f" ({i.erogatore.nome})"
    return nome


def confronta_versioni(v1: VersioneProgetto, v2: VersioneProgetto) -> Differenze:
    """What changed from `v1` to `v2`: fields, goals added or removed, interventions added,
    removed or changed (an intervention is the same if service and provider are the same).
    Uses the prefetched goals and interventions when present."""
    diff = Differenze()
    etichette = (
        ("sintesi", "Sintesi", str),
        ("data_inizio", "Inizio", _d),
        ("data_fine", "Fine", _d),
        ("revisione_ogni_mesi", "Verifica ogni (mesi)", str),
        ("prossima_verifica", "Prossima verifica", _d),
    )
    for campo, etichetta, fmt in etichette:
        a, b = getattr(v1, campo), getattr(v2, campo)
        if a != b:
            diff.campi.append((etichetta, fmt(a), fmt(b)))
    ob1 = [o.descrizione for o in v1.obiettivi.all() if o.annullato_il is None]
    ob2 = [o.descrizione for o in v2.obiettivi.all() if o.annullato_il is None]
    diff.obiettivi_aggiunti = [o for o in ob2 if o not in ob1]
    diff.obiettivi_tolti = [o for o in ob1 if o not in ob2]

    def per_chiave(v):
        out: dict[tuple, list] = {}
        for i in v.interventi.all():
            if i.annullato_il is None:
                out.setdefault((i.servizio_id, i.erogatore_id), []).append(i)
        return out

    in1, in2 = per_chiave(v1), per_chiave(v2)
    for chiave in list(in1) + [k for k in in2 if k not in in1]:
        a = sorted(in1.get(chiave, []), key=lambda i: (i.dal, i.pk))
        b = sorted(in2.get(chiave, []), key=lambda i: (i.dal, i.pk))
        for n in range(max(len(a), len(b))):
            x = a[n] if n < len(a) else None
            y = b[n] if n < len(b) else None
            if x is None:
                diff.interventi_aggiunti.append(f"{_nome_intervento(y)}: {_descrivi_intervento(y)}")
            elif y is None:
                diff.interventi_tolti.append(f"{_nome_intervento(x)}: {_descrivi_intervento(x)}")
            elif _descrivi_intervento(x) != _descrivi_intervento(y):
                diff.interventi_modificati.append(
                    (_nome_intervento(y), _descrivi_intervento(x), _descrivi_intervento(y))
                )
    return diff


# --- assessment display ----------------------------------------------------------------------


def campi_sina(v: Valutazione) -> list[tuple[str, str, str]]:
    """(label, code, code label) of the SINA attributes of an assessment."""
    from ..services.progetti import CAMPI_SINA

    out = []
    for attr, campo in CAMPI_SINA.items():
        a = siuss_codici.attributi("sina")[attr]
        codice = getattr(v, campo)
        out.append((a.etichetta, codice, a.codici.get(codice, "") if codice else ""))
    inv = siuss_codici.attributi("sina")["InvCiv"]
    out.append(
        (
            inv.etichetta,
            ", ".join(v.invalidita_civile),
            "; ".join(inv.codici.get(c, c) for c in v.invalidita_civile),
        )
    )
    out.append(("Interventi sociali necessari (codici prestazione)", ", ".join(v.necessita_interventi), ""))
    return out


def campi_sinba(v: Valutazione) -> list[tuple[str, str, str]]:
    out = []
    for nome, a in siuss_codici.attributi("sinba").items():
        if nome in siuss_codici.SINBA_DERIVATI:
            continue
        valore = v.dati_sinba.get(nome)
        if valore in (None, "", []):
            continue
        valori = valore if isinstance(valore, list) else [valore]
        out.append(
            (
                a.etichetta,
                ", ".join(valori),
                "; ".join(a.codici.get(c, "") for c in valori if a.codici.get(c)),
            )
        )
    return out
