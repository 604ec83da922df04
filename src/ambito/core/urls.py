from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("accesso/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("esci/", auth_views.LogoutView.as_view(), name="logout"),
    path("salute/", views.salute, name="salute"),
]
