"""Pages of the case record: progetti. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from ambito.core.services import registra_accesso
from ambito.utenti.selectors import visibilita_di

from ..models import StatoApprovazione, TipoValutazione
from ..selectors import progetti as sel
from ..selectors.visibilita import casi_visibili
from ..services import progetti as srv
from .progetti_forms import (
    FirmaForm,
    InterventiFormSet,
    ObiettiviFormSet,
    ProgettoForm,
    ValutazioneForm,
)


def _permesso(codice):
    def decoratore(view):
        return login_required(permission_required(f"cartella.{codice}", raise_exception=True)(view))

    return decoratore


def _messaggi(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _caso_per(request, caso_id):
    """A case the user may open, for the create pages; 404 (and logged) otherwise."""
    vis = visibilita_di(request)
    caso = casi_visibili(vis).select_related("persona", "servizio").filter(pk=caso_id).first()
    if caso is None:
        registra_accesso(
            utente=request.user,
            oggetto_tipo="cartella.Caso",
            oggetto_id=caso_id,
            descrizione=f"Caso {caso_id}",
            esito="negato",
            motivo="Fuori dall'ambito di visibilità dell'utente o inesistente.",
        )
        raise Http404("Caso non trovato.")
    return vis, caso


def _url_caso(caso_id) -> str:
    try:
        return reverse("cartella:caso", args=[caso_id])
    except Exception:  # the case page belongs to another area and may not exist yet
        return ""


# --- assessments -----------------------------------------------------------------------------


def _render_valutazione_form(request, caso, form, errori, valutazione=None):
    tipo = form["tipo"].value() or TipoValutazione.UVM
    form.fields["tipo"].widget.attrs["hx-get"] = request.path
    return render(
        request,
        "cartella/progetti/valutazione_form.html",
        {
            "caso": caso,
            "form": form,
            "errori": errori,
            "tipo": tipo,
            "valutazione": valutazione,
            "url_caso": _url_caso(caso.pk),
        },
    )


@_permesso("add_valutazione")
def valutazione_nuova(request, caso_id):
    vis, caso = _caso_per(request, caso_id)
    errori = []
    if request.method == "POST":
        form = ValutazioneForm(request.POST)
        if form.is_valid():
            try:
                v = srv.crea_valutazione(
                    caso=caso, tipo=form.cleaned_data["tipo"], attore=request.user, **form.dati_servizio()
                )
            except ValidationError as exc:
                errori = _messaggi(exc)
            except PermissionDenied as exc:
                errori = [str(exc)]
            else:
                messages.success(request, "Valutazione registrata.")
                return redirect("cartella:valutazione", v.pk)
    else:
        tipo = request.GET.get("tipo") or (TipoValutazione.MINORI if caso.minori else TipoValutazione.UVM)
        form = ValutazioneForm(initial={"tipo": tipo})
    return _render_valutazione_form(request, caso, form, errori)


@_permesso("change_valutazione")
def valutazione_modifica(request, pk):
    vis = visibilita_di(request)
    v = sel.valutazione_per(vis, pk, request.user)
    if v.stato not in srv.MODIFICABILI:
        messages.error(request, "La valutazione è approvata: non si modifica più.")
        return redirect("cartella:valutazione", v.pk)
    errori = []
    if request.method == "POST":
        dati = request.POST.copy()
        dati["tipo"] = v.tipo
        form = ValutazioneForm(dati, tipo_bloccato=True, initial={"tipo": v.tipo})
        if form.is_valid():
            try:
                srv.modifica_valutazione(valutazione=v, attore=request.user, **form.dati_servizio())
            except ValidationError as exc:
                errori = _messaggi(exc)
            except PermissionDenied as exc:
                errori = [str(exc)]
            else:
                messages.success(request, "Valutazione aggiornata.")
                return redirect("cartella:valutazione", v.pk)
    else:
        form = ValutazioneForm(initial=ValutazioneForm.iniziale_da(v), tipo_bloccato=True)
    return _render_valutazione_form(request, v.caso, form, errori, valutazione=v)


@login_required  # no role check: out of scope (any role) is a 404 logged as denied, never a 403
def valutazione(request, pk):
    vis = visibilita_di(request)
    v = sel.valutazione_per(vis, pk, request.user)
    return render(
        request,
        "cartella/progetti/valutazione.html",
        {
            "v": v,
            "caso": v.caso,
            "sina": sel.campi_sina(v) if v.tipo == TipoValutazione.UVM else [],
            "sinba": sel.campi_sinba(v) if v.tipo == TipoValutazione.MINORI else [],
            "modificabile": v.stato in srv.MODIFICABILI and srv.puo_scrivere(vis),
            "puo_approvare": v.stato in srv.MODIFICABILI and srv.puo_approvare_valutazione(vis, v),
            "url_caso": _url_caso(v.caso_id),
        },
    )


@require_POST
@login_required  # direzione approves with read-only role permissions: the service decides
def valutazione_approva(request, pk):
    vis = visibilita_di(request)
    v = sel.valutazione_per(vis, pk, request.user)
    try:
        if request.POST.get("azione") == "invia":
            srv.invia_in_approvazione(valutazione=v, attore=request.user)
            messages.success(request, "Valutazione inviata in approvazione.")
        else:
            srv.approva_valutazione(valutazione=v, attore=request.user)
            messages.success(request, "Valutazione approvata.")
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    return redirect("cartella:valutazione", v.pk)


# --- the plan --------------------------------------------------------------------------------


def _liste_da_formset(obiettivi_fs, interventi_fs) -> tuple[list, list]:
    obiettivi = [
        {
            "id": f.cleaned_data.get("id"),
            "descrizione": f.cleaned_data.get("descrizione", ""),
            "indicatore": f.cleaned_data.get("indicatore", ""),
            "esito": f.cleaned_data.get("esito", ""),
        }
        for f in obiettivi_fs.forms
        if f.cleaned_data
        and not f.cleaned_data.get("DELETE")
        and f.cleaned_data.get("descrizione", "").strip()
    ]
    interventi = [
        {
            "id": f.cleaned_data.get("id"),
            "servizio": f.cleaned_data.get("servizio"),
            "erogatore": f.cleaned_data.get("erogatore"),
            "quantita": f.cleaned_data.get("quantita"),
            "periodicita": f.cleaned_data.get("periodicita") or "totale",
            "dal": f.cleaned_data.get("dal"),
            "al": f.cleaned_data.get("al"),
        }
        for f in interventi_fs.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE") and not f.vuoto()
    ]
    return obiettivi, interventi


def _render_progetto_form(
    request, caso, form, obiettivi_fs, interventi_fs, errori, progetto=None, conflitto=False
):
    return render(
        request,
        "cartella/progetti/progetto_form.html",
        {
            "caso": caso,
            "form": form,
            "obiettivi_fs": obiettivi_fs,
            "interventi_fs": interventi_fs,
            "errori": errori,
            "conflitto": conflitto,
            "progetto": progetto,
            "url_caso": _url_caso(caso.pk),
        },
        status=409 if conflitto else 200,
    )


@_permesso("add_progetto")
def progetto_nuovo(request, caso_id):
    vis, caso = _caso_per(request, caso_id)
    errori = []
    kw = {"ambito_id": caso.ambito_id}
    if request.method == "POST":
        form = ProgettoForm(request.POST)
        obiettivi_fs = ObiettiviFormSet(request.POST, prefix="obiettivi")
        interventi_fs = InterventiFormSet(request.POST, prefix="interventi", form_kwargs=kw)
        if form.is_valid() and obiettivi_fs.is_valid() and interventi_fs.is_valid():
            obiettivi, interventi = _liste_da_formset(obiettivi_fs, interventi_fs)
            d = form.cleaned_data
            try:
                p = srv.crea_progetto(
                    caso=caso,
                    tipo=d["tipo"],
                    sintesi=d["sintesi"],
                    data_inizio=d["data_inizio"],
                    data_fine=d.get("data_fine"),
                    revisione_ogni_mesi=d["revisione_ogni_mesi"],
                    prossima_verifica=d.get("prossima_verifica"),
                    obiettivi=obiettivi,
                    interventi=interventi,
                    attore=request.user,
                )
            except ValidationError as exc:
                errori = _messaggi(exc)
            except PermissionDenied as exc:
                errori = [str(exc)]
            else:
                messages.success(request, "Progetto registrato (versione 1, bozza).")
                return redirect("cartella:progetto", p.pk)
    else:
        form = ProgettoForm(
            initial={"tipo": "quadro" if caso.minori else "individualizzato", "revisione_ogni_mesi": 6}
        )
        form.fields["revisione"].initial = 0
        obiettivi_fs = ObiettiviFormSet(prefix="obiettivi")
        interventi_fs = InterventiFormSet(
            prefix="interventi", form_kwargs=kw, initial=[{"servizio": caso.servizio_id}]
        )
    form.fields.pop("revisione")
    return _render_progetto_form(request, caso, form, obiettivi_fs, interventi_fs, errori)


@_permesso("change_progetto")
def progetto_modifica(request, pk):
    vis = visibilita_di(request)
    p = sel.progetto_per(vis, pk, request.user)
    corrente = p.corrente
    kw = {"ambito_id": p.ambito_id}
    errori, conflitto = [], False
    if request.method == "POST":
        form = ProgettoForm(request.POST)
        obiettivi_fs = ObiettiviFormSet(request.POST, prefix="obiettivi")
        interventi_fs = InterventiFormSet(request.POST, prefix="interventi", form_kwargs=kw)
        if form.is_valid() and obiettivi_fs.is_valid() and interventi_fs.is_valid():
            obiettivi, interventi = _liste_da_formset(obiettivi_fs, interventi_fs)
            d = form.cleaned_data
            try:
                srv.modifica_progetto(
                    progetto=p,
                    revisione_attesa=d.get("revisione"),
                    attore=request.user,
                    tipo=d["tipo"],
                    sintesi=d["sintesi"],
                    data_inizio=d["data_inizio"],
                    data_fine=d.get("data_fine"),
                    revisione_ogni_mesi=d["revisione_ogni_mesi"],
                    prossima_verifica=d.get("prossima_verifica"),
                    obiettivi=obiettivi,
                    interventi=interventi,
                )
            except srv.ConflittoRevisione as exc:
                errori, conflitto = _messaggi(exc), True
            except ValidationError as exc:
                errori = _messaggi(exc)
            except PermissionDenied as exc:
                errori = [str(exc)]
            else:
                messages.success(request, "Progetto aggiornato.")
                return redirect("cartella:progetto", p.pk)
    else:
        form = ProgettoForm(
            initial={
                "tipo": p.tipo,
                "sintesi": corrente.sintesi,
                "data_inizio": corrente.data_inizio,
                "data_fine": corrente.data_fine,
                "revisione_ogni_mesi": corrente.revisione_ogni_mesi,
                "prossima_verifica": corrente.prossima_verifica,
                "revisione": p.revisione,
            }
        )
        obiettivi_fs = ObiettiviFormSet(
            prefix="obiettivi",
            initial=[
                {"id": o.pk, "descrizione": o.descrizione, "indicatore": o.indicatore, "esito": o.esito}
                for o in corrente.obiettivi.all()
            ],
        )
        interventi_fs = InterventiFormSet(
            prefix="interventi",
            form_kwargs=kw,
            initial=[
                {
                    "id": i.pk,
                    "servizio": i.servizio_id,
                    "erogatore": i.erogatore_id,
                    "quantita": i.quantita,
                    "periodicita": i.periodicita,
                    "dal": i.dal,
                    "al": i.al,
                }
                for i in corrente.interventi.all()
            ],
        )
    return _render_progetto_form(
        request, p.caso, form, obiettivi_fs, interventi_fs, errori, progetto=p, conflitto=conflitto
    )


@login_required  # no role check: out of scope (any role) is a 404 logged as denied, never a 403
def progetto(request, pk):
    vis = visibilita_di(request)
    p = sel.progetto_per(vis, pk, request.user)
    versioni = sel.versioni(p)
    scelta = p.corrente
    numero = request.GET.get("versione", "")
    if numero:
        scelta = next((v for v in versioni if str(v.numero) == numero), None)
        if scelta is None:
            raise Http404("Versione inesistente.")
    precedente = next((v for v in versioni if v.numero < scelta.numero), None) if scelta else None
    differenze = sel.confronta_versioni(precedente, scelta) if precedente else None
    return render(
        request,
        "cartella/progetti/progetto.html",
        {
            "p": p,
            "caso": p.caso,
            "versioni": versioni,
            "v": scelta,
            "precedente": precedente,
            "differenze": differenze,
            "e_corrente": scelta is not None and p.corrente is not None and scelta.pk == p.corrente.pk,
            "puo_scrivere": srv.puo_scrivere(vis) and p.caso.chiuso_il is None,
            "puo_approvare": scelta is not None
            and scelta.pk == p.corrente.pk
            and scelta.stato in srv.MODIFICABILI
            and srv.puo_approvare_versione(vis, scelta, p.caso),
            "firma_form": FirmaForm() if scelta and scelta.stato == StatoApprovazione.APPROVATA else None,
            "url_caso": _url_caso(p.caso_id),
        },
    )


@require_POST
@login_required  # direzione approves with read-only role permissions: the service decides
def progetto_approva(request, pk):
    vis = visibilita_di(request)
    p = sel.progetto_per(vis, pk, request.user)
    try:
        if request.POST.get("azione") == "invia":
            srv.invia_versione_in_approvazione(versione=p.corrente, attore=request.user)
            messages.success(request, "Versione inviata in approvazione.")
        else:
            v = srv.approva_versione(
                versione=p.corrente,
                attore=request.user,
                revisione_attesa=request.POST.get("revisione") or None,
            )
            messages.success(request, f"Versione {v.numero} approvata.")
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    return redirect("cartella:progetto", p.pk)


@_permesso("add_firma")
def firma_nuova(request, versione_id):
    vis = visibilita_di(request)
    versione = sel.versione_per_firma(vis, versione_id, request.user)
    errori = []
    if request.method == "POST":
        form = FirmaForm(request.POST)
        if form.is_valid():
            try:
                srv.registra_firma(versione=versione, attore=request.user, **form.cleaned_data)
            except ValidationError as exc:
                errori = _messaggi(exc)
            except PermissionDenied as exc:
                errori = [str(exc)]
            else:
                messages.success(request, "Firma registrata.")
                return redirect(
                    reverse("cartella:progetto", args=[versione.progetto_id]) + f"?versione={versione.numero}"
                )
    else:
        form = FirmaForm()
    return render(
        request,
        "cartella/progetti/firma_form.html",
        {
            "versione": versione,
            "p": versione.progetto,
            "caso": versione.progetto.caso,
            "form": form,
            "errori": errori,
        },
    )


urlpatterns = [
    path("casi/<int:caso_id>/valutazioni/nuova/", valutazione_nuova, name="valutazione_nuova"),
    path("valutazioni/<int:pk>/", valutazione, name="valutazione"),
    path("valutazioni/<int:pk>/modifica/", valutazione_modifica, name="valutazione_modifica"),
    path("valutazioni/<int:pk>/approva/", valutazione_approva, name="valutazione_approva"),
    path("casi/<int:caso_id>/progetti/nuovo/", progetto_nuovo, name="progetto_nuovo"),
    path("progetti/<int:pk>/", progetto, name="progetto"),
    path("progetti/<int:pk>/modifica/", progetto_modifica, name="progetto_modifica"),
    path("progetti/<int:pk>/approva/", progetto_approva, name="progetto_approva"),
    path("progetti/versioni/<int:versione_id>/firme/nuova/", firma_nuova, name="firma_nuova"),
]
