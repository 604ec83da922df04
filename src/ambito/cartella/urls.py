from .views import casi, diario, erogazioni, persone, progetti

app_name = "cartella"
urlpatterns = [
    *persone.urlpatterns,
    *casi.urlpatterns,
    *progetti.urlpatterns,
    *erogazioni.urlpatterns,
    *diario.urlpatterns,
]
