"""Pages of the case record: erogazioni. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from ambito.utenti.selectors import visibilita_di

from ..models import Attivita
from ..selectors import erogazioni as sel
from ..selectors.visibilita import interventi_visibili
from ..services import erogazioni as srv
from . import erogazioni_forms as F


def _errori_su_form(form, exc: ValidationError, altrove: list | None = None) -> None:
    """Put a service's errors on the form's fields (those it has) or above the form;
    `finanziamenti` errors go to `altrove` (shown above the funding formset)."""
    if not hasattr(exc, "error_dict"):
        for m in exc.messages:
            form.add_error(None, m)
        return
    for campo, errori in exc.message_dict.items():
        for m in errori:
            if campo == "finanziamenti" and altrove is not None:
                altrove.append(m)
            elif campo in form.fields:
                form.add_error(campo, m)
            else:
                form.add_error(None, m)


def _vede_importi(request, vis) -> bool:
    return request.user.has_perm("cartella.view_erogazione") and not sel.solo_erogatore(vis)


# --- interventions -----------------------------------------------------------------------------


@login_required
@permission_required("cartella.add_intervento", raise_exception=True)
@require_http_methods(["GET", "POST"])
def intervento_nuovo(request, caso_id: int):
    vis = visibilita_di(request)
    caso = sel.caso_per_nuovo_intervento(vis, caso_id, request.user)
    form = F.InterventoForm(request.POST or None, caso=caso)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            intervento = srv.avvia_intervento(
                caso=caso,
                servizio=d["servizio"],
                dal=d["dal"],
                al=d["al"],
                erogatore=d["erogatore"],
                quantita_prevista=d["quantita_prevista"],
                presenza_prova_mezzi=d["presenza_prova_mezzi"] or None,
                carattere_prestazione=d["carattere_prestazione"] or None,
                isee=d["isee"],
                protocollo_domanda=d["protocollo_domanda"],
                attore=request.user,
            )
        except ValidationError as exc:
            _errori_su_form(form, exc)
        else:
            messages.success(request, "Intervento avviato.")
            return redirect("cartella:intervento", intervento.pk)
    return render(request, "cartella/erogazioni/intervento_form.html", {"form": form, "caso": caso})


@login_required
def intervento(request, pk: int):
    vis = visibilita_di(request)
    if not request.user.has_perm("cartella.view_intervento"):
        # Same answer and log as a row out of scope: a 403 would reveal that the row exists.
        sel.nega_intervento(request.user, pk)
    i = sel.intervento_per(vis, pk, request.user)
    vede_importi = _vede_importi(request, vis)
    contesto = {
        "intervento": i,
        "persona": i.caso.persona,
        "solo_erogatore": sel.solo_erogatore(vis),
        "vede_importi": vede_importi,
        "riepilogo": sel.riepilogo_intervento(i),
        "erogazioni": sel.erogazioni_di(i) if vede_importi else [],
        "attivita": list(sel.attivita_di(i)),
        "limite_attivita": sel.ATTIVITA_IN_PAGINA,
        "puo_erogare": request.user.has_perm("cartella.add_erogazione") and not sel.solo_erogatore(vis),
        "puo_registrare_attivita": request.user.has_perm("cartella.add_attivita"),
        "puo_modificare": request.user.has_perm("cartella.change_intervento") and not sel.solo_erogatore(vis),
        "chiusura_form": F.ChiusuraForm(),
    }
    return render(request, "cartella/erogazioni/intervento.html", contesto)


@login_required
@permission_required("cartella.change_intervento", raise_exception=True)
@require_http_methods(["POST"])
def intervento_chiudi(request, pk: int):
    vis = visibilita_di(request)
    i = sel.intervento_per(vis, pk, request.user)
    form = F.ChiusuraForm(request.POST)
    if form.is_valid():
        try:
            srv.chiudi_intervento(intervento=i, al=form.cleaned_data["al"], attore=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Data di fine dell'intervento registrata.")
    else:
        messages.error(request, "Indicare una data di fine valida.")
    return redirect("cartella:intervento", i.pk)


@login_required
@permission_required("cartella.view_intervento", raise_exception=True)
def miei_interventi(request):
    vis = visibilita_di(request)
    anche_conclusi = request.GET.get("conclusi") == "1"
    qs = sel.miei_interventi(vis, request.user, anche_conclusi=anche_conclusi)
    pagina = Paginator(qs, 50).get_page(request.GET.get("pagina"))
    return render(
        request,
        "cartella/erogazioni/miei_interventi.html",
        {
            "pagina": pagina,
            "anche_conclusi": anche_conclusi,
            "solo_erogatore": sel.solo_erogatore(vis),
            "puo_registrare_attivita": request.user.has_perm("cartella.add_attivita"),
        },
    )


# --- deliveries --------------------------------------------------------------------------------


def _pagina_erogazione(request, *, intervento, form, formset, errori_fondi, titolo, erogazione=None):
    return render(
        request,
        "cartella/erogazioni/erogazione_form.html",
        {
            "intervento": intervento,
            "persona": intervento.caso.persona,
            "form": form,
            "formset": formset,
            "errori_fondi": errori_fondi,
            "titolo": titolo,
            "erogazione": erogazione,
        },
    )


@login_required
@permission_required("cartella.add_erogazione", raise_exception=True)
@require_http_methods(["GET", "POST"])
def erogazione_nuova(request, pk: int):
    vis = visibilita_di(request)
    i = sel.intervento_per(vis, pk, request.user)
    form = F.ErogazioneForm(request.POST or None)
    formset = F.finanziamenti_formset(request.POST or None, ambito_id=i.ambito_id)
    errori_fondi: list[str] = []
    if request.method == "POST":
        valido = form.is_valid() & formset.is_valid()
        if valido:
            d = form.cleaned_data
            try:
                srv.registra_erogazione(
                    intervento=i,
                    dal=d["dal"],
                    al=d["al"],
                    data_erogazione=d["data_erogazione"],
                    quantita=d["quantita"],
                    importo=d["importo"],
                    quota_ente=d["quota_ente"],
                    quota_utente=d["quota_utente"] or 0,
                    quota_ssn=d["quota_ssn"] or 0,
                    finanziamenti=F.parti_del_formset(formset),
                    attore=request.user,
                )
            except ValidationError as exc:
                _errori_su_form(form, exc, errori_fondi)
            else:
                messages.success(request, "Erogazione registrata.")
                return redirect("cartella:intervento", i.pk)
    return _pagina_erogazione(
        request,
        intervento=i,
        form=form,
        formset=formset,
        errori_fondi=errori_fondi,
        titolo="Nuova erogazione",
    )


@login_required
@permission_required("cartella.change_erogazione", raise_exception=True)
@require_http_methods(["GET", "POST"])
def erogazione_correggi(request, pk: int):
    vis = visibilita_di(request)
    e = sel.erogazione_per(vis, pk, request.user)
    i = sel.intervento_per(vis, e.intervento_id, request.user)
    fondi_originali = list(e.finanziamenti.all())
    iniziali = {
        campo: getattr(e, campo)
        for campo in (
            "dal",
            "al",
            "data_erogazione",
            "quantita",
            "importo",
            "quota_ente",
            "quota_utente",
            "quota_ssn",
        )
    }
    form = F.CorrezioneForm(request.POST or None, initial=iniziali)
    formset = F.finanziamenti_formset(
        request.POST or None,
        ambito_id=i.ambito_id,
        iniziali=[{"fondo": f.fondo_id, "importo": f.importo} for f in fondi_originali],
        gia_usati=[f.fondo_id for f in fondi_originali],
    )
    errori_fondi: list[str] = []
    if e.annullato_il is not None and request.method == "GET":
        messages.warning(request, "Questa erogazione è già annullata: si corregge quella che la sostituisce.")
        return redirect("cartella:intervento", i.pk)
    if request.method == "POST":
        if form.is_valid() & formset.is_valid():
            d = form.cleaned_data
            try:
                srv.correggi_erogazione(
                    erogazione=e,
                    motivo=d["motivo"],
                    attore=request.user,
                    dal=d["dal"],
                    al=d["al"],
                    data_erogazione=d["data_erogazione"],
                    quantita=d["quantita"],
                    importo=d["importo"],
                    quota_ente=d["quota_ente"],
                    quota_utente=d["quota_utente"] or 0,
                    quota_ssn=d["quota_ssn"] or 0,
                    finanziamenti=F.parti_del_formset(formset),
                )
            except ValidationError as exc:
                _errori_su_form(form, exc, errori_fondi)
            else:
                messages.success(
                    request, "Erogazione corretta: la precedente è annullata e resta consultabile."
                )
                return redirect("cartella:intervento", i.pk)
    return _pagina_erogazione(
        request,
        intervento=i,
        form=form,
        formset=formset,
        errori_fondi=errori_fondi,
        titolo="Correggi l'erogazione",
        erogazione=e,
    )


@login_required
@permission_required("cartella.change_erogazione", raise_exception=True)
@require_http_methods(["GET", "POST"])
def erogazione_annulla(request, pk: int):
    vis = visibilita_di(request)
    e = sel.erogazione_per(vis, pk, request.user)
    i = sel.intervento_per(vis, e.intervento_id, request.user)
    form = F.MotivoForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            srv.annulla_erogazione(erogazione=e, motivo=form.cleaned_data["motivo"], attore=request.user)
        except ValidationError as exc:
            _errori_su_form(form, exc)
        else:
            messages.success(request, "Erogazione annullata.")
            return redirect("cartella:intervento", i.pk)
    return render(
        request,
        "cartella/erogazioni/annulla.html",
        {"intervento": i, "persona": i.caso.persona, "erogazione": e, "form": form},
    )


# --- activity ----------------------------------------------------------------------------------


@login_required
@permission_required("cartella.add_attivita", raise_exception=True)
@require_http_methods(["GET", "POST"])
def attivita_nuova(request, pk: int):
    vis = visibilita_di(request)
    i = sel.intervento_per(vis, pk, request.user)
    # Only the interventions the user may record on: for a provider, its Ente's.
    scelte = sel.miei_interventi(vis, request.user)
    form = F.AttivitaForm(request.POST or None, interventi=scelte, initial={"intervento": i.pk})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            srv.registra_attivita(
                intervento=d["intervento"],
                operatore=request.user,
                data=d["data"],
                tipo=d["tipo"],
                ore=d["ore"] or 0,
                accessi=d["accessi"] or 0,
                note=d["note"],
                attore=request.user,
            )
        except ValidationError as exc:
            _errori_su_form(form, exc)
        else:
            messages.success(request, "Attività registrata.")
            return redirect("cartella:intervento", d["intervento"].pk)
    return render(
        request,
        "cartella/erogazioni/attivita_form.html",
        {"intervento": i, "persona": i.caso.persona, "form": form},
    )


@login_required
@permission_required("cartella.add_attivita", raise_exception=True)
@require_http_methods(["GET", "POST"])
def attivita_annulla(request, pk: int):
    vis = visibilita_di(request)
    a = (
        Attivita.objects.filter(intervento__in=interventi_visibili(vis), pk=pk)
        .select_related("intervento__caso__persona", "intervento__servizio")
        .first()
    )
    if a is None:
        # Same answer and log as any other record out of scope.
        sel.nega(request.user, pk, tipo="cartella.Attivita", nome="dell'attività")
    form = F.MotivoForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            srv.annulla_attivita(attivita=a, motivo=form.cleaned_data["motivo"], attore=request.user)
        except ValidationError as exc:
            _errori_su_form(form, exc)
        else:
            messages.success(request, "Attività annullata.")
            return redirect("cartella:intervento", a.intervento_id)
    return render(
        request,
        "cartella/erogazioni/annulla.html",
        {"intervento": a.intervento, "persona": a.intervento.caso.persona, "attivita": a, "form": form},
    )


urlpatterns = [
    path("interventi/", miei_interventi, name="miei_interventi"),
    path("casi/<int:caso_id>/interventi/nuovo/", intervento_nuovo, name="intervento_nuovo"),
    path("interventi/<int:pk>/", intervento, name="intervento"),
    path("interventi/<int:pk>/chiudi/", intervento_chiudi, name="intervento_chiudi"),
    path("interventi/<int:pk>/erogazioni/nuova/", erogazione_nuova, name="erogazione_nuova"),
    path("erogazioni/<int:pk>/correggi/", erogazione_correggi, name="erogazione_correggi"),
    path("erogazioni/<int:pk>/annulla/", erogazione_annulla, name="erogazione_annulla"),
    path("interventi/<int:pk>/attivita/nuova/", attivita_nuova, name="attivita_nuova"),
    path("attivita/<int:pk>/annulla/", attivita_annulla, name="attivita_annulla"),
]
