from django.urls import path

from . import views

app_name = "utenti"
urlpatterns = [
    path("registro-accessi/", views.registro_accessi, name="registro_accessi"),
]
