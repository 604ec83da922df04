from django.urls import path

from . import views

app_name = "territorio"
urlpatterns = [
    path("", views.comuni, name="comuni"),
]
