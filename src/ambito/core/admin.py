from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Ambito, Utente


@admin.register(Ambito)
class AmbitoAdmin(admin.ModelAdmin):
    list_display = ["codice", "nome", "ente_capofila"]


@admin.register(Utente)
class UtenteAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Ambito", {"fields": ("ambito", "codice_fiscale", "qualifica")}),)
    list_display = ["username", "first_name", "last_name", "ambito", "is_staff"]
    list_filter = ["ambito", "groups", "is_staff"]
