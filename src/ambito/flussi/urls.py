from django.urls import path

from . import views

app_name = "flussi"
urlpatterns = [
    path("", views.elenco, name="elenco"),
    path("qualita/", views.qualita, name="qualita"),
]
