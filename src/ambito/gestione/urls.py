from django.urls import path

from . import views, views_input

app_name = "gestione"
urlpatterns = [
    path("riparto/", views.riparto, name="riparto"),
    path("riparto/importa/", views.importa, name="importa"),
    path("riparto/confronta/", views.confronta, name="confronta"),
    path("riparto/<int:pk>/", views.versione, name="versione"),
    path("riparto/<int:pk>/approva/", views.approva, name="approva"),
    path("riparto/<int:pk>/dati/", views_input.dati, name="dati"),
    path("riparto/<int:pk>/dati/modifica/", views_input.modifica, name="modifica_dati"),
    path("riparto/<int:pk>/duplica/", views_input.duplica, name="duplica"),
    path("riparto/<int:pk>/cartella.xlsx", views_input.scarica, name="scarica_cartella"),
    path("riparto/<int:pk>/comuni/<int:comune_id>/", views.bolletta, name="bolletta"),
    path(
        "riparto/<int:pk>/comuni/<int:comune_id>/<str:codice>/",
        views.spiegazione,
        name="spiegazione",
    ),
]
