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

# the riparto's output tables (pages and XLSX/CSV exports)
from . import views_prospetti as vp  # noqa: E402

urlpatterns += [
    path("riparto/<int:pk>/allegato-7/", vp.allegato7, name="allegato7"),
    path("riparto/<int:pk>/allegato-7/<str:formato>/", vp.allegato7, name="allegato7_esporta"),
    path("riparto/<int:pk>/prospetto-comuni/", vp.comuni, name="prospetto_comuni"),
    path("riparto/<int:pk>/prospetto-comuni/<str:formato>/", vp.comuni, name="prospetto_comuni_esporta"),
    path("riparto/<int:pk>/risultato-servizi/", vp.pareggio, name="pareggio"),
    path("riparto/<int:pk>/risultato-servizi/<str:formato>/", vp.pareggio, name="pareggio_esporta"),
    path("riparto/<int:pk>/indicatori/", vp.indicatori, name="indicatori"),
    path("riparto/<int:pk>/indicatori/<str:formato>/", vp.indicatori, name="indicatori_esporta"),
    path(
        "riparto/<int:pk>/comuni/<int:comune_id>/esporta/<str:formato>/",
        vp.bolletta_esporta,
        name="bolletta_esporta",
    ),
]
