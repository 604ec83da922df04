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


def _righe_allegato7(a) -> dict:
    """Each Allegato 7 row with its (fund code, amount) pairs, as the template walks them."""
    return {"righe": [(r, list(zip(a.codici_fondi, r.fondi, strict=True))) for r in a.righe]}


def _prospetto(calcola, nome: str, fogli, pagina: str, chiave: str, extra=None):
    """The view of one whole-Ambito table: its page, or (with `formato`) its sheets as XLSX or CSV.

    The four tables differ only in what they compute, the file name, the sheets and the template,
    so one view serves them all.
    """

    @login_required
    @permission_required(PERMESSO, raise_exception=True)
    def vista(request, pk: int, formato: str = ""):
        v = _intera(request, pk)
        dati = calcola(v)
        if formato:
            return _scarica(request, v, nome, fogli(dati), formato)
        return render(request, pagina, {"v": v, chiave: dati, **(extra(dati) if extra else {})})

    return vista


allegato7 = _prospetto(
    prospetti.allegato7,
    "allegato-7",
    esporta.fogli_allegato7,
    "gestione/prospetto_allegato7.html",
    "a",
    extra=_righe_allegato7,
)
comuni = _prospetto(
    prospetti.comuni, "riparto-comuni", esporta.fogli_comuni, "gestione/prospetto_comuni.html", "p"
)
pareggio = _prospetto(
    prospetti.pareggio, "risultato-servizi", esporta.fogli_pareggio, "gestione/prospetto_pareggio.html", "p"
)
indicatori = _prospetto(
    prospetti.indicatori, "indicatori", esporta.fogli_indicatori, "gestione/prospetto_indicatori.html", "k"
)


@login_required
@permission_required(PERMESSO, raise_exception=True)
def bolletta_esporta(request, pk: int, comune_id: int, formato: str):
    """A Comune's bill as XLSX or CSV: its own only, for a Comune operator."""
    v = _versione(request, pk)
    comune, _limite = _comune(request, v, comune_id)
    b = prospetti.bolletta_comune(v, comune)
    return _scarica(request, v, f"riparto-{comune.nome}", esporta.fogli_bolletta(b), formato)
