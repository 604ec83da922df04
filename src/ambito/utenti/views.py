from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render


@login_required
def home(request):
    return render(request, "utenti/home.html", {})


@permission_required("core.view_accessodati")
def registro_accessi(request):
    return render(request, "utenti/home.html", {})
