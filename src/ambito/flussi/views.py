"""Thin views of the SIUSS flows: the list with states and the data-quality page."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import render

from . import selectors
from .models import StatoFlusso

PERMESSO = "flussi.view_flussosiuss"
RIGHE_PER_GRUPPO = 50


@login_required
@permission_required(PERMESSO, raise_exception=True)
def elenco(request):
    stato = request.GET.get("stato") or None
    if stato not in StatoFlusso.values:
        stato = None
    pagina = Paginator(selectors.flussi(request.user.ambito, stato=stato), 100).get_page(request.GET.get("p"))
    conteggi = selectors.conteggi(request.user.ambito)
    return render(
        request,
        "flussi/elenco.html",
        {
            "pagina": pagina,
            "stato": stato,
            "stati": [
                (codice, etichetta, conteggi.get(codice, 0)) for codice, etichetta in StatoFlusso.choices
            ],
            "totale": sum(conteggi.values()),
        },
    )


@login_required
@permission_required(PERMESSO, raise_exception=True)
def qualita(request):
    try:
        pagina = int(request.GET.get("pagina") or 1)
    except ValueError:
        pagina = 1
    gruppi = selectors.problemi_raggruppati(
        request.user.ambito, per_pagina=RIGHE_PER_GRUPPO, gruppo=request.GET.get("gruppo"), pagina=pagina
    )
    return render(request, "flussi/qualita.html", {"gruppi": gruppi, "per_pagina": RIGHE_PER_GRUPPO})
