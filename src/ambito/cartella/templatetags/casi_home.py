"""The casi area's pieces of the home page: the deadline badge and, for coordinators, the
unseen "break the glass" accesses on their services. `{% load casi_home %}{% riquadri_casi %}`."""

from django import template

from ambito.utenti.selectors import visibilita_di

from ..selectors import casi as sel

register = template.Library()


@register.inclusion_tag("cartella/casi/_home.html", takes_context=True)
def riquadri_casi(context):
    request = context.get("request")
    utente = getattr(request, "user", None)
    if request is None or not getattr(utente, "is_authenticated", False) or utente.ambito_id is None:
        return {"mostra": False}
    vis = visibilita_di(request)
    if not utente.has_perm("cartella.view_caso"):
        return {"mostra": False}
    return {
        "mostra": True,
        "conteggio": sel.conteggio_scadenze(vis, utente),
        "straordinari": list(sel.straordinari_da_vedere(vis)[:20]) if vis.is_coordinatore else [],
        "coordina": vis.is_coordinatore,
        "csrf_token": context.get("csrf_token"),
        "percorso": request.get_full_path(),
    }
