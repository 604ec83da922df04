from django.urls import path

from . import views, views_acconti, views_consumi, views_input
from . import views_prospetti as vp

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
    # consumption from the case record: preview and apply
    path("riparto/<int:pk>/consumi/", views_consumi.consumi, name="consumi"),
    path("riparto/<int:pk>/consumi/applica/", views_consumi.applica, name="applica_consumi"),
    # advances and balance
    path("acconti/", views_acconti.indice, name="acconti_indice"),
    path("acconti/<int:anno>/", views_acconti.acconti, name="acconti"),
    path("acconti/<int:anno>/xlsx/", views_acconti.esporta, name="acconti_xlsx"),
    path("acconti/<int:anno>/emetti/", views_acconti.emetti, name="acconti_emetti"),
    path("acconti/<int:anno>/piano/", views_acconti.piano, name="acconti_piano"),
    path("acconti/documenti/<int:pk>/storna/", views_acconti.storna, name="acconti_storna"),
]

# the riparto's output tables (pages and XLSX/CSV exports)

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
