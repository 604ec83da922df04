from django.urls import path

from . import views

app_name = "catalogo"
urlpatterns = [
    path("", views.servizi, name="servizi"),
    path("contratti/", views.matrice, name="matrice"),
]
