"""Thin views of the riparto: parse the request, call a selector or a service, render.

A Comune operator (no whole-Ambito role) sees only its own Comune's bill and explanations:
any other Comune, the whole table and the comparison are a 404 for them.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ambito.core.moduli import errori_su_form
from ambito.utenti.selectors import visibilita_di

from . import engine, selectors, services
from .forms import ImportaForm
from .models import QuotaRiparto, VersioneBilancio

PERMESSO = "gestione.view_versionebilancio"


def _comune_limitato(request) -> int | None:
    """None for whole-Ambito readers; the Comune's id for a Comune operator; 404 otherwise."""
    vis = visibilita_di(request)
    if vis.intero_ambito:
        return None
    if vis.comune_id is not None:
        return vis.comune_id
    raise Http404("Riparto non visibile.")


def _versione(request, pk: int) -> VersioneBilancio:
    try:
        return selectors.versione(request.user.ambito, pk)
    except VersioneBilancio.DoesNotExist:
        raise Http404("Versione inesistente.") from None


def _elenco(request, form, stato=200):
    contesto = {
        "gruppi": selectors.versioni(request.user.ambito),
        "form": form,
        "puo_importare": request.user.has_perm("gestione.add_versionebilancio"),
        "puo_approvare": request.user.has_perm("gestione.change_versionebilancio"),
        "comune_id": _comune_limitato(request),
    }
    return render(request, "gestione/riparto.html", contesto, status=stato)


@login_required
@permission_required(PERMESSO, raise_exception=True)
def riparto(request):
    return _elenco(request, ImportaForm())


@login_required
@permission_required("gestione.add_versionebilancio", raise_exception=True)
@require_POST
def importa(request):
    form = ImportaForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            v = services.importa_riparto(
                ambito=request.user.ambito,
                file=d["file"],
                esercizio=d["esercizio"],
                versione=d["versione"],
                tipo=d["tipo"],
                attore=request.user,
            )
        except ValidationError as exc:
            errori_su_form(form, exc)
        else:
            messages.success(request, f"Riparto importato nella versione «{v.nome}» {v.esercizio.anno}.")
            return redirect("gestione:versione", v.pk)
    return _elenco(request, form, stato=400)


@login_required
@permission_required("gestione.change_versionebilancio", raise_exception=True)
@require_POST
def approva(request, pk: int):
    v = _versione(request, pk)
    try:
        services.approva_versione(versione=v, attore=request.user)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, f"Versione «{v.nome}» {v.esercizio.anno} approvata: ora è congelata.")
    return redirect("gestione:versione", v.pk)


@login_required
@permission_required(PERMESSO, raise_exception=True)
def versione(request, pk: int):
    limite = _comune_limitato(request)
    v = _versione(request, pk)
    if limite is not None:
        return redirect("gestione:bolletta", v.pk, limite)
    t = selectors.tabella(v)
    contesto = {
        "t": t,
        "v": v,
        "righe": [(r, list(zip(t.voci, r.celle, strict=True))) for r in t.righe],
        "totali": list(zip(t.voci, t.totali_servizio, t.non_arrotondati, t.arrotondamenti, strict=True)),
        "altre": [
            x for _a, gruppo in selectors.versioni(request.user.ambito) for x in gruppo if x.pk != v.pk
        ],
        "puo_approvare": request.user.has_perm("gestione.change_versionebilancio") and not v.approvata,
    }
    return render(request, "gestione/versione.html", contesto)


def _comune(request, v, comune_id: int):
    limite = _comune_limitato(request)
    if limite is not None and limite != comune_id:
        raise Http404("Comune non visibile.")
    comune = selectors.comune_del_riparto(v, comune_id)
    if comune is None:
        raise Http404("Il Comune non ha quote in questa versione.")
    return comune, limite


@login_required
@permission_required(PERMESSO, raise_exception=True)
def bolletta(request, pk: int, comune_id: int):
    v = _versione(request, pk)
    comune, limite = _comune(request, v, comune_id)
    b = selectors.bolletta(v, comune)
    grafico = {
        "etichette": [r.voce.codice for r in b.righe],
        "nomi": [r.voce.nome for r in b.righe],
        "valori": [float(r.importo) for r in b.righe],
    }
    return render(
        request,
        "gestione/bolletta.html",
        {
            "b": b,
            "v": v,
            "grafico": grafico,
            "limitato": limite is not None,
            "quote_equipe": selectors.quote_equipe(v, comune),
        },
    )


def _d(x) -> Decimal:
    return Decimal(str(x))


@login_required
@permission_required(PERMESSO, raise_exception=True)
def spiegazione(request, pk: int, comune_id: int, codice: str):
    v = _versione(request, pk)
    comune, limite = _comune(request, v, comune_id)
    try:
        q = selectors.quota(v, comune.pk, codice)
    except QuotaRiparto.DoesNotExist:
        raise Http404("Importo inesistente.") from None
    sp = q.spiegazione
    parti = [
        {
            "descrizione": p["descrizione"],
            "peso": _d(p["peso"]),
            "totale_pesi": _d(p["totale_pesi"]),
            "percentuale": _d(p["quota"]) * 100,
            "importo_ripartito": _d(p["importo_ripartito"]),
            "importo": _d(p["importo"]),
            "fissa": p["descrizione"] in ("pacchetto", "tariffa × unità"),
        }
        for p in sp["parti"]
    ]
    contesto = {
        "v": v,
        "q": q,
        "voce": q.voce,
        "comune": comune,
        "metodo": engine.DESCRIZIONE_METODO.get(sp["metodo"], sp["metodo"]),
        "codice_metodo": sp["metodo"],
        "parti": parti,
        "fondi_voce": [(f, _d(x)) for f, x in q.voce.fondi],
        "lordo": _d(sp["lordo"]),
        "quota_fondi_generali": _d(sp["quota_fondi_generali"]),
        "fondi_vincolati": [(f, _d(x)) for f, x in sp["fondi_vincolati"]],
        "non_arrotondato": _d(sp["non_arrotondato"]),
        "arrotondamento": _d(sp["arrotondamento"]),
        "nota": sp.get("nota", ""),
        "limitato": limite is not None,
    }
    return render(request, "gestione/spiegazione.html", contesto)


@login_required
@permission_required(PERMESSO, raise_exception=True)
def confronta(request):
    if _comune_limitato(request) is not None:
        raise Http404("Confronto non visibile.")
    ids = [request.GET.get(k, "") for k in ("a", "b")]
    if not all(x.isdigit() for x in ids):
        raise Http404("Indicare due versioni (?a=&b=).")
    a, b = (_versione(request, int(x)) for x in ids)
    c = selectors.confronto(a, b)
    sezioni = [("Comuni", "Comune", c.comuni), ("Servizi", "Servizio", c.servizi)]
    return render(request, "gestione/confronta.html", {"c": c, "sezioni": sezioni})
