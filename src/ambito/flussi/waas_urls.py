"""The WaaS API's URLs, mounted at `/waas/v1/` (the spec's server URL)."""

from django.urls import path

from . import waas

app_name = "waas"
urlpatterns = [
    path("status", waas.status, name="status"),
    path("flussi", waas.flussi, name="flussi"),
    path("esiti", waas.esiti, name="esiti"),
]
