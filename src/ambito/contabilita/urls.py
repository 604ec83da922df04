from django.urls import path

from . import views

app_name = "contabilita"
urlpatterns = [
    path("", views.indice, name="indice"),
    path("importa/", views.importa, name="importa"),
    path("centri/importa/", views.importa_centri, name="importa_centri"),
    path("piano-conti/importa/", views.importa_piano, name="importa_piano"),
    path("confronta/", views.confronta, name="confronta"),
    path("<int:pk>/", views.importazione, name="importazione"),
    path("<int:pk>/applica/", views.applica, name="applica"),
]
