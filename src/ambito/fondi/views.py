"""Thin views: parse the request, call a selector or a service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from ambito.core.moduli import errori_su_form

from . import engine, selectors, services
from . import forms as f
from .models import Accantonamento, Fondo, MovimentoFondo

ORDINAMENTI_ELENCO = [
    ("codice", "Codice"),
    ("assegnato", "Assegnato"),
    ("impegnato", "Impegnato"),
    ("pagato", "Pagato"),
    ("residuo", "Residuo da impegnare"),
    ("kpi", "Pagato / assegnato"),
]


def _anno(request, anni: list[int]) -> int:
    richiesto = request.GET.get("anno", "")
    if richiesto.isdigit() and 1990 <= int(richiesto) <= 2100:
        return int(richiesto)
    oggi = dt.date.today().year
    if oggi in anni or not anni:
        return oggi
    passati = [a for a in anni if a <= oggi]
    return max(passati) if passati else min(anni)


def _fondo(request, pk: int) -> Fondo:
    try:
        return selectors.fondo(request.user.ambito, pk)
    except Fondo.DoesNotExist:
        raise Http404("Fondo inesistente.") from None


def _url_fondo(fondo, anno) -> str:
    return f"{reverse('fondi:fondo', args=[fondo.pk])}?anno={anno}"


@login_required
@permission_required("fondi.view_fondo", raise_exception=True)
def elenco(request):
    ambito = request.user.ambito
    anni = selectors.anni_con_dati(ambito)
    anno = _anno(request, anni)
    ordina = request.GET.get("ordina", "codice")
    if ordina.lstrip("-") not in selectors.ORDINAMENTI:
        ordina = "codice"
    righe, totale = selectors.elenco(ambito, anno, ordina)
    contesto = {
        "anno": anno,
        "anni": sorted(set(anni) | {anno, dt.date.today().year}, reverse=True),
        "righe": righe,
        "totale": totale,
        "ordina": ordina,
        "colonne": ORDINAMENTI_ELENCO,
        "puo_creare": request.user.has_perm("fondi.add_fondo"),
    }
    return render(request, "fondi/elenco.html", contesto)


@login_required
@permission_required("fondi.view_fondo", raise_exception=True)
def fondo(request, pk: int):
    ambito = request.user.ambito
    anni = selectors.anni_con_dati(ambito)
    anno = _anno(request, anni)
    try:
        d = selectors.dettaglio(ambito, pk, anno)
    except Fondo.DoesNotExist:
        raise Http404("Fondo inesistente.") from None
    u = request.user
    contesto = {
        "d": d,
        "fondo": d.fondo,
        "anno": anno,
        "anni": sorted(set(anni) | {anno, dt.date.today().year}, reverse=True),
        "puo_assegnare": u.has_perm("fondi.add_attoassegnazione"),
        "puo_accantonare": u.has_perm("fondi.add_accantonamento"),
        "puo_utilizzare": u.has_perm("fondi.add_utilizzoaccantonamento"),
        "puo_destinare": u.has_perm("fondi.add_destinazione"),
        "puo_movimentare": u.has_perm("fondi.add_movimentofondo"),
        "puo_annullare": u.has_perm("fondi.change_movimentofondo"),
    }
    return render(request, "fondi/fondo.html", contesto)


def _modulo(request, *, form, titolo, fondo=None, annulla_url, esegui, messaggio, formset=None, dopo=None):
    """POST: validate, call the service, redirect; on error re-render with Italian messages."""
    if request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
        try:
            esegui()
        except ValidationError as exc:
            errori_su_form(form, exc)
        else:
            messages.success(request, messaggio)
            return redirect(dopo or annulla_url)
    stato = 400 if request.method == "POST" else 200
    contesto = {
        "form": form,
        "formset": formset,
        "titolo": titolo,
        "fondo": fondo,
        "annulla_url": annulla_url,
    }
    return render(request, "fondi/modulo.html", contesto, status=stato)


@login_required
@permission_required("fondi.add_fondo", raise_exception=True)
def nuovo_fondo(request):
    form = f.FondoForm(request.POST or None)
    creato = {}

    def esegui():
        creato["fondo"] = services.crea_fondo(
            ambito=request.user.ambito,
            attore=request.user,
            **{k: form.cleaned_data[k] for k in ("codice", "nome", "tipo")},
        )

    risposta = _modulo(
        request,
        form=form,
        titolo="Nuovo fondo",
        annulla_url=reverse("fondi:elenco"),
        esegui=esegui,
        messaggio="Fondo creato.",
    )
    if creato:
        return redirect("fondi:fondo", creato["fondo"].pk)
    return risposta


@login_required
@permission_required("fondi.add_attoassegnazione", raise_exception=True)
def nuova_assegnazione(request, pk: int):
    fondo = _fondo(request, pk)
    form = f.AssegnazioneForm(request.POST or None)
    formset = f.QuoteFormSet(request.POST or None, prefix="quote")

    def esegui():
        quote = [
            (q.cleaned_data["esercizio"], q.cleaned_data["importo"])
            for q in formset.forms
            if q.cleaned_data and q.cleaned_data.get("importo") is not None
        ]
        dati = form.cleaned_data
        services.registra_assegnazione(attore=request.user, fondo=fondo, quote=quote, **dati)

    anno = form.cleaned_data.get("annualita") if form.is_bound and form.is_valid() else ""
    return _modulo(
        request,
        form=form,
        formset=formset,
        titolo=f"Nuova assegnazione – {fondo}",
        fondo=fondo,
        annulla_url=reverse("fondi:fondo", args=[fondo.pk]),
        dopo=_url_fondo(fondo, anno) if anno else None,
        esegui=esegui,
        messaggio="Assegnazione registrata con la sua ripartizione per esercizio.",
    )


@login_required
@permission_required("fondi.add_accantonamento", raise_exception=True)
def nuovo_accantonamento(request, pk: int):
    fondo = _fondo(request, pk)
    form = f.AccantonamentoForm(request.POST or None)
    return _modulo(
        request,
        form=form,
        titolo=f"Nuovo accantonamento (fondo oneri futuri) – {fondo}",
        fondo=fondo,
        annulla_url=reverse("fondi:fondo", args=[fondo.pk]),
        esegui=lambda: services.registra_accantonamento(
            attore=request.user, fondo=fondo, **form.cleaned_data
        ),
        messaggio="Accantonamento registrato.",
    )


@login_required
@permission_required("fondi.add_utilizzoaccantonamento", raise_exception=True)
def utilizza_accantonamento(request, pk: int):
    try:
        acc = Accantonamento.objects.per_ambito(request.user.ambito).select_related("fondo").get(pk=pk)
    except Accantonamento.DoesNotExist:
        raise Http404("Accantonamento inesistente.") from None
    form = f.UtilizzoForm(request.POST or None)
    return _modulo(
        request,
        form=form,
        titolo=f"Utilizzo dell'accantonamento {acc.esercizio} ({engine.it(acc.importo)} €) – {acc.fondo}",
        fondo=acc.fondo,
        annulla_url=reverse("fondi:fondo", args=[acc.fondo_id]),
        esegui=lambda: services.utilizza_accantonamento(
            attore=request.user, accantonamento=acc, **form.cleaned_data
        ),
        messaggio="Utilizzo dell'accantonamento registrato.",
    )


@login_required
@permission_required("fondi.add_destinazione", raise_exception=True)
def nuova_destinazione(request, pk: int):
    fondo = _fondo(request, pk)
    form = f.DestinazioneForm(request.POST or None, ambito=request.user.ambito)
    return _modulo(
        request,
        form=form,
        titolo=f"Destinazione a un servizio – {fondo}",
        fondo=fondo,
        annulla_url=reverse("fondi:fondo", args=[fondo.pk]),
        dopo=_url_fondo(fondo, form.cleaned_data["esercizio"]) if form.is_bound and form.is_valid() else None,
        esegui=lambda: services.registra_destinazione(attore=request.user, fondo=fondo, **form.cleaned_data),
        messaggio="Destinazione registrata.",
    )


@login_required
@permission_required("fondi.add_movimentofondo", raise_exception=True)
def nuovo_movimento(request, pk: int):
    fondo = _fondo(request, pk)
    form = f.MovimentoForm(request.POST or None)
    return _modulo(
        request,
        form=form,
        titolo=f"Impegno, pagamento, disimpegno o storno – {fondo}",
        fondo=fondo,
        annulla_url=reverse("fondi:fondo", args=[fondo.pk]),
        dopo=_url_fondo(fondo, form.cleaned_data["esercizio"]) if form.is_bound and form.is_valid() else None,
        esegui=lambda: services.registra_movimento(attore=request.user, fondo=fondo, **form.cleaned_data),
        messaggio="Movimento registrato.",
    )


@login_required
@permission_required("fondi.change_movimentofondo", raise_exception=True)
def annulla_movimento(request, pk: int):
    try:
        mov = MovimentoFondo.objects.per_ambito(request.user.ambito).select_related("fondo").get(pk=pk)
    except MovimentoFondo.DoesNotExist:
        raise Http404("Movimento inesistente.") from None
    form = f.AnnullamentoForm(request.POST or None)
    return _modulo(
        request,
        form=form,
        titolo=f"Annulla come errato: {mov} ({mov.riferimento})",
        fondo=mov.fondo,
        annulla_url=_url_fondo(mov.fondo, mov.esercizio),
        esegui=lambda: services.annulla_movimento(attore=request.user, movimento=mov, **form.cleaned_data),
        messaggio="Movimento annullato: resta nel registro come errore.",
    )
