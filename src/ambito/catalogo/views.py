from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def servizi(request):
    return render(request, "catalogo/servizi.html", {})


@login_required
def matrice(request):
    return render(request, "catalogo/servizi.html", {})
