from django.urls import path

from . import views

app_name = "catalogo"
urlpatterns = [
    path("", views.servizi, name="servizi"),
    path("servizi/<int:pk>/", views.servizio, name="servizio"),
    path("contratti/", views.matrice, name="matrice"),
    path("codici/", views.codici, name="codici"),
]
