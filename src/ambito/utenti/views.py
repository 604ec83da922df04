"""Thin views: home per role, teams, the two logs, two-factor login."""

import csv
import io
from base64 import b32encode
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from ambito.core.services import registra_accesso

from . import home as home_cards
from . import selectors, services
from .forms import CodiceOtpForm, RegistroAccessiForm, RegistroAuditForm

PER_PAGINA = 50


def _permesso(perm):
    """Anonymous users go to the login page; logged-in users without the permission get 403."""

    def decoratore(view):
        return login_required(permission_required(perm, raise_exception=True)(view))

    return decoratore


@login_required
def home(request):
    vis = selectors.visibilita_di(request)
    nomi = selectors.descrivi_visibilita(vis)
    return render(
        request,
        "utenti/home.html",
        {
            "vis": vis,
            "nomi": nomi,
            "sezioni": home_cards.sezioni(vis.ruoli, nomi),
        },
    )


# --- teams ---------------------------------------------------------------------------------------


@_permesso("utenti.view_team")
def team_elenco(request):
    selectors.ambito_richiesto(request)
    return render(request, "utenti/team_elenco.html", {"teams": selectors.team_visibili(utente=request.user)})


@_permesso("utenti.view_team")
def team_dettaglio(request, pk):
    selectors.ambito_richiesto(request)
    team = get_object_or_404(selectors.team_visibili(utente=request.user), pk=pk)
    return render(
        request,
        "utenti/team_dettaglio.html",
        {
            "team": team,
            "membri": selectors.membri_del_team(team=team),
            "oggi": timezone.localdate(),
        },
    )


# --- access log ----------------------------------------------------------------------------------


def _filtri(form) -> dict:
    return form.cleaned_data if form.is_valid() else {}


def _descrizione_filtri(filtri: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in filtri.items() if v) or "nessun filtro"


@_permesso("core.view_accessodati")
def registro_accessi(request):
    selectors.ambito_richiesto(request)
    form = RegistroAccessiForm(request.GET or None)
    filtri = _filtri(form)
    registra_accesso(
        utente=request.user,
        oggetto_tipo="core.AccessoDati",
        oggetto_id="elenco",
        descrizione=f"Consultazione registro accessi ({_descrizione_filtri(filtri)})",
    )
    righe = selectors.accessi_dati(utente=request.user, filtri=filtri)
    pagina = Paginator(righe, PER_PAGINA).get_page(request.GET.get("pagina"))
    return render(request, "utenti/registro_accessi.html", {"form": form, "pagina": pagina})


@_permesso("core.view_accessodati")
def registro_accessi_csv(request):
    selectors.ambito_richiesto(request)
    form = RegistroAccessiForm(request.GET or None)
    if request.GET and not form.is_valid():
        messages.error(request, "Filtri non validi: " + " ".join(form.errors.get("__all__", [])))
        return redirect(reverse("utenti:registro_accessi") + "?" + request.GET.urlencode())
    filtri = _filtri(form)
    registra_accesso(
        utente=request.user,
        oggetto_tipo="core.AccessoDati",
        oggetto_id="esportazione",
        descrizione=f"Esportazione CSV registro accessi ({_descrizione_filtri(filtri)})",
    )
    buf = io.StringIO()
    buf.write("\ufeff")  # BOM: Excel opens UTF-8 correctly
    w = csv.writer(buf, delimiter=";")
    w.writerow(
        [
            "momento",
            "utente",
            "tipo_oggetto",
            "id_oggetto",
            "oggetto",
            "esito",
            "motivo",
            "indirizzo_ip",
            "id_richiesta",
        ]
    )
    for a in selectors.accessi_dati(utente=request.user, filtri=filtri).iterator():
        w.writerow(
            [
                timezone.localtime(a.momento).strftime("%d/%m/%Y %H:%M:%S"),
                a.utente_username,
                a.oggetto_tipo,
                a.oggetto_id,
                a.oggetto_descrizione,
                a.esito,
                a.motivo,
                a.indirizzo_ip or "",
                a.request_id,
            ]
        )
    r = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    r["Content-Disposition"] = f'attachment; filename="registro-accessi-{timezone.localdate():%Y%m%d}.csv"'
    return r


# --- audit log -----------------------------------------------------------------------------------


@_permesso("core.view_eventoaudit")
def registro_audit(request):
    selectors.ambito_richiesto(request)
    form = RegistroAuditForm(request.GET or None)
    righe = selectors.eventi_audit(utente=request.user, filtri=_filtri(form))
    pagina = Paginator(righe, PER_PAGINA).get_page(request.GET.get("pagina"))
    return render(request, "utenti/registro_audit.html", {"form": form, "pagina": pagina})


@_permesso("core.view_eventoaudit")
def evento_audit(request, pk):
    selectors.ambito_richiesto(request)
    evento = get_object_or_404(selectors.eventi_audit(utente=request.user), pk=pk)
    registra_accesso(
        utente=request.user,
        oggetto_tipo="core.EventoAudit",
        oggetto_id=evento.pk,
        descrizione=f"{evento.azione} {evento.oggetto_descrizione}",
    )
    return render(
        request,
        "utenti/evento_audit.html",
        {
            "evento": evento,
            "differenze": selectors.differenze(evento.prima, evento.dopo),
        },
    )


# --- two-factor login ----------------------------------------------------------------------------


def _prossima(request, default="home") -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, require_https=request.is_secure()):
        return nxt
    return reverse(default)


def _qr_svg(testo: str) -> str:
    img = qrcode.make(testo, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = img.to_string(encoding="unicode")
    return svg[svg.index("<svg") :]  # drop the XML declaration: inlined in HTML


@login_required
def otp_attiva(request):
    if not request.user.is_staff:
        messages.info(request, "La verifica in due passaggi è riservata al personale.")
        return redirect("home")
    if user_has_device(request.user):
        return render(
            request, "utenti/otp_attiva.html", {"attivo": True, "obbligatorio": settings.OTP_OBBLIGATORIO}
        )
    dispositivo = services.prepara_otp(utente=request.user)
    form = CodiceOtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.conferma_otp(
            utente=request.user, dispositivo=dispositivo, codice=form.cleaned_data["codice"]
        ):
            otp_login(request, dispositivo)
            messages.success(request, "Verifica in due passaggi attivata.")
            return redirect(_prossima(request))
        form.add_error("codice", "Codice non valido o scaduto: riprovare con il codice attuale.")
    return render(
        request,
        "utenti/otp_attiva.html",
        {
            "attivo": False,
            "form": form,
            "qr": _qr_svg(dispositivo.config_url),
            "segreto": b32encode(dispositivo.bin_key).decode(),
            "next": request.GET.get("next", ""),
        },
    )


@login_required
def otp_verifica(request):
    if not user_has_device(request.user):
        suffisso = "?" + urlencode({"next": request.GET["next"]}) if "next" in request.GET else ""
        return redirect(reverse("utenti:otp_attiva") + suffisso)
    form = CodiceOtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        dispositivo = match_token(request.user, form.cleaned_data["codice"])
        if dispositivo is not None:
            otp_login(request, dispositivo)
            return redirect(_prossima(request))
        form.add_error("codice", "Codice non valido o scaduto.")
    return render(request, "utenti/otp_verifica.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
@require_POST
def otp_disattiva(request):
    try:
        services.disattiva_otp(utente=request.user, attore=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("utenti:otp_attiva")
    messages.success(request, "Verifica in due passaggi disattivata.")
    return redirect("home")
