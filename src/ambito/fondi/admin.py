from django.contrib import admin

from .models import AttoAssegnazione, Fondo, MovimentoFondo


@admin.register(Fondo)
class FondoAdmin(admin.ModelAdmin):
    list_display = ("codice", "nome", "tipo", "attivo", "ambito")
    list_filter = ("tipo", "attivo", "ambito")
    search_fields = ("codice", "nome")


@admin.register(AttoAssegnazione)
class AttoAssegnazioneAdmin(admin.ModelAdmin):
    """Read-only: assignments are written through the services (audited, quotas checked)."""

    list_display = ("fondo", "tipo_atto", "numero", "data", "annualita", "importo")
    list_filter = ("annualita", "tipo_atto")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MovimentoFondo)
class MovimentoFondoAdmin(admin.ModelAdmin):
    """Read-only: the ledger is written only through the services."""

    list_display = ("fondo", "esercizio", "tipo", "data", "importo", "riferimento", "annullato_il")
    list_filter = ("tipo", "esercizio")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
