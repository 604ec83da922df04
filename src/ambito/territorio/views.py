"""Territory pages: the Comuni of the user's Ambito with membership, population and indices."""

import datetime as dt

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils import timezone

from ambito.core.formats import numero_it

from . import engine, selectors


def _permesso(view):
    # Anonymous users go to the login page; logged-in users without the permission get 403.
    return login_required(permission_required("territorio.view_ente", raise_exception=True)(view))


def _data_scelta(request, rilevazioni):
    """The reference date asked for (?data=AAAA-MM-GG) if loaded, else the newest one."""
    richiesta = request.GET.get("data", "")
    for r in rilevazioni:
        if r.data_riferimento.isoformat() == richiesta:
            return r
    return rilevazioni[0] if rilevazioni else None


def _indici_formattati(indici: engine.Indici) -> list[str]:
    return [numero_it(v) for v in indici.come_dict().values()]


def _contesto_tabella(ambito, rilevazione) -> dict:
    if rilevazione is not None:
        data = rilevazione.data_riferimento
        anno = data.year
    else:
        anni = selectors.anni_adesione(ambito)
        data = timezone.localdate()
        anno = anni[0] if anni else data.year
    adesioni = selectors.adesioni_anno(ambito, anno)
    risultato = selectors.indici_alla_data(ambito, data) if rilevazione else None
    per_codice = {}
    if risultato and risultato.tabella:
        per_codice = {r.chiave: r for r in risultato.tabella.comuni}
    nel_totale = set(risultato.comuni_nel_totale) if risultato else set()
    righe = []
    for comune in selectors.comuni_con_popolazione(ambito, data):
        riga_indici = per_codice.get(comune.codice_istat)
        righe.append(
            {
                "comune": comune,
                "adesione": adesioni.get(comune.pk),
                "popolazione": numero_it(comune.popolazione, 0) if comune.popolazione is not None else "",
                "indici": _indici_formattati(riga_indici.indici)
                if riga_indici
                else [""] * len(engine.NOMI_INDICI),
                "nel_totale": comune.codice_istat in nel_totale,
            }
        )
    riepilogo = []
    if risultato and risultato.tabella:
        t = risultato.tabella
        riepilogo = [
            {
                "chiave": "AMBITO",
                "etichetta": "Ambito (ponderato sulla popolazione)",
                "popolazione": numero_it(t.ambito.popolazione, 0),
                "indici": _indici_formattati(t.ambito.indici),
            },
            {
                "chiave": "MEDIA_COMUNI",
                "etichetta": "Media semplice dei Comuni, come nel Piano di Zona",
                "popolazione": "",
                "indici": _indici_formattati(t.media_comuni.indici),
            },
        ]
    return {
        "rilevazione": rilevazione,
        "anno_adesioni": anno,
        "righe": righe,
        "riepilogo": riepilogo,
        "risultato": risultato,
        "esclusi_dal_totale": any(not r["nel_totale"] and r["popolazione"] for r in righe),
    }


@_permesso
def comuni(request):
    ambito = request.user.ambito
    rilevazioni = selectors.rilevazioni(ambito)
    rilevazione = _data_scelta(request, rilevazioni)
    contesto = {"rilevazioni": rilevazioni, **_contesto_tabella(ambito, rilevazione)}
    if request.headers.get("HX-Request"):
        return render(request, "territorio/_tabella_comuni.html", contesto)
    return render(request, "territorio/comuni.html", contesto)


def _piramide(conteggi: engine.Conteggi | None) -> dict | None:
    if conteggi is None:
        return None
    fasce = list(reversed(conteggi.fasce_quinquennali()))  # oldest at the top
    return {
        "etichette": [f[0] for f in fasce],
        "maschi": [-f[1] for f in fasce],  # drawn to the left
        "femmine": [f[2] for f in fasce],
    }


@_permesso
def comune(request, pk: int):
    ambito = request.user.ambito
    ente = selectors.comune_per_utente(request.user, pk)
    rilevazioni = selectors.rilevazioni(ambito)
    rilevazione = _data_scelta(request, rilevazioni)
    conteggi = selectors.conteggi_comune(rilevazione, ente) if rilevazione else None
    indici = []
    if conteggi is not None:
        risultato = selectors.indici_alla_data(ambito, rilevazione.data_riferimento)
        riga = next(r for r in risultato.tabella.comuni if r.chiave == ente.codice_istat)
        etichette = [
            "Indice di vecchiaia",
            "Indice di dipendenza strutturale",
            "Indice di ricambio della popolazione attiva",
            "Indice di struttura della popolazione attiva",
            "Carico di figli per donna feconda",
            "Indice di natalità (‰)",
            "Indice di mortalità (‰)",
        ]
        indici = list(zip(etichette, _indici_formattati(riga.indici), strict=True))
    else:
        risultato = None
    return render(
        request,
        "territorio/comune.html",
        {
            "comune": ente,
            "rilevazioni": rilevazioni,
            "rilevazione": rilevazione,
            "adesioni": selectors.adesioni_comune(ente),
            "conteggi": conteggi,
            "totali": {
                "maschi": numero_it(conteggi.totale_maschi, 0),
                "femmine": numero_it(conteggi.totale_femmine, 0),
                "totale": numero_it(conteggi.totale, 0),
            }
            if conteggi
            else None,
            "indici": indici,
            "risultato": risultato,
            "piramide": _piramide(conteggi),
            "valido_oggi": ente.valido_il(dt.date.today()),
        },
    )
