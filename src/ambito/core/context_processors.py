from . import menu


def ambito(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"ambito_corrente": None, "menu_principale": [], "ruolo_corrente": ""}
    gruppi = [g.name for g in user.groups.all()]
    return {
        "ambito_corrente": user.ambito,
        "menu_principale": menu.voci_per(user, request.path),
        "ruolo_corrente": ", ".join(gruppi),
    }
