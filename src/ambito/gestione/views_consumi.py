"""Pages of the consumption from the case record: a preview (GET) and the apply (POST).

Whole-Ambito readers see the preview; only who may change versions applies. The apply form
carries the preview's signature, so what is applied is what was shown; posting it twice is
harmless (the second time nothing changes and nothing is written).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ambito.core.moduli import errori_su_form

from . import consumi as C
from .views import PERMESSO, _comune_limitato, _versione

PERMESSO_APPLICA = "gestione.change_versionebilancio"


class PeriodoForm(forms.Form):
    dal = forms.DateField(label="Dal", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    al = forms.DateField(label="Al", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    fonte = forms.ChoiceField(label="Misura del consumo", choices=list(C.FONTI.items()), initial=C.EROGAZIONI)

    def clean(self):
        d = super().clean()
        if d.get("dal") and d.get("al") and d["dal"] > d["al"]:
            raise forms.ValidationError("La data iniziale deve precedere quella finale.")
        return d


class ApplicaForm(PeriodoForm):
    firma = forms.CharField(max_length=64, widget=forms.HiddenInput)
    escludi_non_conferenti = forms.BooleanField(
        label="Escludi i consumi dei Comuni che non conferiscono il servizio", required=False
    )


def _leggibile(request, pk: int):
    if _comune_limitato(request) is not None:
        raise Http404("Consumi non visibili.")
    return _versione(request, pk)


@login_required
@permission_required(PERMESSO, raise_exception=True)
def consumi(request, pk: int):
    v = _leggibile(request, pk)
    anno = v.esercizio.anno
    predefiniti = {"dal": dt.date(anno, 1, 1), "al": dt.date(anno, 12, 31), "fonte": C.EROGAZIONI}
    form = PeriodoForm({**predefiniti, **request.GET.dict()} if "dal" in request.GET else predefiniti)
    anteprima = None
    if form.is_valid():
        d = form.cleaned_data
        try:
            anteprima = C.consumi_dalla_cartella(request.user.ambito, v, d["dal"], d["al"], fonte=d["fonte"])
        except ValidationError as exc:
            errori_su_form(form, exc)
    contesto = {
        "v": v,
        "form": form,
        "a": anteprima,
        "unita": C.unita_fonte(form.cleaned_data["fonte"]) if anteprima else "",
        "messaggi_anomalie": [x.messaggio(anteprima.fonte) for x in anteprima.anomalie] if anteprima else [],
        "messaggi_tariffa": [x.messaggio(anteprima.fonte) for x in anteprima.a_tariffa] if anteprima else [],
        "puo_applicare": request.user.has_perm(PERMESSO_APPLICA) and not v.approvata,
    }
    return render(request, "gestione/consumi.html", contesto, status=200 if form.is_valid() else 400)


@login_required
@permission_required(PERMESSO_APPLICA, raise_exception=True)
@require_POST
def applica(request, pk: int):
    v = _leggibile(request, pk)
    form = ApplicaForm(request.POST)
    if not form.is_valid():
        for errori in form.errors.values():
            for m in errori:
                messages.error(request, m)
        return redirect("gestione:consumi", v.pk)
    d = form.cleaned_data
    indietro = (
        reverse("gestione:consumi", args=[v.pk])
        + "?"
        + urlencode({"dal": d["dal"].isoformat(), "al": d["al"].isoformat(), "fonte": d["fonte"]})
    )
    try:
        esito = C.applica_consumi(
            versione=v,
            dal=d["dal"],
            al=d["al"],
            fonte=d["fonte"],
            attore=request.user,
            escludi_non_conferenti=d["escludi_non_conferenti"],
            firma=d["firma"],
        )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect(indietro)
    if esito.cambiata:
        messages.success(
            request,
            f"Consumi dalla cartella sociale applicati a {len(esito.anteprima.servizi)} servizi: "
            f"riparto della versione «{v.nome}» ricalcolato.",
        )
    else:
        messages.info(request, "Nessuna modifica: la versione ha già i consumi della cartella sociale.")
    return redirect("gestione:versione", v.pk)
