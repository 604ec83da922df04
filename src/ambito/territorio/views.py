from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def comuni(request):
    return render(request, "territorio/comuni.html", {})
