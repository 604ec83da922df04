"""Pages of the case record: casi. Thin: parse, call a service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ambito.core.moduli import errori_su_form
from ambito.core.services import registra_accesso
from ambito.utenti.selectors import visibilita_di

from ..models import Caso, OperatoreCaso
from ..selectors import casi as sel
from ..selectors import diario as sel_diario
from ..selectors import erogazioni as sel_erogazioni
from ..selectors import progetti as sel_progetti
from ..selectors.visibilita import persone_visibili, riservatezze_leggibili
from ..services import casi as srv
from . import casi_forms as F


def _permesso(perm):
    def decoratore(view):
        return login_required(permission_required(perm, raise_exception=True)(view))

    return decoratore


def _url(nome: str, *args) -> str:
    try:
        return reverse(nome, args=args)
    except NoReverseMatch:
        return ""


def _vis(request):
    if request.user.ambito_id is None:
        raise PermissionDenied("Questa pagina richiede un utente di un Ambito.")
    return visibilita_di(request)


def _token_controllato(request, form_dati) -> tuple[bool, str]:
    """(ok, redirect) for a POST: a token already used redirects where the first submission went."""
    token = form_dati.get("token_modulo", "")
    valido, esito = F.stato_token(request, token)
    if valido:
        return True, ""
    messages.warning(request, "Il modulo era già stato inviato: non è stato registrato una seconda volta.")
    return False, esito if esito and esito != "-" else ""


def _persona_visibile(vis, pk, utente):
    persona = persone_visibili(vis).filter(pk=pk).first() if pk else None
    if pk and persona is None:
        registra_accesso(
            utente=utente,
            oggetto_tipo="cartella.Persona",
            oggetto_id=pk,
            descrizione=f"Tentativo di apertura della persona {pk} fuori dal proprio ambito di visibilità",
            esito="negato",
        )
        raise Http404("Persona non trovata.")
    return persona


def _int(valore):
    try:
        return int(valore)
    except (TypeError, ValueError):
        return None


# --- the case page -------------------------------------------------------------------------------


@login_required
def caso(request, pk):
    vis = _vis(request)
    c = sel.apri_caso_per(vis, pk, request.user)
    livelli = riservatezze_leggibili(vis, c)
    operatori = list(sel.operatori_del_caso(c, tutti=True))
    oggi = timezone.localdate()
    puo_modificare = request.user.has_perm("cartella.change_caso") and not c.aperto_in_straordinario
    contesto = {
        "caso": c,
        "persona": c.persona,
        "eta": _eta(c.persona.data_nascita, oggi),
        "stato": sel.stato_caso(c),
        "operatori_attivi": [o for o in operatori if o.al is None or o.al >= oggi],
        "operatori_passati": [o for o in operatori if o.al is not None and o.al < oggi],
        "cronologia": list(reversed(sel.timeline(vis, c, livelli=livelli))),
        "storia": sel.storia_audit(vis, c, livelli=livelli),
        "puo_modificare": puo_modificare,
        "vede_audit": request.user.has_perm("core.view_eventoaudit"),
        "oggi": oggi,
    }
    # Each area's section: its dict (keys prefixed with the area's name) merged in.
    for area in (sel_progetti, sel_erogazioni, sel_diario):
        contesto.update(area.sezione_caso(vis, c))
    if puo_modificare:
        token = F.nuovo_token(request)
        iniziali = {"revisione": c.revisione, "token_modulo": token, "data": oggi}
        contesto["form_chiusura"] = (
            F.ChiusuraForm(initial=iniziali, auto_id="chiusura_%s") if not c.chiuso_il else None
        )
        contesto["form_riapertura"] = (
            F.RiaperturaForm(initial=iniziali, auto_id="riapertura_%s") if c.chiuso_il else None
        )
        contesto["form_termina"] = F.TerminaOperatoreForm(
            initial={"revisione": c.revisione, "token_modulo": token, "al": oggi}, auto_id="termina_%s"
        )
    return render(request, "cartella/casi/caso.html", contesto)


def _eta(nascita: dt.date, oggi: dt.date) -> int:
    return oggi.year - nascita.year - ((oggi.month, oggi.day) < (nascita.month, nascita.day))


def _caso_modificabile(request, pk) -> Caso:
    """A case the user may open, for a write: the same 404 + log as the page."""
    vis = _vis(request)
    c = sel.apri_caso_per(vis, pk, request.user)
    if c.aperto_in_straordinario:
        raise PermissionDenied("Con un accesso straordinario il caso si consulta, non si modifica.")
    return c


def _esegui(request, form, azione, *, successo: str, target_url: str):
    """Run a service for a valid form with its one-time token; returns a redirect or None."""
    ok, altrove = _token_controllato(request, request.POST)
    if not ok:
        return redirect(altrove or target_url)
    if not form.is_valid():
        return None
    try:
        risultato_url = azione(form.cleaned_data) or target_url
    except ValidationError as e:
        errori_su_form(form, e)
        return None
    F.consuma_token(request, form.cleaned_data.get("token_modulo", ""), risultato_url)
    messages.success(request, successo)
    return redirect(risultato_url)


@_permesso("cartella.change_caso")
def caso_chiudi(request, pk):
    c = _caso_modificabile(request, pk)
    target = reverse("cartella:caso", args=[c.pk])
    form = F.ChiusuraForm(request.POST or None)
    if request.method == "POST":
        esito = _esegui(
            request,
            form,
            lambda d: (
                srv.chiudi_caso(
                    caso=c,
                    data=d["data"],
                    motivo=d["motivo"],
                    esito=d["esito"],
                    note=d["note"],
                    revisione_attesa=d["revisione"],
                    attore=request.user,
                )
                and None
            ),
            successo="Caso chiuso.",
            target_url=target,
        )
        if esito:
            return esito
    else:
        form = F.ChiusuraForm(
            initial={
                "revisione": c.revisione,
                "token_modulo": F.nuovo_token(request),
                "data": timezone.localdate(),
            }
        )
    return render(
        request, "cartella/casi/modulo.html", {"caso": c, "form": form, "titolo": "Chiusura del caso"}
    )


@_permesso("cartella.change_caso")
def caso_riapri(request, pk):
    c = _caso_modificabile(request, pk)
    target = reverse("cartella:caso", args=[c.pk])
    form = F.RiaperturaForm(request.POST or None)
    if request.method == "POST":
        esito = _esegui(
            request,
            form,
            lambda d: (
                srv.riapri_caso(
                    caso=c,
                    data=d["data"],
                    note=d["note"],
                    revisione_attesa=d["revisione"],
                    attore=request.user,
                )
                and None
            ),
            successo="Caso riaperto.",
            target_url=target,
        )
        if esito:
            return esito
    else:
        form = F.RiaperturaForm(
            initial={
                "revisione": c.revisione,
                "token_modulo": F.nuovo_token(request),
                "data": timezone.localdate(),
            }
        )
    return render(
        request, "cartella/casi/modulo.html", {"caso": c, "form": form, "titolo": "Riapertura del caso"}
    )


@_permesso("cartella.change_caso")
def caso_operatore_nuovo(request, pk):
    c = _caso_modificabile(request, pk)
    target = reverse("cartella:caso", args=[c.pk])
    form = F.OperatoreForm(request.POST or None, ambito_id=c.ambito_id)
    if request.method == "POST":
        esito = _esegui(
            request,
            form,
            lambda d: (
                srv.assegna_operatore(
                    caso=c,
                    utente=d["utente"],
                    ruolo=d["ruolo"],
                    referente=d["referente"],
                    dal=d["dal"],
                    revisione_attesa=d["revisione"],
                    attore=request.user,
                )
                and None
            ),
            successo="Operatore assegnato al caso.",
            target_url=target,
        )
        if esito:
            return esito
    else:
        form = F.OperatoreForm(
            initial={"revisione": c.revisione, "token_modulo": F.nuovo_token(request)}, ambito_id=c.ambito_id
        )
    return render(
        request, "cartella/casi/modulo.html", {"caso": c, "form": form, "titolo": "Nuovo operatore del caso"}
    )


@require_POST
@_permesso("cartella.change_caso")
def caso_operatore_termina(request, pk):
    vis = _vis(request)
    oc = OperatoreCaso.objects.filter(pk=pk, caso__in=sel.casi_visibili_senza_straordinari(vis)).first()
    if oc is None:
        # Through a break-the-glass access one reads, never edits the team.
        registra_accesso(
            utente=request.user,
            oggetto_tipo="cartella.OperatoreCaso",
            oggetto_id=pk,
            descrizione="Tentativo di modifica dell'équipe di un caso fuori ambito",
            esito="negato",
        )
        raise Http404("Operatore non trovato.")
    target = reverse("cartella:caso", args=[oc.caso_id])
    form = F.TerminaOperatoreForm(request.POST)
    esito = _esegui(
        request,
        form,
        lambda d: (
            srv.termina_operatore(
                operatore_caso=oc, al=d["al"], revisione_attesa=d["revisione"], attore=request.user
            )
            and None
        ),
        successo="Incarico dell'operatore terminato.",
        target_url=target,
    )
    if esito:
        return esito
    for errore in form.errors.values():
        messages.error(request, " ".join(errore))
    return redirect(target)


# --- opening a case and recording an access --------------------------------------------------------


@_permesso("cartella.add_caso")
def caso_nuovo(request):
    vis = _vis(request)
    dati = request.POST if request.method == "POST" else request.GET
    persona = _persona_visibile(vis, _int(dati.get("persona")), request.user)
    if persona is None:
        messages.info(request, "Cercare prima la persona, poi aprire la presa in carico dalla sua scheda.")
        return redirect(_url("cartella:ricerca") or "home")
    accesso = None
    if _int(dati.get("accesso")):
        accesso = sel.accessi_visibili(vis).filter(pk=_int(dati.get("accesso")), persona=persona).first()
    form = F.CasoForm(request.POST or None, ambito_id=vis.ambito_id)
    if request.method == "POST":

        def apri(d):
            nuovo = srv.apri_caso(
                persona=persona,
                servizio=d["servizio"],
                data_apertura=d["data_apertura"],
                comune_responsabile=d["comune_responsabile"],
                team=d["team"],
                minori=d["minori_bool"],
                motivo_apertura=d["motivo_apertura"],
                operatori=d["operatori"],
                accesso=accesso,
                attore=request.user,
            )
            return reverse("cartella:caso", args=[nuovo.pk])

        esito = _esegui(
            request,
            form,
            apri,
            successo="Presa in carico aperta.",
            target_url=_url("cartella:persona", persona.pk) or reverse("cartella:scadenze"),
        )
        if esito:
            return esito
    else:
        oggi = timezone.localdate()
        iniziali = {
            "token_modulo": F.nuovo_token(request),
            "data_apertura": oggi,
            "comune_responsabile": srv.comune_di_residenza(persona, oggi),
            "operatore_1": request.user.pk if (vis.is_operatore or vis.is_coordinatore) else None,
        }
        if accesso and accesso.servizio_destinazione_id:
            iniziali["servizio"] = accesso.servizio_destinazione_id
        form = F.CasoForm(initial=iniziali, ambito_id=vis.ambito_id)
    return render(
        request,
        "cartella/casi/caso_nuovo.html",
        {
            "form": form,
            "persona": persona,
            "accesso": accesso,
            "persona_url": _url("cartella:persona", persona.pk),
        },
    )


@_permesso("cartella.add_accesso")
def accesso_nuovo(request):
    vis = _vis(request)
    dati = request.POST if request.method == "POST" else request.GET
    persona = _persona_visibile(vis, _int(dati.get("persona")), request.user)
    if persona is None:
        messages.info(request, "Cercare prima la persona, poi registrare l'accesso dalla sua scheda.")
        return redirect(_url("cartella:ricerca") or "home")
    form = F.AccessoForm(request.POST or None, ambito_id=vis.ambito_id)
    if request.method == "POST":

        def registra(d):
            srv.registra_accesso_pua(
                ambito=request.user.ambito,
                persona=persona,
                data=d["data"],
                canale=d["canale"],
                comune=d["comune"],
                richiesta=d["richiesta"],
                esito_triage=d["esito_triage"],
                servizio_destinazione=d["servizio_destinazione"],
                comune_destinazione=d["comune_destinazione"],
                operatore=request.user,
                attore=request.user,
            )
            return reverse("cartella:accessi")

        esito = _esegui(
            request, form, registra, successo="Accesso registrato.", target_url=reverse("cartella:accessi")
        )
        if esito:
            return esito
    else:
        comune = srv.comune_di_residenza(persona, timezone.localdate())
        if vis.comune_id:
            comune = vis.comune_id
        form = F.AccessoForm(
            initial={"token_modulo": F.nuovo_token(request), "comune": comune}, ambito_id=vis.ambito_id
        )
    return render(
        request,
        "cartella/casi/accesso_nuovo.html",
        {"form": form, "persona": persona, "persona_url": _url("cartella:persona", persona.pk)},
    )


@_permesso("cartella.view_accesso")
def accessi(request):
    vis = _vis(request)
    anno = _int(request.GET.get("anno")) or timezone.localdate().year
    righe = sel.accessi_elenco(vis, anno=anno)
    pagina = Paginator(righe, 50).get_page(request.GET.get("pagina"))
    registra_accesso(
        utente=request.user,
        oggetto_tipo="cartella.Accesso",
        oggetto_id="elenco",
        descrizione=f"Elenco degli accessi {anno} (pagina {pagina.number})",
    )
    anni = list(range(timezone.localdate().year, timezone.localdate().year - 6, -1))
    return render(
        request,
        "cartella/casi/accessi.html",
        {
            "pagina": pagina,
            "anno": anno,
            "anni": anni,
            "statistiche": sel.statistiche_accessi(vis, anno),
            "puo_aprire": request.user.has_perm("cartella.add_caso"),
        },
    )


# --- break the glass -------------------------------------------------------------------------------


@login_required
def accesso_straordinario(request, pk):
    vis = _vis(request)
    c = (
        Caso.objects.filter(pk=pk, ambito_id=vis.ambito_id, annullato_il__isnull=True)
        .select_related("persona", "servizio")
        .first()
    )
    if c is None or not (vis.is_operatore or vis.is_coordinatore):
        registra_accesso(
            utente=request.user,
            oggetto_tipo="cartella.Caso",
            oggetto_id=pk,
            descrizione=f"Richiesta di accesso straordinario al caso {pk} non ammessa",
            esito="negato",
        )
        raise Http404("Caso non trovato.")
    if sel.casi_visibili_senza_straordinari(vis).filter(pk=c.pk).exists():
        return redirect("cartella:caso", pk=c.pk)
    form = F.StraordinarioForm(request.POST or None)
    target = reverse("cartella:caso", args=[c.pk])
    if request.method == "POST":

        def apri(d):
            srv.accesso_straordinario(caso=c, utente=request.user, motivo=d["motivo"], ore=d["ore"])
            return target

        esito = _esegui(
            request,
            form,
            apri,
            successo="Accesso straordinario registrato: è segnalato al coordinatore del servizio.",
            target_url=target,
        )
        if esito:
            return esito
    else:
        form = F.StraordinarioForm(initial={"token_modulo": F.nuovo_token(request)})
    return render(request, "cartella/casi/straordinario.html", {"caso": c, "form": form})


@require_POST
@login_required
def straordinario_visto(request, pk):
    vis = _vis(request)
    a = sel.straordinari_da_vedere(vis).filter(pk=pk).first()
    if a is None:
        raise Http404("Segnalazione non trovata.")
    try:
        srv.segna_straordinario_visto(accesso=a, attore=request.user)
    except ValidationError as e:
        messages.info(request, " ".join(e.messages))
    else:
        messages.success(request, "Accesso straordinario segnato come visto.")
    prossimo = request.POST.get("prossimo", "")
    return redirect(prossimo if prossimo.startswith("/") and not prossimo.startswith("//") else "home")


# --- deadlines and caseload -------------------------------------------------------------------------


@_permesso("cartella.view_caso")
def scadenze(request):
    vis = _vis(request)
    coordina = vis.is_coordinatore or vis.is_direzione
    form = F.FiltroScadenzeForm(request.GET or None)
    if coordina:
        form.fields["operatore"].queryset = sel.operatori_selezionabili(vis)
    else:
        del form.fields["operatore"]
    filtri = form.cleaned_data if form.is_valid() else {}
    entro = filtri.get("entro") or 60
    operatore = filtri.get("operatore") if coordina else None
    elenco = sel.scadenze(
        vis, request.user, entro_giorni=entro, operatore_id=operatore.pk if operatore else None
    )
    return render(
        request,
        "cartella/casi/scadenze.html",
        {
            "form": form,
            "elenco": elenco,
            "entro": entro,
            "coordina": coordina,
            "scadute": sum(1 for s in elenco if s.scaduta),
            "tipi": sel.TIPI_SCADENZA,
        },
    )


@_permesso("cartella.view_caso")
def carichi(request):
    vis = _vis(request)
    if not (vis.is_coordinatore or vis.is_direzione):
        raise PermissionDenied("I carichi di lavoro sono consultati dai coordinatori.")
    return render(request, "cartella/casi/carichi.html", {"carichi": sel.carichi(vis)})


urlpatterns = [
    path("casi/nuovo/", caso_nuovo, name="caso_nuovo"),
    path("casi/<int:pk>/", caso, name="caso"),
    path("casi/<int:pk>/chiudi/", caso_chiudi, name="caso_chiudi"),
    path("casi/<int:pk>/riapri/", caso_riapri, name="caso_riapri"),
    path("casi/<int:pk>/operatori/nuovo/", caso_operatore_nuovo, name="caso_operatore_nuovo"),
    path("casi/operatori/<int:pk>/termina/", caso_operatore_termina, name="caso_operatore_termina"),
    path("casi/<int:pk>/straordinario/", accesso_straordinario, name="accesso_straordinario"),
    path("straordinari/<int:pk>/visto/", straordinario_visto, name="straordinario_visto"),
    path("accessi/", accessi, name="accessi"),
    path("accessi/nuovo/", accesso_nuovo, name="accesso_nuovo"),
    path("scadenze/", scadenze, name="scadenze"),
    path("carichi/", carichi, name="carichi"),
]
