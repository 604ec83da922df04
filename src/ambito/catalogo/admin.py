from django.contrib import admin

from .models import (
    Area,
    ContrattoServizio,
    Corrispondenza,
    Servizio,
    ServizioConferito,
    Settore,
    TabellaCodici,
    VoceCodice,
)


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["codice", "nome", "ordine", "ambito"]
    list_filter = ["ambito"]


@admin.register(Settore)
class SettoreAdmin(admin.ModelAdmin):
    list_display = ["codice", "nome", "area", "ambito"]
    list_filter = ["ambito", "area"]


class CorrispondenzaInline(admin.TabularInline):
    model = Corrispondenza
    extra = 0
    raw_id_fields = ["voce"]


@admin.register(Servizio)
class ServizioAdmin(admin.ModelAdmin):
    list_display = [
        "codice",
        "nome",
        "settore",
        "unita_misura",
        "metodo_riparto",
        "riga_art13",
        "attivo",
        "ambito",
    ]
    list_filter = ["ambito", "attivo", "metodo_riparto", "modalita_erogazione", "target"]
    search_fields = ["codice", "nome"]
    inlines = [CorrispondenzaInline]


@admin.register(TabellaCodici)
class TabellaCodiciAdmin(admin.ModelAdmin):
    list_display = ["codice", "nome"]


@admin.register(VoceCodice)
class VoceCodiceAdmin(admin.ModelAdmin):
    list_display = ["tabella", "codice", "denominazione", "valido_dal", "valido_al"]
    list_filter = ["tabella"]
    search_fields = ["codice", "denominazione"]


@admin.register(Corrispondenza)
class CorrispondenzaAdmin(admin.ModelAdmin):
    list_display = ["servizio", "voce", "valido_dal", "valido_al", "ambito"]
    list_filter = ["ambito", "voce__tabella"]
    raw_id_fields = ["servizio", "voce"]


class ServizioConferitoInline(admin.TabularInline):
    model = ServizioConferito
    extra = 0


@admin.register(ContrattoServizio)
class ContrattoServizioAdmin(admin.ModelAdmin):
    list_display = ["comune", "numero", "dal", "al", "ambito"]
    list_filter = ["ambito"]
    inlines = [ServizioConferitoInline]


@admin.register(ServizioConferito)
class ServizioConferitoAdmin(admin.ModelAdmin):
    list_display = ["contratto", "servizio", "dal", "al", "quantita_annua"]
    list_filter = ["ambito", "servizio"]
