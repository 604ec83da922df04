from django.contrib import admin
from django.urls import include, path

from ambito.api import api
from ambito.utenti.views import home

urlpatterns = [
    path("", home, name="home"),
    path("", include("ambito.core.urls")),
    path("", include("ambito.utenti.urls")),
    path("territorio/", include("ambito.territorio.urls")),
    path("catalogo/", include("ambito.catalogo.urls")),
    path("cartella/", include("ambito.cartella.urls")),
    path("gestione/", include("ambito.gestione.urls")),
    path("contabilita/", include("ambito.contabilita.urls")),
    path("flussi/", include("ambito.flussi.urls")),
    path("fondi/", include("ambito.fondi.urls")),
    path("relazioni/", include("ambito.relazioni.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("waas/v1/", include("ambito.flussi.waas_urls")),
]
