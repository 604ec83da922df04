"""Thin views: the reports index, the downloads and the "fatti di rilievo" page.

Who sees what: direzione, amministrazione and ufficio di piano every Comune and the management
report; a Comune operator only its own Comune's pack; anyone else gets 404.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ambito.core.moduli import errori_su_form
from ambito.utenti.selectors import ambito_richiesto, visibilita_di

from . import documenti, selectors, services
from .forms import EventoRilevanteForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _intero_ambito(vis) -> bool:
    return vis.ambito_id is not None and (
        vis.is_direzione or vis.is_amministrazione or vis.is_ufficio_di_piano
    )


def _richiedi_intero_ambito(request):
    ambito = ambito_richiesto(request)
    if not _intero_ambito(visibilita_di(request)):
        raise Http404("Pagina non disponibile.")
    return ambito


def _anno(request, anni: list[int]) -> int:
    richiesto = request.GET.get("anno", "")
    if richiesto.isdigit() and 1990 <= int(richiesto) <= 2100:
        return int(richiesto)
    passati = [a for a in anni if a < dt.date.today().year]
    return max(passati) if passati else (max(anni) if anni else dt.date.today().year - 1)


def _anno_valido(anno: int) -> int:
    if not 1990 <= anno <= 2100:
        raise Http404("Anno non valido.")
    return anno


def _file(contenuto: bytes, nome: str, tipo: str) -> HttpResponse:
    r = HttpResponse(contenuto, content_type=tipo)
    r["Content-Disposition"] = f'attachment; filename="{nome}"'
    return r


@login_required
def indice(request):
    ambito = ambito_richiesto(request)
    vis = visibilita_di(request)
    tutto = _intero_ambito(vis)
    if not tutto and vis.comune_id is None:
        raise Http404("Pagina non disponibile.")
    anni = selectors.anni_disponibili(ambito)
    anno = _anno(request, anni)
    comuni = (
        list(selectors.comuni(ambito)) if tutto else list(selectors.comuni(ambito).filter(pk=vis.comune_id))
    )
    contesto = {
        "anno": anno,
        "anni": sorted(set(anni) | {anno}, reverse=True),
        "comuni": comuni,
        "intero_ambito": tutto,
        "eventi": list(selectors.eventi(ambito, anno)) if tutto else [],
        "puo_inserire_eventi": tutto and request.user.has_perm("relazioni.registra_eventorilevante"),
    }
    return render(request, "relazioni/indice.html", contesto)


def _comune_visibile(request, comune_pk: int):
    ambito = ambito_richiesto(request)
    vis = visibilita_di(request)
    if not _intero_ambito(vis) and vis.comune_id != comune_pk:
        raise Http404("Comune non disponibile.")
    return ambito, get_object_or_404(selectors.comuni(ambito), pk=comune_pk)


@login_required
def comune_pdf(request, anno: int, comune_pk: int):
    ambito, comune = _comune_visibile(request, comune_pk)
    p = selectors.pacchetto_comune(ambito, comune, _anno_valido(anno))
    return _file(documenti.pdf_comune(p), documenti.nome_file_comune(p, anno, "pdf"), "application/pdf")


@login_required
def comune_xlsx(request, anno: int, comune_pk: int):
    ambito, comune = _comune_visibile(request, comune_pk)
    p = selectors.pacchetto_comune(ambito, comune, _anno_valido(anno))
    return _file(documenti.xlsx_comune(p), documenti.nome_file_comune(p, anno, "xlsx"), XLSX)


@login_required
def comuni_zip(request, anno: int):
    """Streamed: the first Comune's files leave while the next ones are rendered."""
    ambito = _richiedi_intero_ambito(request)
    pezzi = documenti.zip_comuni_a_pezzi(ambito, _anno_valido(anno))
    r = StreamingHttpResponse(pezzi, content_type="application/zip")
    r["Content-Disposition"] = f'attachment; filename="rendiconti-comuni-{anno}.zip"'
    return r


@login_required
def gestione_pdf(request, anno: int):
    ambito = _richiedi_intero_ambito(request)
    r = selectors.relazione_gestione(ambito, _anno_valido(anno))
    return _file(documenti.pdf_gestione(r), f"relazione-gestione-{anno}.pdf", "application/pdf")


@login_required
def eventi(request):
    ambito = _richiedi_intero_ambito(request)
    puo = request.user.has_perm("relazioni.registra_eventorilevante")
    form = EventoRilevanteForm(request.POST or None, initial={"anno": request.GET.get("anno")})
    if request.method == "POST":
        if not puo:
            raise Http404("Pagina non disponibile.")
        if form.is_valid():
            try:
                ev = services.registra_evento_rilevante(
                    ambito=ambito, attore=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                errori_su_form(form, exc)
            else:
                messages.success(request, "Fatto di rilievo registrato.")
                return redirect(f"{reverse('relazioni:eventi')}?anno={ev.anno}")
    return render(
        request,
        "relazioni/eventi.html",
        {"form": form, "eventi": list(selectors.eventi(ambito)), "puo_inserire": puo},
    )


@login_required
@require_POST
def elimina_evento(request, pk: int):
    ambito = _richiedi_intero_ambito(request)
    if not request.user.has_perm("relazioni.registra_eventorilevante"):
        raise Http404("Pagina non disponibile.")
    ev = get_object_or_404(selectors.eventi(ambito), pk=pk)
    services.elimina_evento_rilevante(evento=ev, attore=request.user)
    messages.success(request, "Fatto di rilievo eliminato.")
    return redirect("relazioni:eventi")
