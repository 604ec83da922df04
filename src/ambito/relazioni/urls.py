from django.urls import path

from . import views

app_name = "relazioni"
urlpatterns = [
    path("", views.indice, name="indice"),
    path("<int:anno>/comuni/<int:comune_pk>.pdf", views.comune_pdf, name="comune_pdf"),
    path("<int:anno>/comuni/<int:comune_pk>.xlsx", views.comune_xlsx, name="comune_xlsx"),
    path("<int:anno>/comuni.zip", views.comuni_zip, name="comuni_zip"),
    path("<int:anno>/relazione-gestione.pdf", views.gestione_pdf, name="gestione_pdf"),
    path("fatti-di-rilievo/", views.eventi, name="eventi"),
    path("fatti-di-rilievo/<int:pk>/elimina/", views.elimina_evento, name="elimina_evento"),
]
