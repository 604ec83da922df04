"""Pages of the case record: persone. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from ambito.utenti.selectors import visibilita_di

from .. import persone_forms as F
from ..models import Isee, MembroNucleo
from ..selectors import persone as sel
from ..selectors.visibilita import persone_visibili
from ..services import persone as S


def _permesso(codice):
    def decoratore(view):
        return login_required(permission_required(codice, raise_exception=True)(view))

    return decoratore


def _lettura_o_404(codice, oggetto_tipo):
    """For pages that open one record by id: a user without the permission gets the same 404
    (logged "negato") as one without the record in scope, never a 403 that tells it exists."""

    def decoratore(view):
        @login_required
        @wraps(view)
        def interna(request, pk, *args, **kwargs):
            if not request.user.has_perm(codice):
                raise sel.nega_accesso(request.user, oggetto_tipo, pk)
            return view(request, pk, *args, **kwargs)

        return interna

    return decoratore


def _render_form(request, template, form, **contesto):
    form.fields["token"].initial = F.emetti_token(request)
    form.initial["token"] = form.fields["token"].initial
    if form.is_bound:
        # A re-shown bound form keeps its data but needs a fresh token.
        dati = form.data.copy()
        dati[form.add_prefix("token")] = form.fields["token"].initial
        form.data = dati
    return render(request, template, {"form": form, **contesto})


def _token_valido(request, form) -> bool:
    if F.consuma_token(request, request.POST.get(form.add_prefix("token"))):
        return True
    form.add_error(None, F.MESSAGGIO_DOPPIO_INVIO)
    return False


# --- search -----------------------------------------------------------------------------------


@_permesso("cartella.view_persona")
def ricerca(request):
    vis = visibilita_di(request)
    testo = request.GET.get("q", "").strip()
    risultati = sel.cerca(vis, testo) if len(testo) >= 2 else []
    contesto = {"q": testo, "risultati": risultati, "cercato": len(testo) >= 2}
    if request.headers.get("HX-Request"):
        return render(request, "cartella/persone/_risultati.html", contesto)
    return render(request, "cartella/persone/ricerca.html", contesto)


# --- the person's page ------------------------------------------------------------------------


@_lettura_o_404("cartella.view_persona", sel.TIPO_PERSONA)
def persona(request, pk: int):
    vis = visibilita_di(request)
    d = sel.dettaglio_persona(vis, pk, utente=request.user)
    return render(
        request,
        "cartella/persone/persona.html",
        {
            "d": d,
            "p": d.persona,
            "annulla_isee_form": F.AnnullaIseeForm()
            if request.user.has_perm("cartella.change_isee")
            else None,
            "assegna_form": F.AssegnaCodiceForm()
            if d.persona.cf_temporaneo and request.user.has_perm("cartella.change_persona")
            else None,
        },
    )


@_permesso("cartella.add_persona")
def persona_nuova(request):
    vis = visibilita_di(request)
    esistente = None
    if request.method == "POST":
        form = F.PersonaNuovaForm(request.POST, ambito_id=vis.ambito_id)
        if form.is_valid() and _token_valido(request, form):
            d = form.cleaned_data
            try:
                p = S.crea_persona(
                    ambito=request.user.ambito,
                    attore=request.user,
                    codice_fiscale=d["codice_fiscale"],
                    senza_codice_fiscale=d["senza_codice_fiscale"],
                    cognome=d["cognome"],
                    nome=d["nome"],
                    sesso=d["sesso"],
                    data_nascita=d["data_nascita"],
                    codice_belfiore_nascita=d["codice_belfiore_nascita"],
                    luogo_nascita=d["luogo_nascita"],
                    cittadinanza=d["cittadinanza"],
                    seconda_cittadinanza=d["seconda_cittadinanza"],
                    telefono=d["telefono"],
                    email=d["email"],
                    note=d["note"],
                    residenza=form.residenza(),
                )
            except S.PersonaGiaPresente as e:
                esistente = e.persona
                form.applica_errori(e)
            except ValidationError as e:
                form.applica_errori(e)
            else:
                messages.success(request, f"Scheda di {p.cognome} {p.nome} creata.")
                return redirect("cartella:persona", p.pk)
    else:
        form = F.PersonaNuovaForm(ambito_id=vis.ambito_id, initial={"q": request.GET.get("q", "")})
    return _render_form(request, "cartella/persone/persona_form.html", form, nuova=True, esistente=esistente)


@_permesso("cartella.change_persona")
def persona_modifica(request, pk: int):
    vis = visibilita_di(request)
    p = sel.persona_visibile(vis, pk, utente=request.user)
    if request.method == "POST":
        form = F.PersonaModificaForm(request.POST)
        if form.is_valid() and _token_valido(request, form):
            d = dict(form.cleaned_data)
            versione = d.pop("aggiornato_il")
            d.pop("token", None)
            try:
                S.modifica_persona(persona=p, attore=request.user, aggiornato_il=versione, **d)
            except ValidationError as e:
                form.applica_errori(e)
            else:
                messages.success(request, "Dati anagrafici aggiornati.")
                return redirect("cartella:persona", p.pk)
    else:
        iniziali = {c: getattr(p, c) for c in S.CAMPI_ANAGRAFICI}
        iniziali["aggiornato_il"] = p.aggiornato_il.isoformat()
        form = F.PersonaModificaForm(initial=iniziali)
    return _render_form(request, "cartella/persone/persona_form.html", form, p=p, nuova=False)


@require_POST
@_permesso("cartella.change_persona")
def assegna_codice(request, pk: int):
    vis = visibilita_di(request)
    p = sel.persona_visibile(vis, pk, utente=request.user)
    form = F.AssegnaCodiceForm(request.POST)
    if form.is_valid():
        try:
            S.assegna_codice_fiscale(
                persona=p, codice_fiscale=form.cleaned_data["codice_fiscale"], attore=request.user
            )
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, "Codice fiscale assegnato al posto del codice temporaneo.")
    else:
        messages.error(request, "Indicare il codice fiscale.")
    return redirect("cartella:persona", p.pk)


# --- residence --------------------------------------------------------------------------------


@_permesso("cartella.add_residenza")
def residenza_nuova(request, pk: int):
    vis = visibilita_di(request)
    p = sel.persona_visibile(vis, pk, utente=request.user)
    if request.method == "POST":
        form = F.ResidenzaForm(request.POST, ambito_id=vis.ambito_id)
        if form.is_valid() and _token_valido(request, form):
            d = form.cleaned_data
            try:
                S.registra_residenza(
                    persona=p,
                    attore=request.user,
                    comune=d["comune"],
                    codice_istat=d["codice_istat"],
                    indirizzo=d["indirizzo"],
                    dal=d["dal"],
                    al=d["al"],
                    domicilio=d["domicilio"],
                )
            except ValidationError as e:
                form.applica_errori(e)
            else:
                messages.success(request, "Residenza registrata.")
                return redirect("cartella:persona", p.pk)
    else:
        form = F.ResidenzaForm(ambito_id=vis.ambito_id)
    return _render_form(request, "cartella/persone/residenza_form.html", form, p=p)


# --- households -------------------------------------------------------------------------------


@_lettura_o_404("cartella.view_nucleo", sel.TIPO_NUCLEO)
def nucleo(request, pk: int):
    vis = visibilita_di(request)
    n, membri = sel.dettaglio_nucleo(vis, pk, utente=request.user)
    puo_modificare = request.user.has_perm("cartella.add_membronucleo")
    membro_form = F.MembroForm(prefix="m")
    uscita_errori = []
    if request.method == "POST":
        if not puo_modificare:
            raise PermissionDenied
        if request.POST.get("azione") == "uscita":
            uscita = F.UscitaForm(request.POST, prefix="u")
            if uscita.is_valid():
                m = next((x for x in membri if x.pk == uscita.cleaned_data["membro"]), None)
                if m is None:
                    raise Http404
                try:
                    S.esci_dal_nucleo(membro=m, al=uscita.cleaned_data["al"], attore=request.user)
                except ValidationError as e:
                    uscita_errori = e.messages
                else:
                    messages.success(request, f"{m.persona} è uscito/a dal nucleo.")
                    return redirect("cartella:nucleo", n.pk)
            else:
                uscita_errori = [m for errs in uscita.errors.values() for m in errs]
        else:
            membro_form = F.MembroForm(request.POST, prefix="m")
            if membro_form.is_valid() and _token_valido(request, membro_form):
                d = membro_form.cleaned_data
                from ..codice_fiscale import normalizza

                persona = persone_visibili(vis).filter(codice_fiscale=normalizza(d["codice_fiscale"])).first()
                if persona is None:
                    membro_form.add_error(
                        "codice_fiscale",
                        "Nessuna persona visibile con questo codice: crearne prima la scheda.",
                    )
                else:
                    try:
                        S.aggiungi_al_nucleo(
                            nucleo=n, persona=persona, ruolo=d["ruolo"], dal=d["dal"], attore=request.user
                        )
                    except ValidationError as e:
                        membro_form.applica_errori(e)
                    else:
                        messages.success(request, f"{persona} aggiunto/a al nucleo.")
                        return redirect("cartella:nucleo", n.pk)
    return _render_form(
        request,
        "cartella/persone/nucleo.html",
        membro_form,
        n=n,
        membri=membri,
        puo_modificare=puo_modificare,
        uscita_errori=uscita_errori,
    )


@_permesso("cartella.add_nucleo")
def nucleo_nuovo(request):
    vis = visibilita_di(request)
    persona = None
    if request.GET.get("persona") or request.POST.get("persona"):
        persona = sel.persona_visibile(
            vis, request.GET.get("persona") or request.POST.get("persona"), utente=request.user
        )
    if request.method == "POST":
        form = F.NucleoForm(request.POST)
        if form.is_valid() and _token_valido(request, form):
            d = form.cleaned_data
            membri = []
            if persona is not None:
                if not d["ruolo"] or not d["dal"]:
                    form.add_error("dal", "Indicare ruolo e data di ingresso della persona nel nucleo.")
                membri = [{"persona": persona, "ruolo": d["ruolo"], "dal": d["dal"]}]
            if not form.errors:
                try:
                    n = S.crea_nucleo(
                        ambito=request.user.ambito,
                        attore=request.user,
                        denominazione=d["denominazione"],
                        note=d["note"],
                        membri=membri,
                    )
                except ValidationError as e:
                    form.applica_errori(e)
                else:
                    messages.success(request, "Nucleo familiare creato.")
                    return redirect("cartella:nucleo", n.pk)
    else:
        iniziali = {"ruolo": "intestatario"}
        if persona is not None:
            iniziali["denominazione"] = f"Nucleo {persona.cognome}"
        form = F.NucleoForm(initial=iniziali)
    return _render_form(request, "cartella/persone/nucleo_form.html", form, persona=persona)


# --- ISEE -------------------------------------------------------------------------------------


@_permesso("cartella.add_isee")
def isee_nuovo(request, pk: int):
    vis = visibilita_di(request)
    p = sel.persona_visibile(vis, pk, utente=request.user)
    if request.method == "POST":
        form = F.IseeForm(request.POST)
        if form.is_valid() and _token_valido(request, form):
            d = form.cleaned_data
            try:
                S.registra_isee(
                    persona=p,
                    attore=request.user,
                    tipo=d["tipo"],
                    valore=d["valore"],
                    protocollo_dsu=d["protocollo_dsu"],
                    data_dsu=d["data_dsu"],
                    data_attestazione=d["data_attestazione"],
                    scadenza=d["scadenza"],
                    componenti_nucleo=d["componenti_nucleo"],
                )
            except ValidationError as e:
                form.applica_errori(e)
            else:
                messages.success(request, "Attestazione ISEE registrata.")
                return redirect("cartella:persona", p.pk)
    else:
        form = F.IseeForm()
    return _render_form(request, "cartella/persone/isee_form.html", form, p=p)


@require_POST
@_permesso("cartella.change_isee")
def isee_annulla(request, pk: int):
    vis = visibilita_di(request)
    p = sel.persona_visibile(vis, pk, utente=request.user)
    form = F.AnnullaIseeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indicare il motivo dell'annullamento.")
        return redirect("cartella:persona", p.pk)
    isee = Isee.objects.filter(pk=form.cleaned_data["isee"], persona=p).first()
    if isee is None:
        raise Http404
    try:
        S.annulla_isee(isee=isee, motivo=form.cleaned_data["motivo"], attore=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, "Attestazione ISEE annullata.")
    return redirect("cartella:persona", p.pk)


# --- duplicates and merge ---------------------------------------------------------------------


def _puo_unire(request, vis) -> bool:
    return request.user.has_perm("cartella.change_persona") and (vis.is_operatore or vis.is_coordinatore)


@_permesso("cartella.view_persona")
def duplicati(request):
    vis = visibilita_di(request)
    persona = None
    suggeriti = []
    gruppi = []
    if request.GET.get("persona"):
        persona = sel.persona_visibile(vis, request.GET["persona"], utente=request.user)
        suggeriti = sel.duplicati_visibili(vis, persona)
    else:
        gruppi = sel.omonimi(vis)
    return render(
        request,
        "cartella/persone/duplicati.html",
        {"persona": persona, "suggeriti": suggeriti, "gruppi": gruppi, "puo_unire": _puo_unire(request, vis)},
    )


@require_POST
@_permesso("cartella.change_persona")
def unisci(request):
    """Two steps, both POST: the first shows both records side by side and asks for the reason;
    the second (with `conferma`) merges."""
    vis = visibilita_di(request)
    if not _puo_unire(request, vis):
        raise PermissionDenied
    form = F.UnisciForm(request.POST)
    if not form.is_valid():
        raise Http404
    tenere = sel.persona_visibile(vis, form.cleaned_data["da_tenere"], utente=request.user)
    unire = sel.persona_visibile(vis, form.cleaned_data["da_unire"], utente=request.user)
    if request.POST.get("conferma"):
        if _token_valido(request, form):
            try:
                S.unisci_persone(
                    da_tenere=tenere, da_unire=unire, motivo=form.cleaned_data["motivo"], attore=request.user
                )
            except ValidationError as e:
                form.applica_errori(e)
            else:
                messages.success(request, f"La scheda n. {unire.pk} è stata unita a questa.")
                return redirect("cartella:persona", tenere.pk)
    else:
        form = F.UnisciForm(initial={"da_tenere": tenere.pk, "da_unire": unire.pk})
    conteggi = {
        "casi": (tenere.casi.count(), unire.casi.count()),
        "residenze": (tenere.residenze.count(), unire.residenze.count()),
        "isee": (tenere.isee.count(), unire.isee.count()),
        "nuclei": (
            MembroNucleo.objects.filter(persona=tenere).count(),
            MembroNucleo.objects.filter(persona=unire).count(),
        ),
    }
    return _render_form(
        request,
        "cartella/persone/unisci.html",
        form,
        tenere=tenere,
        unire=unire,
        conteggi=conteggi,
        url_azione=reverse("cartella:unisci"),
    )


urlpatterns = [
    path("", ricerca, name="ricerca"),
    path("persone/nuova/", persona_nuova, name="persona_nuova"),
    path("persone/<int:pk>/", persona, name="persona"),
    path("persone/<int:pk>/modifica/", persona_modifica, name="persona_modifica"),
    path("persone/<int:pk>/codice-fiscale/", assegna_codice, name="persona_assegna_codice"),
    path("persone/<int:pk>/residenze/nuova/", residenza_nuova, name="residenza_nuova"),
    path("persone/<int:pk>/isee/nuovo/", isee_nuovo, name="isee_nuovo"),
    path("persone/<int:pk>/isee/annulla/", isee_annulla, name="isee_annulla"),
    path("persone/duplicati/", duplicati, name="duplicati"),
    path("persone/unisci/", unisci, name="unisci"),
    path("nuclei/nuovo/", nucleo_nuovo, name="nucleo_nuovo"),
    path("nuclei/<int:pk>/", nucleo, name="nucleo"),
]
