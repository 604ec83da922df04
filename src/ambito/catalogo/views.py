"""Thin views: parse the request, call a selector, render."""

import datetime as dt

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import render

from . import selectors
from .models import Servizio


def _raggruppa(servizi):
    """[(area, [(settore, [services])])] in catalogue order; services without a sector last."""
    gruppi: list = []
    for s in servizi:
        area = s.settore.area if s.settore else None
        if not gruppi or gruppi[-1][0] != area:
            gruppi.append((area, []))
        settori = gruppi[-1][1]
        if not settori or settori[-1][0] != s.settore:
            settori.append((s.settore, []))
        settori[-1][1].append(s)
    return gruppi


@login_required
@permission_required("catalogo.view_servizio", raise_exception=True)
def servizi(request):
    ambito = request.user.ambito
    aree = list(selectors.aree(ambito))
    scelta = request.GET.get("area", "")
    area = next((a for a in aree if str(a.pk) == scelta), None)
    elenco = list(selectors.servizi(ambito, area=area))
    oggi = dt.date.today()
    codici = selectors.codici_correnti([s.pk for s in elenco], oggi, selectors.TABELLE_ELENCO)
    for s in elenco:
        voci = codici.get(s.pk, {})
        s.codici_oggi = [voci.get(t) for t in selectors.TABELLE_ELENCO]
    contesto = {"aree": aree, "area": area, "gruppi": _raggruppa(elenco), "totale": len(elenco), "oggi": oggi}
    if request.headers.get("HX-Request"):
        return render(request, "catalogo/_servizi_elenco.html", contesto)
    return render(request, "catalogo/servizi.html", contesto)


@login_required
@permission_required("catalogo.view_servizio", raise_exception=True)
def servizio(request, pk: int):
    try:
        s = selectors.servizio(request.user.ambito, pk)
    except Servizio.DoesNotExist:
        raise Http404("Servizio inesistente.") from None
    oggi = dt.date.today()
    contesto = {
        "servizio": s,
        "oggi": oggi,
        "anno": oggi.year,
        "storia": list(selectors.storia_corrispondenze(s)),
        "codici_oggi": selectors.codici_correnti([s.pk], oggi).get(s.pk, {}),
        "conferimenti": list(selectors.conferimenti_servizio(s, oggi.year)),
    }
    return render(request, "catalogo/servizio.html", contesto)


@login_required
@permission_required("catalogo.view_contrattoservizio", raise_exception=True)
def matrice(request):
    ambito = request.user.ambito
    oggi = dt.date.today()
    anni = selectors.anni_con_conferimenti(ambito, oggi)
    anno = selectors.anno_predefinito(anni, oggi)
    richiesto = request.GET.get("anno", "")
    if richiesto.isdigit() and 1900 <= int(richiesto) <= 2200:
        anno = int(richiesto)
    scelte = sorted(set(anni) | {oggi.year, anno}, reverse=True)
    m = selectors.matrice_conferimenti(ambito, anno)
    return render(request, "catalogo/matrice.html", {"matrice": m, "anno": anno, "anni": scelte})


@login_required
@permission_required("catalogo.view_servizio", raise_exception=True)
def codici(request):
    return render(
        request, "catalogo/codici.html", {"tabelle": selectors.tabelle_codici(), "oggi": dt.date.today()}
    )
