"""Thin views of the ISTAT survey and the SIOSS aggregates: the page (one tab at a time) and
the workbook.

Whole-Ambito readers (ufficio di piano, direzione, amministrazione) see every Comune; a Comune
operator sees only its own Comune's published figures. The unsuppressed version is for the
ufficio di piano only and is marked for internal use.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ambito.core.services import registra_accesso
from ambito.utenti import ruoli as R
from ambito.utenti.selectors import visibilita_di

from . import istat, segreto
from .istat_xlsx import scrivi_xlsx, tabella_non_classificati

VISTE = [("area", "Per area"), ("comune", "Per Comune"), ("servizio", "Per servizio"), ("sioss", "SIOSS")]


def _ambito_di_lettura(request) -> tuple[int | None, bool]:
    """(comune_id or None for the whole Ambito, may see the unsuppressed version); else 403."""
    vis = visibilita_di(request)
    if vis.ambito_id is None:
        raise PermissionDenied
    if vis.intero_ambito and vis.ha_ruolo(R.UFFICIO_DI_PIANO, R.DIREZIONE, R.AMMINISTRAZIONE):
        return None, vis.is_ufficio_di_piano
    if vis.comune_id is not None:
        return vis.comune_id, False
    raise PermissionDenied


def _anno(request, anni: list[int]) -> int:
    """The year asked for, else the latest completed year with deliveries (the survey's year)."""
    try:
        anno = int(request.GET.get("anno") or "")
        if 1900 <= anno <= 2100:
            return anno
    except ValueError:
        pass
    corrente = timezone.localdate().year
    return next((a for a in anni if a < corrente), anni[0] if anni else corrente - 1)


def _non_oscurato(request, puo: bool, anno: int, cosa: str) -> bool:
    """Whether the unsuppressed version is asked for; every request for it is logged, refusals too."""
    if request.GET.get("non_oscurato") != "1":
        return False
    registra_accesso(
        utente=request.user,
        oggetto_tipo="flussi.IndagineIstat",
        oggetto_id=anno,
        descrizione=f"Indagine ISTAT e SIOSS {anno}, versione non oscurata ({cosa})",
        esito="consentito" if puo else "negato",
    )
    if not puo:
        raise PermissionDenied
    return True


def _per_template(t: istat.Tabella) -> dict:
    return {
        "chiave": t.chiave,
        "titolo": t.titolo,
        "intestazioni": list(zip(t.intestazioni, t.tipi, strict=True)),
        "righe": [{"stile": r.stile, "celle": list(zip(r.celle, t.tipi, strict=True))} for r in t.righe],
    }


@login_required
def indagine(request):
    comune_id, puo_non_oscurato = _ambito_di_lettura(request)
    ambito = request.user.ambito
    anni = istat.anni_disponibili(ambito)
    anno = _anno(request, anni)
    non_oscurato = _non_oscurato(request, puo_non_oscurato, anno, "pagina")
    vista = request.GET.get("vista")
    if vista not in dict(VISTE):
        vista = "area"
    ind = istat.indagine_istat(ambito, anno)
    if vista == "sioss":
        s = istat.sioss(ambito, anno)
        tabelle = [istat.tabella_sioss(s, comune_id=comune_id, oscurato=not non_oscurato)]
    else:
        tabelle = [
            t
            for t in istat.tabelle_indagine(ind, comune_id=comune_id, oscurato=not non_oscurato)
            if t.chiave == vista
        ]
    return render(
        request,
        "flussi/istat.html",
        {
            "anno": anno,
            "anni": anni,
            "vista": vista,
            "viste": VISTE,
            "tabelle": [_per_template(t) for t in tabelle],
            "indagine": ind,
            "non_classificate": (
                _per_template(tabella_non_classificati(ind))
                if comune_id is None and ind.non_classificati
                else None
            ),
            "intero_ambito": comune_id is None,
            "non_oscurato": non_oscurato,
            "puo_non_oscurato": puo_non_oscurato,
            "legenda": istat.LEGENDA,
            "primaria": istat.PRIMARIA,
            "secondaria": istat.SECONDARIA,
            "regola": segreto.REGOLA,
            "uso_interno": istat.USO_INTERNO,
            "conteggio_utenti": istat.CONTEGGIO_UTENTI,
            "fonte_spesa": istat.FONTE_SPESA,
            "definizione_sioss": istat.DEFINIZIONE_SIOSS,
        },
    )


@login_required
def indagine_xlsx(request):
    comune_id, puo_non_oscurato = _ambito_di_lettura(request)
    ambito = request.user.ambito
    anno = _anno(request, istat.anni_disponibili(ambito))
    non_oscurato = _non_oscurato(request, puo_non_oscurato, anno, "XLSX")
    contenuto = scrivi_xlsx(
        istat.indagine_istat(ambito, anno),
        istat.sioss(ambito, anno),
        ambito_nome=ambito.nome,
        comune_id=comune_id,
        oscurato=not non_oscurato,
    )
    nome = f"indagine-istat-sioss-{anno}{'-USO-INTERNO' if non_oscurato else ''}.xlsx"
    r = HttpResponse(
        contenuto, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    r["Content-Disposition"] = f'attachment; filename="{nome}"'
    return r
