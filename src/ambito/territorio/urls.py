from django.urls import path

from . import views

app_name = "territorio"
urlpatterns = [
    path("", views.comuni, name="comuni"),
    path("comuni/<int:pk>/", views.comune, name="comune"),
]
