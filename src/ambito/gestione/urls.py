from django.urls import path

from . import views

app_name = "gestione"
urlpatterns = [
    path("riparto/", views.riparto, name="riparto"),
    path("riparto/importa/", views.importa, name="importa"),
    path("riparto/confronta/", views.confronta, name="confronta"),
    path("riparto/<int:pk>/", views.versione, name="versione"),
    path("riparto/<int:pk>/approva/", views.approva, name="approva"),
    path("riparto/<int:pk>/comuni/<int:comune_id>/", views.bolletta, name="bolletta"),
    path(
        "riparto/<int:pk>/comuni/<int:comune_id>/<str:codice>/",
        views.spiegazione,
        name="spiegazione",
    ),
]

# Consumption from the case record (issue 4): preview and apply.
from . import views_consumi  # noqa: E402

urlpatterns += [
    path("riparto/<int:pk>/consumi/", views_consumi.consumi, name="consumi"),
    path("riparto/<int:pk>/consumi/applica/", views_consumi.applica, name="applica_consumi"),
]
