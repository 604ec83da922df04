from django.urls import path

from . import views

app_name = "utenti"
urlpatterns = [
    path("team/", views.team_elenco, name="team"),
    path("team/<int:pk>/", views.team_dettaglio, name="team_dettaglio"),
    path("registro-accessi/", views.registro_accessi, name="registro_accessi"),
    path("registro-accessi/csv/", views.registro_accessi_csv, name="registro_accessi_csv"),
    path("registro-audit/", views.registro_audit, name="registro_audit"),
    path("registro-audit/<int:pk>/", views.evento_audit, name="evento_audit"),
    path("2fa/", views.otp_attiva, name="otp_attiva"),
    path("2fa/verifica/", views.otp_verifica, name="otp_verifica"),
    path("2fa/disattiva/", views.otp_disattiva, name="otp_disattiva"),
]
