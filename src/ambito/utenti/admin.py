"""Read-only admin for scope: writes go through ambito.utenti.services, which audit them."""

from django.contrib import admin

from .models import AssegnazioneAmbito, MembroTeam, Team


class _SolaLettura(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembroTeamInline(admin.TabularInline):
    model = MembroTeam
    extra = 0
    can_delete = False
    readonly_fields = ["utente", "ruolo_nel_team", "dal", "al"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(_SolaLettura):
    list_display = ["nome", "ambito", "servizio", "ente"]
    list_filter = ["ambito"]
    inlines = [MembroTeamInline]


@admin.register(AssegnazioneAmbito)
class AssegnazioneAmbitoAdmin(_SolaLettura):
    list_display = ["utente", "tipo", "ente", "servizio", "team", "dal", "al", "ambito"]
    list_filter = ["ambito", "tipo"]
