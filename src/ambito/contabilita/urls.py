from django.urls import path

from . import views

app_name = "contabilita"
urlpatterns = [
    path("", views.indice, name="indice"),
]
