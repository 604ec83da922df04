from django.contrib import admin

from .models import CategoriaCosto, CentroCosto, ContoContabile, ImportazioneContabile, SchemaCategorie


@admin.register(SchemaCategorie)
class SchemaCategorieAdmin(admin.ModelAdmin):
    list_display = ("codice", "nome")


@admin.register(CategoriaCosto)
class CategoriaCostoAdmin(admin.ModelAdmin):
    list_display = ("schema", "codice", "nome", "tipo", "ordine")
    list_filter = ("schema", "tipo")


@admin.register(CentroCosto)
class CentroCostoAdmin(admin.ModelAdmin):
    list_display = ("codice", "nome", "tipo", "codice_riparto", "valido_dal", "valido_al", "ambito")
    list_filter = ("tipo", "ambito")
    search_fields = ("codice", "nome")


@admin.register(ContoContabile)
class ContoContabileAdmin(admin.ModelAdmin):
    list_display = ("codice", "descrizione", "categoria", "centro", "ambito")
    list_filter = ("ambito",)
    search_fields = ("codice", "descrizione")


@admin.register(ImportazioneContabile)
class ImportazioneContabileAdmin(admin.ModelAdmin):
    list_display = ("esercizio", "tipo_versione", "nome_file", "numero_righe", "caricata_il", "sostituita_da")
    readonly_fields = [f.name for f in ImportazioneContabile._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
