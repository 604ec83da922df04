"""Thin views of a version's inputs: show them by section, change one value, duplicate the
version, download its workbook. Only who prepares the budget (gestione.change_versionebilancio)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import selectors_input as si
from . import services_input as svc
from .models import CartellaRiparto, TipoVersione
from .views import _comune_limitato, _versione

PERMESSO_MODIFICA = "gestione.change_versionebilancio"


# the hidden field `campo` of each small form → (service, the service's keyword arguments taken
# from POST fields of the same name except the typed value, always posted as `valore`, anchor)
MODIFICHE = {
    "costo": (svc.modifica_costo, ("servizio",), "costo", "costi"),
    "indiretti_servizio": (svc.modifica_costi_indiretti_servizio, ("servizio",), "importo", "costi"),
    "indiretti": (svc.modifica_costi_indiretti, ("tipo",), "valore", "indiretti"),
    "fondo": (svc.modifica_fondo, ("servizio", "fondo"), "importo", "fondi"),
    "rimuovi_fondo": (svc.rimuovi_fondo, ("servizio", "fondo"), None, "fondi"),
    "popolazione": (svc.modifica_popolazione, ("data", "comune"), "abitanti", "popolazione"),
    "consumo": (svc.modifica_consumo, ("servizio", "comune"), "unita", "consumi"),
}


@login_required
@permission_required(PERMESSO_MODIFICA, raise_exception=True)
def dati(request, pk: int):
    if _comune_limitato(request) is not None:
        raise Http404("Dati non visibili.")
    v = _versione(request, pk)
    d = si.dati_input(v)
    if d is None:
        raise Http404("La versione non ha ancora un riparto.")
    # the outcome of an edit is shown in the section it came from (the page scrolls there)
    avvisi = [(m.extra_tags or "", m.level_tag, str(m)) for m in messages.get_messages(request)]
    contesto = {
        "v": v,
        "d": d,
        "avvisi": avvisi,
        "messages": [],  # already shown in their sections: not again by the base template
        "storia": si.storia(v, {c.comune: c.nome for c in d.popolazione}),
        "modificabile": not v.approvata,
        "tipi": TipoVersione.choices,
        "tipo_copia": svc.tipo_successivo(v.tipo),
        "nome_copia": TipoVersione(svc.tipo_successivo(v.tipo)).label,
    }
    return render(request, "gestione/dati_input.html", contesto)


@login_required
@permission_required(PERMESSO_MODIFICA, raise_exception=True)
@require_POST
def modifica(request, pk: int):
    if _comune_limitato(request) is not None:
        raise Http404("Dati non visibili.")
    v = _versione(request, pk)
    voce = MODIFICHE.get(request.POST.get("campo", ""))
    if voce is None:
        messages.error(request, "Modifica non riconosciuta. Nulla è cambiato.")
        return redirect("gestione:dati", v.pk)
    funzione, campi, valore, ancora = voce
    argomenti = {n: request.POST.get(n, "") for n in campi}
    if valore is not None:
        argomenti[valore] = request.POST.get("valore", "")
    try:
        esito = funzione(versione=v, attore=request.user, **argomenti)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, f"{m} Nulla è cambiato.", extra_tags=ancora)
    else:
        (messages.success if esito.cambiato else messages.info)(request, esito.messaggio, extra_tags=ancora)
    return redirect(reverse("gestione:dati", args=[v.pk]) + f"#{ancora}")


@login_required
@permission_required(PERMESSO_MODIFICA, raise_exception=True)
@require_POST
def duplica(request, pk: int):
    if _comune_limitato(request) is not None:
        raise Http404("Dati non visibili.")
    v = _versione(request, pk)
    try:
        nuova = svc.copia_versione(
            versione=v,
            nome=request.POST.get("nome", ""),
            tipo=request.POST.get("tipo", ""),
            attore=request.user,
        )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("gestione:dati", v.pk)
    messages.success(
        request,
        f"Creata la versione «{nuova.nome}» {nuova.esercizio.anno} in bozza con i dati di «{v.nome}»: "
        "ora se ne possono modificare i dati.",
    )
    return redirect("gestione:dati", nuova.pk)


@login_required
@permission_required(PERMESSO_MODIFICA, raise_exception=True)
def scarica(request, pk: int):
    if _comune_limitato(request) is not None:
        raise Http404("Cartella non visibile.")
    v = _versione(request, pk)
    c = CartellaRiparto.objects.filter(versione=v).only("contenuto", "nome_file").first()
    if c is None:
        raise Http404("La versione non ha ancora un riparto.")
    r = HttpResponse(
        bytes(c.contenuto), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    r["Content-Disposition"] = f'attachment; filename="riparto-{v.esercizio.anno}-{v.pk}.xlsx"'
    return r
