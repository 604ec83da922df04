"""Thin views of advances and balance: the page per esercizio, the XLSX export, issuing,
the plan of tranches and credit notes.

Amministrazione (gestione.add_addebito) issues and cancels; whole-Ambito readers see the table;
a Comune operator sees only its own row and documents; anyone else gets a 404.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import acconti as a
from . import selectors_acconti as sel
from . import services_acconti as srv
from .forms_acconti import RateFormSet, StornaForm
from .models import Addebito
from .views import _comune_limitato

PERMESSO = "gestione.view_addebito"
EMETTE = "gestione.add_addebito"
PIANO = "gestione.change_pianoacconti"
COLONNE_VERSIONI = [
    ("preventivo", "Preventivo"),
    ("assestamento", "Assestamento"),
    ("preconsuntivo", "Preconsuntivo"),
    ("consuntivo", "Consuntivo"),
]


def _prospetto(request, anno: int):
    limite = _comune_limitato(request)
    p = sel.acconti(request.user.ambito, anno, comune_id=limite)
    if p is None:
        raise Http404("Esercizio inesistente.")
    return p, limite


def _messaggi(request, exc: ValidationError) -> None:
    for m in exc.messages:
        messages.error(request, m)


@login_required
@permission_required(PERMESSO, raise_exception=True)
def indice(request):
    _comune_limitato(request)
    anni = sel.anni(request.user.ambito)
    if not anni:
        raise Http404("Nessun esercizio.")
    oggi = timezone.localdate().year
    return redirect("gestione:acconti", oggi if oggi in anni else anni[0])


@login_required
@permission_required(PERMESSO, raise_exception=True)
def acconti(request, anno: int):
    return _pagina(request, anno)


def _pagina(request, anno: int, formset=None):
    p, limite = _prospetto(request, anno)
    gestisce = limite is None and request.user.has_perm(EMETTE)
    modifica_piano = limite is None and p.piano_modificabile and request.user.has_perm(PIANO)
    if modifica_piano and formset is None:
        formset = RateFormSet(
            initial=[
                {
                    "nome": r.rata.nome,
                    "scadenza": r.rata.scadenza,
                    "percentuale": r.rata.percentuale,
                    "base": r.rata.base,
                }
                for r in p.rate
            ]
        )
    contesto = {
        "p": p,
        "anno": anno,
        "anni": sel.anni(request.user.ambito),
        "limitato": limite is not None,
        "colonne": COLONNE_VERSIONI,
        "righe": [(r, [getattr(r, t) for t, _ in COLONNE_VERSIONI]) for r in p.righe],
        "gestisce": gestisce,
        "formset": formset if modifica_piano else None,
        "storna_form": StornaForm() if gestisce else None,
    }
    stato = 400 if formset is not None and formset.is_bound else 200
    return render(request, "gestione/acconti.html", contesto, status=stato)


@login_required
@permission_required(EMETTE, raise_exception=True)
@require_POST
def emetti(request, anno: int):
    if _comune_limitato(request) is not None:
        raise Http404("Non consentito.")
    es = sel.esercizio(request.user.ambito, anno)
    if es is None:
        raise Http404("Esercizio inesistente.")
    cosa = request.POST.get("rata", "")
    try:
        if cosa == "saldo":
            esito = srv.emetti_saldo(esercizio=es, attore=request.user)
        elif cosa.isdigit():
            esito = srv.emetti_acconto(esercizio=es, rata=int(cosa), attore=request.user)
        else:
            raise ValidationError("Indicare la rata da emettere.")
    except ValidationError as exc:
        _messaggi(request, exc)
    else:
        (messages.success if esito.emessi else messages.info)(request, esito.messaggio)
    return redirect("gestione:acconti", anno)


@login_required
@permission_required(PIANO, raise_exception=True)
@require_POST
def piano(request, anno: int):
    if _comune_limitato(request) is not None:
        raise Http404("Non consentito.")
    es = sel.esercizio(request.user.ambito, anno)
    if es is None:
        raise Http404("Esercizio inesistente.")
    formset = RateFormSet(request.POST)
    if formset.is_valid():
        rate = [f.cleaned_data for f in formset.forms if (f.cleaned_data.get("nome") or "").strip()]
        try:
            srv.imposta_piano(esercizio=es, rate=rate, attore=request.user)
        except ValidationError as exc:
            formset._non_form_errors = formset.error_class([*formset.non_form_errors(), *exc.messages])
        else:
            messages.success(request, f"Piano degli acconti {anno} salvato.")
            return redirect("gestione:acconti", anno)
    return _pagina(request, anno, formset=formset)


@login_required
@permission_required(EMETTE, raise_exception=True)
@require_POST
def storna(request, pk: int):
    if _comune_limitato(request) is not None:
        raise Http404("Non consentito.")
    doc = Addebito.objects.per_ambito(request.user.ambito).select_related("esercizio").filter(pk=pk).first()
    if doc is None:
        raise Http404("Documento inesistente.")
    form = StornaForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indicare il motivo dello storno.")
    else:
        try:
            esito = srv.storna(addebito=doc, motivo=form.cleaned_data["motivo"], attore=request.user)
        except ValidationError as exc:
            _messaggi(request, exc)
        else:
            (messages.success if esito.emessi else messages.info)(request, esito.messaggio)
    return redirect("gestione:acconti", doc.esercizio.anno)


# --- XLSX export --------------------------------------------------------------------------------


def xlsx(p: sel.Acconti) -> bytes:
    """The table as a formatted workbook: bold header, amounts `#,##0.00`, totals row in bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = f"Acconti {p.esercizio.anno}"
    intest = (
        ["Comune"]
        + [n for _t, n in COLONNE_VERSIONI]
        + [f"{r.rata.nome} ({a.percento(r.rata.percentuale)})" for r in p.rate]
        + [
            "Acconti fatturati",
            "Saldo fatturato",
            "Totale fatturato",
            "Saldo (consuntivo − acconti)",
            "Da fatturare",
        ]
    )
    ws.append(intest)
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in p.righe:
        ws.append(
            [r.comune.nome if r.comune else "Totale"]
            + [getattr(r, t) for t, _n in COLONNE_VERSIONI]
            + list(r.acconti)
            + [r.acconti_totale, r.saldo_fatturato, r.fatturato, r.saldo, r.da_fatturare]
        )
    for riga in ws.iter_rows(min_row=2, min_col=2):
        for c in riga:
            c.number_format = "#,##0.00"
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    ws.column_dimensions["A"].width = 28
    for i in range(2, len(intest) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 18
    ws.freeze_panes = "B2"
    bozze = sorted(p.totale.bozze)
    if bozze:
        ws.append([])
        ws.append([f"Da versioni in bozza (non approvate): {', '.join(bozze)}."])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@login_required
@permission_required(PERMESSO, raise_exception=True)
def esporta(request, anno: int):
    p, _limite = _prospetto(request, anno)
    r = HttpResponse(
        xlsx(p), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    r["Content-Disposition"] = f'attachment; filename="acconti-{anno}.xlsx"'
    return r
