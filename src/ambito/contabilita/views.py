"""Thin views of the accounting import: parse the request, call a selector or a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ambito.core.moduli import errori_su_form
from ambito.gestione.models import VersioneBilancio

from . import selectors, services
from .forms import FileForm, ImportaForm
from .models import ImportazioneContabile

VEDERE = "contabilita.view_importazionecontabile"
IMPORTARE = "contabilita.add_importazionecontabile"


def _importazione(request, pk: int) -> ImportazioneContabile:
    try:
        return selectors.importazione(request.user.ambito, pk)
    except ImportazioneContabile.DoesNotExist:
        raise Http404("Importazione inesistente.") from None


def _indice(request, form=None, form_centri=None, form_piano=None, stato=200):
    ambito = request.user.ambito
    contesto = {
        "gruppi": selectors.importazioni(ambito),
        "centri": list(selectors.centri(ambito)),
        "conti": list(selectors.conti(ambito)),
        "form": form or ImportaForm(),
        "form_centri": form_centri or FileForm(prefix="centri"),
        "form_piano": form_piano or FileForm(prefix="piano"),
        "puo_importare": request.user.has_perm(IMPORTARE),
        "puo_configurare": request.user.has_perm("contabilita.add_centrocosto")
        and request.user.has_perm("contabilita.add_contocontabile"),
    }
    return render(request, "contabilita/indice.html", contesto, status=stato)


@login_required
@permission_required(VEDERE, raise_exception=True)
def indice(request):
    return _indice(request)


@login_required
@permission_required(IMPORTARE, raise_exception=True)
@require_POST
def importa(request):
    form = ImportaForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            i = services.importa_contabilita(
                ambito=request.user.ambito,
                file=d["file"],
                esercizio=d["esercizio"],
                tipo_versione=d["versione"],
                attore=request.user,
            )
        except ValidationError as exc:
            errori_su_form(form, exc)
        else:
            messages.success(request, f"Importate {i.numero_righe} righe ({i}).")
            return redirect("contabilita:importazione", i.pk)
    return _indice(request, form=form, stato=400)


def _importa_configurazione(request, prefisso: str, importa, messaggio: str):
    """Import cost centres or the chart of accounts from the index page's form `prefisso`.

    On success the counts go into `messaggio` ({creati}, {aggiornati}); on error the index is shown
    again with that form's errors. The two imports differ only in the service and the wording.
    """
    form = FileForm(request.POST, request.FILES, prefix=prefisso)
    if form.is_valid():
        try:
            n = importa(ambito=request.user.ambito, file=form.cleaned_data["file"], attore=request.user)
        except ValidationError as exc:
            errori_su_form(form, exc)
        else:
            messages.success(request, messaggio.format(**n))
            return redirect("contabilita:indice")
    return _indice(request, stato=400, **{f"form_{prefisso}": form})


@login_required
@permission_required("contabilita.add_centrocosto", raise_exception=True)
@require_POST
def importa_centri(request):
    return _importa_configurazione(
        request,
        "centri",
        services.importa_centri,
        "Centri di costo: {creati} creati, {aggiornati} aggiornati.",
    )


@login_required
@permission_required("contabilita.add_contocontabile", raise_exception=True)
@require_POST
def importa_piano(request):
    return _importa_configurazione(
        request,
        "piano",
        services.importa_piano_conti,
        "Piano dei conti: {creati} conti creati, {aggiornati} aggiornati.",
    )


@login_required
@permission_required(VEDERE, raise_exception=True)
def importazione(request, pk: int):
    i = _importazione(request, pk)
    puo_applicare = (
        i.attiva
        and request.user.has_perm(IMPORTARE)
        and request.user.has_perm("gestione.change_versionebilancio")
    )
    altre = [
        x for _a, g in selectors.importazioni(request.user.ambito) for x in g if x.pk != i.pk and x.attiva
    ]
    contesto = {
        "i": i,
        "t": selectors.tabella(i),
        "versioni": selectors.versioni_applicabili(i) if puo_applicare else [],
        "puo_applicare": puo_applicare,
        "altre": altre,
    }
    return render(request, "contabilita/importazione.html", contesto)


@login_required
@permission_required(IMPORTARE, raise_exception=True)
@permission_required("gestione.change_versionebilancio", raise_exception=True)
@require_POST
def applica(request, pk: int):
    i = _importazione(request, pk)
    vid = request.POST.get("versione", "")
    if not vid.isdigit():
        raise Http404("Versione non indicata.")
    try:
        v = (
            VersioneBilancio.objects.per_ambito(request.user.ambito)
            .select_related("esercizio")
            .get(pk=int(vid))
        )
    except VersioneBilancio.DoesNotExist:
        raise Http404("Versione inesistente.") from None
    try:
        services.applica_al_riparto(importazione=i, versione=v, attore=request.user)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("contabilita:importazione", i.pk)
    messages.success(
        request, f"Costi applicati al riparto «{v.nome}» {v.esercizio.anno}: riparto ricalcolato."
    )
    return redirect("gestione:versione", v.pk)


@login_required
@permission_required(VEDERE, raise_exception=True)
def confronta(request):
    ids = [request.GET.get(k, "") for k in ("a", "b")]
    if not all(x.isdigit() for x in ids):
        raise Http404("Indicare due importazioni (?a=&b=).")
    a, b = (_importazione(request, int(x)) for x in ids)
    return render(request, "contabilita/confronta.html", {"a": a, "b": b, "c": selectors.confronto(a, b)})
