"""Thin views of the riparto's output tables: a page each, and the same tables as XLSX or CSV.

The whole-Ambito tables are a 404 for a Comune operator, who can download only its own
Comune's bill (the same rule as the riparto's pages, see `views._comune_limitato`).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from . import esporta, prospetti
from .views import PERMESSO, _comune, _comune_limitato, _versione

FORMATI = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _intera(request, pk: int):
    """The version, for whole-Ambito readers only."""
    if _comune_limitato(request) is not None:
        raise Http404("Prospetto non visibile.")
    return _versione(request, pk)


def _scarica(request, v, nome: str, fogli_e_note, formato: str) -> HttpResponse:
    """The sheets as one XLSX, or one of them (?foglio=N, default the first) as CSV."""
    if formato not in FORMATI:
        raise Http404("Formato non disponibile.")
    fogli, note = fogli_e_note
    base = f"{slugify(nome)}-{v.esercizio.anno}-{slugify(v.nome)}"
    if formato == "xlsx":
        contenuto = esporta.xlsx(fogli, note)
    else:
        indice = request.GET.get("foglio", "0")
        if not indice.isdigit() or int(indice) >= len(fogli):
            raise Http404("Tabella inesistente.")
        foglio = fogli[int(indice)]
        contenuto = esporta.csv_(foglio)
        if int(indice):
            base += "-" + slugify(foglio.titolo)
    r = HttpResponse(contenuto, content_type=FORMATI[formato])
    r["Content-Disposition"] = f'attachment; filename="{base}.{formato}"'
    return r


@login_required
@permission_required(PERMESSO, raise_exception=True)
def allegato7(request, pk: int, formato: str = ""):
    v = _intera(request, pk)
    a = prospetti.allegato7(v)
    if formato:
        return _scarica(request, v, "allegato-7", esporta.fogli_allegato7(a), formato)
    righe = [(r, list(zip(a.codici_fondi, r.fondi, strict=True))) for r in a.righe]
    return render(request, "gestione/prospetto_allegato7.html", {"v": v, "a": a, "righe": righe})


@login_required
@permission_required(PERMESSO, raise_exception=True)
def comuni(request, pk: int, formato: str = ""):
    v = _intera(request, pk)
    p = prospetti.comuni(v)
    if formato:
        return _scarica(request, v, "riparto-comuni", esporta.fogli_comuni(p), formato)
    return render(request, "gestione/prospetto_comuni.html", {"v": v, "p": p})


@login_required
@permission_required(PERMESSO, raise_exception=True)
def pareggio(request, pk: int, formato: str = ""):
    v = _intera(request, pk)
    p = prospetti.pareggio(v)
    if formato:
        return _scarica(request, v, "risultato-servizi", esporta.fogli_pareggio(p), formato)
    return render(request, "gestione/prospetto_pareggio.html", {"v": v, "p": p})


@login_required
@permission_required(PERMESSO, raise_exception=True)
def indicatori(request, pk: int, formato: str = ""):
    v = _intera(request, pk)
    k = prospetti.indicatori(v)
    if formato:
        return _scarica(request, v, "indicatori", esporta.fogli_indicatori(k), formato)
    return render(request, "gestione/prospetto_indicatori.html", {"v": v, "k": k})


@login_required
@permission_required(PERMESSO, raise_exception=True)
def bolletta_esporta(request, pk: int, comune_id: int, formato: str):
    """A Comune's bill as XLSX or CSV: its own only, for a Comune operator."""
    v = _versione(request, pk)
    comune, _limite = _comune(request, v, comune_id)
    b = prospetti.bolletta_comune(v, comune)
    return _scarica(request, v, f"riparto-{comune.nome}", esporta.fogli_bolletta(b), formato)
