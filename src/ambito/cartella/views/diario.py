"""Pages of the case record: diario. Thin: parse, call a service or selector, render.

Every page first resolves the case, entry or document through selectors.diario (404 and a
"negato" access-log row when out of scope). A form submitted twice finds the first row
(services raise InvioDoppio) and the user is sent to it with a notice: nothing is stored twice.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_http_methods

from ambito.core.moduli import errori_su_form
from ambito.core.services import registra_accesso
from ambito.utenti import ruoli as R
from ambito.utenti.selectors import visibilita_di

from ..selectors import diario as sel
from ..services import diario as srv
from .diario_forms import (
    CorrezioneForm,
    DataForm,
    DocumentoForm,
    MandatoForm,
    MotivoForm,
    TutelaForm,
    VoceForm,
)

# Reads need only a login: what may be read is decided by the scope (selectors.diario), so that
# an attempt outside it is a 404 written to the access log, whatever the role.


def _permesso(perm):
    def decoratore(view):
        return login_required(permission_required(perm, raise_exception=True)(view))

    return decoratore


def _alla_cartella(caso_id: int, ancora: str = "") -> str:
    try:
        url = reverse("cartella:caso", args=[caso_id])
    except NoReverseMatch:  # the case page is another area's; fall back to the diary
        url = reverse("cartella:diario", args=[caso_id])
    return f"{url}#{ancora}" if ancora else url


def _esegui(request, form, azione, *, successo, dopo, dopo_doppio=None):
    """Run a service on a valid form: success message and redirect; a double submission goes to
    the row already stored; a refusal puts the service's messages on the form (returns None).

    `successo` and `dopo` are a value or a function of the stored row."""

    def valore(x, riga):
        return x(riga) if callable(x) else x

    try:
        riga = azione()
    except srv.InvioDoppio as e:
        messages.info(request, e.messages[0])
        return redirect(valore(dopo if dopo_doppio is None else dopo_doppio, e.esistente))
    except ValidationError as e:
        errori_su_form(form, e)
        return None
    messages.success(request, valore(successo, riga))
    return redirect(valore(dopo, riga))


def _pagina_modulo(
    request, *, titolo, form, caso, annulla_url, multipart=False, sopra=None, pulsante="Salva"
):
    return render(
        request,
        "cartella/diario/modulo.html",
        {
            "titolo": titolo,
            "form": form,
            "caso": caso,
            "annulla_url": annulla_url,
            "multipart": multipart,
            "sopra": sopra,
            "pulsante": pulsante,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --- diary -----------------------------------------------------------------------------------


@login_required
def diario(request, caso_id):
    vis = visibilita_di(request)
    caso = sel.caso_per(vis, caso_id, request.user, descrizione="diario del caso")
    pagina = sel.diario_del_caso(vis, caso, request.GET.get("pagina") or 1)
    return render(
        request,
        "cartella/diario/diario.html",
        {
            "caso": caso,
            "pagina": pagina,
            "voci": pagina.object_list,
            "cartella_url": _alla_cartella(caso.pk, "diario"),
        },
    )


@_permesso("cartella.add_vocediario")
@require_http_methods(["GET", "POST"])
def diario_nuova(request, caso_id):
    vis = visibilita_di(request)
    caso = sel.caso_per(vis, caso_id, request.user, registra=False)
    livelli = sel.riservatezze_scrivibili(vis, caso)
    form = VoceForm(request.POST or None, livelli=livelli)
    if request.method == "POST" and form.is_valid():
        esito = _esegui(
            request,
            form,
            lambda: srv.scrivi_diario(caso=caso, attore=request.user, **form.cleaned_data),
            successo=lambda voce: f"Annotazione del {voce.data:%d/%m/%Y} registrata.",
            dopo=_alla_cartella(caso.pk, "diario"),
            dopo_doppio=reverse("cartella:diario", args=[caso.pk]),
        )
        if esito:
            return esito
    return _pagina_modulo(
        request,
        titolo="Nuova annotazione di diario",
        form=form,
        caso=caso,
        annulla_url=_alla_cartella(caso.pk, "diario"),
    )


@login_required
def diario_voce(request, pk):
    vis = visibilita_di(request)
    voce = sel.voce_per(vis, pk, request.user)
    puo_correggere = request.user.has_perm("cartella.add_vocediario") and (
        voce.creato_da_id == request.user.pk
        or (vis.is_coordinatore and voce.caso.servizio_id in vis.servizio_ids)
    )
    return render(
        request,
        "cartella/diario/voce.html",
        {
            "voce": voce,
            "caso": voce.caso,
            "puo_correggere": puo_correggere and not voce.lista_correzioni,
            "cartella_url": _alla_cartella(voce.caso_id, "diario"),
        },
    )


@_permesso("cartella.add_vocediario")
@require_http_methods(["GET", "POST"])
def diario_correggi(request, pk):
    vis = visibilita_di(request)
    voce = sel.voce_per(vis, pk, request.user)
    form = CorrezioneForm(request.POST or None, initial={"testo": voce.testo})
    if request.method == "POST" and form.is_valid():
        esito = _esegui(
            request,
            form,
            lambda: srv.correggi_diario(voce=voce, attore=request.user, **form.cleaned_data),
            successo="Correzione registrata: l'annotazione originale resta consultabile.",
            dopo=lambda riga: reverse("cartella:diario_voce", args=[riga.pk]),
        )
        if esito:
            return esito
    return _pagina_modulo(
        request,
        titolo=f"Correggi l'annotazione del {voce.data:%d/%m/%Y}",
        form=form,
        caso=voce.caso,
        annulla_url=reverse("cartella:diario_voce", args=[voce.pk]),
        sopra=voce,
    )


# --- documents -------------------------------------------------------------------------------


@_permesso("cartella.add_documento")
@require_http_methods(["GET", "POST"])
def documento_nuovo(request, caso_id):
    vis = visibilita_di(request)
    caso = sel.caso_per(vis, caso_id, request.user, registra=False)
    livelli = sel.riservatezze_scrivibili(vis, caso)
    form = DocumentoForm(
        request.POST or None, request.FILES or None, livelli=livelli, max_mb=srv.max_byte() // (1024 * 1024)
    )
    if request.method == "POST" and form.is_valid():
        esito = _esegui(
            request,
            form,
            lambda: srv.carica_documento(caso=caso, attore=request.user, **form.cleaned_data),
            successo=lambda doc: f"Documento «{doc.titolo}» caricato.",
            dopo=_alla_cartella(caso.pk, "documenti"),
        )
        if esito:
            return esito
    return _pagina_modulo(
        request,
        titolo="Carica un documento",
        form=form,
        caso=caso,
        annulla_url=_alla_cartella(caso.pk, "documenti"),
        multipart=True,
        pulsante="Carica",
    )


@login_required
def documento_scarica(request, pk):
    vis = visibilita_di(request)
    doc = sel.documento_per(vis, pk, request.user)
    try:
        contenuto = doc.file.open("rb")
    except (FileNotFoundError, ValueError):
        registra_accesso(
            utente=request.user,
            oggetto_tipo="cartella.Documento",
            oggetto_id=doc.pk,
            descrizione="file mancante nell'archivio",
            esito="negato",
            motivo="file non trovato su disco",
        )
        raise Http404("File non disponibile.") from None
    risposta = FileResponse(
        contenuto, as_attachment=True, filename=doc.nome_originale, content_type=doc.tipo_mime
    )
    risposta["X-Content-Type-Options"] = "nosniff"
    risposta["Cache-Control"] = "private, no-store"
    risposta["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if doc.annullato_il is not None:
        risposta["X-Documento-Annullato"] = doc.annullato_il.date().isoformat()
    return risposta


@_permesso("cartella.change_documento")
@require_http_methods(["GET", "POST"])
def documento_annulla(request, pk):
    vis = visibilita_di(request)
    doc = sel.documento_per(vis, pk, request.user, descrizione="annullamento")
    form = MotivoForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            srv.annulla_documento(documento=doc, attore=request.user, **form.cleaned_data)
        except ValidationError as e:
            if doc.annullato_il is None:
                errori_su_form(form, e)
            else:
                messages.info(request, e.messages[0])
                return redirect(_alla_cartella(doc.caso_id, "documenti"))
        else:
            messages.success(request, f"Documento «{doc.titolo}» annullato: resta consultabile.")
            return redirect(_alla_cartella(doc.caso_id, "documenti"))
    if doc.annullato_il is not None and request.method == "GET":
        messages.info(request, f"Il documento è già stato annullato il {doc.annullato_il:%d/%m/%Y}.")
        return redirect(_alla_cartella(doc.caso_id, "documenti"))
    return _pagina_modulo(
        request,
        titolo=f"Annulla il documento «{doc.titolo}»",
        form=form,
        caso=doc.caso,
        annulla_url=_alla_cartella(doc.caso_id, "documenti"),
        pulsante="Annulla il documento",
    )


# --- court mandates and guardianships --------------------------------------------------------


@_permesso("cartella.add_mandatogiudiziario")
@require_http_methods(["GET", "POST"])
def mandato_nuovo(request, caso_id):
    vis = visibilita_di(request)
    caso = sel.caso_per(vis, caso_id, request.user, registra=False)
    if not sel.mandati_leggibili(set(sel.riservatezze_scrivibili(vis, caso)), caso):
        raise Http404("Non trovato.")
    form = MandatoForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        esito = _esegui(
            request,
            form,
            lambda: srv.registra_mandato(caso=caso, attore=request.user, **form.cleaned_data),
            successo="Mandato dell'autorità giudiziaria registrato.",
            dopo=_alla_cartella(caso.pk, "mandati"),
        )
        if esito:
            return esito
    return _pagina_modulo(
        request,
        titolo="Nuovo mandato dell'autorità giudiziaria",
        form=form,
        caso=caso,
        annulla_url=_alla_cartella(caso.pk, "mandati"),
    )


@_permesso("cartella.change_mandatogiudiziario")
@require_http_methods(["GET", "POST"])
def mandato_adempiuto(request, pk):
    vis = visibilita_di(request)
    mandato = sel.mandato_per(vis, pk, request.user)
    form = DataForm(request.POST or None, etichetta="Adempiuto il")
    if request.method == "POST" and form.is_valid():
        esito = _esegui(
            request,
            form,
            lambda: srv.segna_mandato_adempiuto(
                mandato=mandato, attore=request.user, data=form.cleaned_data["data"]
            ),
            successo=f"Mandato n. {mandato.numero_procedimento} segnato come adempiuto.",
            dopo=_alla_cartella(mandato.caso_id, "mandati"),
        )
        if esito:
            return esito
    return _pagina_modulo(
        request,
        titolo=f"Mandato n. {mandato.numero_procedimento}: adempimento",
        form=form,
        caso=mandato.caso,
        annulla_url=_alla_cartella(mandato.caso_id, "mandati"),
    )


def _operatori(caso):
    return (
        get_user_model()
        .objects.filter(
            ambito_id=caso.ambito_id,
            is_active=True,
            groups__name__in=[R.OPERATORE, R.COORDINATORE, R.OPERATORE_COMUNALE],
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


@_permesso("cartella.add_tutela")
@require_http_methods(["GET", "POST"])
def tutela_nuova(request, caso_id):
    vis = visibilita_di(request)
    caso = sel.caso_per(vis, caso_id, request.user, registra=False)
    form = TutelaForm(
        request.POST or None, operatori=_operatori(caso), initial={"operatore": request.user.pk}
    )
    if request.method == "POST" and form.is_valid():
        esito = _esegui(
            request,
            form,
            lambda: srv.apri_tutela(caso=caso, attore=request.user, **form.cleaned_data),
            successo="Pratica di tutela aperta.",
            dopo=_alla_cartella(caso.pk, "tutele"),
        )
        if esito:
            return esito
    return _pagina_modulo(
        request,
        titolo="Nuova tutela / amministrazione di sostegno",
        form=form,
        caso=caso,
        annulla_url=_alla_cartella(caso.pk, "tutele"),
    )


def _data_tutela(request, pk, *, funzione, titolo, etichetta, successo):
    vis = visibilita_di(request)
    tutela = sel.tutela_per(vis, pk, request.user)
    form = DataForm(request.POST or None, etichetta=etichetta)
    if request.method == "POST" and form.is_valid():
        esito = _esegui(
            request,
            form,
            lambda: funzione(tutela=tutela, attore=request.user, data=form.cleaned_data["data"]),
            successo=successo,
            dopo=_alla_cartella(tutela.caso_id, "tutele"),
        )
        if esito:
            return esito
    return _pagina_modulo(
        request,
        titolo=f"{titolo} · {tutela.get_tipo_display()} ({tutela.tutore})",
        form=form,
        caso=tutela.caso,
        annulla_url=_alla_cartella(tutela.caso_id, "tutele"),
        sopra=tutela,
    )


@_permesso("cartella.change_tutela")
@require_http_methods(["GET", "POST"])
def tutela_rendiconto(request, pk):
    return _data_tutela(
        request,
        pk,
        funzione=srv.registra_rendiconto,
        titolo="Rendiconto annuale depositato",
        etichetta="Rendiconto depositato il",
        successo="Rendiconto registrato: la prossima scadenza è spostata di un anno.",
    )


@_permesso("cartella.change_tutela")
@require_http_methods(["GET", "POST"])
def tutela_chiudi(request, pk):
    return _data_tutela(
        request,
        pk,
        funzione=srv.chiudi_tutela,
        titolo="Chiusura della pratica",
        etichetta="Chiusa il",
        successo="Pratica chiusa.",
    )


urlpatterns = [
    path("casi/<int:caso_id>/diario/", diario, name="diario"),
    path("casi/<int:caso_id>/diario/nuova/", diario_nuova, name="diario_nuova"),
    path("diario/<int:pk>/", diario_voce, name="diario_voce"),
    path("diario/<int:pk>/correggi/", diario_correggi, name="diario_correggi"),
    path("casi/<int:caso_id>/documenti/nuovo/", documento_nuovo, name="documento_nuovo"),
    path("documenti/<int:pk>/scarica/", documento_scarica, name="documento_scarica"),
    path("documenti/<int:pk>/annulla/", documento_annulla, name="documento_annulla"),
    path("casi/<int:caso_id>/mandati/nuovo/", mandato_nuovo, name="mandato_nuovo"),
    path("mandati/<int:pk>/adempiuto/", mandato_adempiuto, name="mandato_adempiuto"),
    path("casi/<int:caso_id>/tutele/nuova/", tutela_nuova, name="tutela_nuova"),
    path("tutele/<int:pk>/rendiconto/", tutela_rendiconto, name="tutela_rendiconto"),
    path("tutele/<int:pk>/chiudi/", tutela_chiudi, name="tutela_chiudi"),
]
