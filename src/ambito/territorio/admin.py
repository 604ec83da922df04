from django.contrib import admin

from .models import Adesione, Ente, MovimentoNaturale, PopolazioneEta, RilevazionePopolazione


@admin.register(Ente)
class EnteAdmin(admin.ModelAdmin):
    list_display = (
        "nome",
        "tipo",
        "codice_istat",
        "codice_catastale",
        "provincia",
        "ambito",
        "valido_dal",
        "valido_al",
    )
    list_filter = ("tipo", "ambito", "provincia")
    search_fields = ("nome", "codice_istat", "codice_catastale", "codice_fiscale")
    autocomplete_fields = ("predecessore",)
    filter_horizontal = ("comuni_membri",)


@admin.register(Adesione)
class AdesioneAdmin(admin.ModelAdmin):
    list_display = (
        "comune",
        "anno",
        "socio_azienda",
        "membro_ambito",
        "ambito_di_appartenenza",
        "solo_cliente",
    )
    list_filter = ("anno", "socio_azienda", "membro_ambito", "solo_cliente", "ambito")
    search_fields = ("comune__nome", "comune__codice_istat")
    autocomplete_fields = ("comune",)


@admin.register(RilevazionePopolazione)
class RilevazionePopolazioneAdmin(admin.ModelAdmin):
    # Loaded only through `ambito importa_popolazione` (validated, audited): read-only here.
    list_display = ("data_riferimento", "ambito", "fonte", "provvisoria", "data_consultazione", "caricata_il")
    list_filter = ("ambito", "provvisoria")
    readonly_fields = [f.name for f in RilevazionePopolazione._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PopolazioneEta)
class PopolazioneEtaAdmin(admin.ModelAdmin):
    list_display = ("rilevazione", "comune", "eta", "maschi", "femmine")
    list_filter = ("rilevazione",)
    search_fields = ("comune__nome", "comune__codice_istat")
    list_select_related = ("rilevazione", "comune")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MovimentoNaturale)
class MovimentoNaturaleAdmin(admin.ModelAdmin):
    list_display = ("comune", "anno", "nati", "morti", "fonte", "caricato_il")
    list_filter = ("anno", "ambito")
    search_fields = ("comune__nome", "comune__codice_istat")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
