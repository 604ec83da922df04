"""Read-mostly admin: the riparto is written only by the services (import, approve)."""

from django.contrib import admin

from .models import Esercizio, QuotaRiparto, VersioneBilancio, VoceRiparto


class SolaLettura(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Esercizio)
class EsercizioAdmin(SolaLettura):
    list_display = ("anno", "ambito")


@admin.register(VersioneBilancio)
class VersioneBilancioAdmin(SolaLettura):
    list_display = ("esercizio", "nome", "tipo", "stato", "approvata_il")
    list_filter = ("stato", "tipo")


@admin.register(VoceRiparto)
class VoceRipartoAdmin(SolaLettura):
    list_display = ("versione", "codice", "nome", "metodo", "comuni_arrotondato")
    list_select_related = ("versione__esercizio",)


@admin.register(QuotaRiparto)
class QuotaRipartoAdmin(SolaLettura):
    list_display = ("versione", "comune", "voce", "importo")
    list_select_related = ("versione__esercizio", "comune", "voce")


from .models import Addebito, PianoAcconti  # noqa: E402


@admin.register(PianoAcconti)
class PianoAccontiAdmin(SolaLettura):
    list_display = ("esercizio", "numero", "nome", "scadenza", "percentuale", "base")
    list_select_related = ("esercizio",)


@admin.register(Addebito)
class AddebitoAdmin(SolaLettura):
    list_display = ("documento", "data", "comune", "tipo", "rata", "importo", "versione")
    list_filter = ("tipo",)
    list_select_related = ("esercizio", "comune", "rata", "versione__esercizio")
