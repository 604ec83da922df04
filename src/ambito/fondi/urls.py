from django.urls import path

from . import views

app_name = "fondi"
urlpatterns = [
    path("", views.elenco, name="elenco"),
    path("nuovo/", views.nuovo_fondo, name="nuovo"),
    path("<int:pk>/", views.fondo, name="fondo"),
    path("<int:pk>/assegnazioni/nuova/", views.nuova_assegnazione, name="nuova_assegnazione"),
    path("<int:pk>/accantonamenti/nuovo/", views.nuovo_accantonamento, name="nuovo_accantonamento"),
    path("accantonamenti/<int:pk>/utilizzo/", views.utilizza_accantonamento, name="utilizza_accantonamento"),
    path("<int:pk>/destinazioni/nuova/", views.nuova_destinazione, name="nuova_destinazione"),
    path("<int:pk>/movimenti/nuovo/", views.nuovo_movimento, name="nuovo_movimento"),
    path("movimenti/<int:pk>/annulla/", views.annulla_movimento, name="annulla_movimento"),
]
