from django.urls import path

from . import views

app_name = "flussi"
urlpatterns = [
    path("", views.elenco, name="elenco"),
    path("qualita/", views.qualita, name="qualita"),
]

# ISTAT survey and SIOSS aggregates (issue 5).
from . import views_istat  # noqa: E402

urlpatterns += [
    path("istat/", views_istat.indagine, name="istat"),
    path("istat/xlsx/", views_istat.indagine_xlsx, name="istat_xlsx"),
]
