from django.contrib import admin

from .models import Court, CourtCase, CourtSession


@admin.register(Court)
class CourtAdmin(admin.ModelAdmin):
    list_display = ("name", "parser_key", "active", "url")
    list_filter = ("active",)
    search_fields = ("name", "parser_key")


@admin.register(CourtCase)
class CourtCaseAdmin(admin.ModelAdmin):
    list_display = ("signature", "court", "case", "created_by", "created")
    list_filter = ("court",)
    search_fields = ("signature", "signature_key", "case__name")
    raw_id_fields = ("case", "created_by", "modified_by")


@admin.register(CourtSession)
class CourtSessionAdmin(admin.ModelAdmin):
    list_display = ("court_case", "date", "slot", "parser_key", "event", "created")
    list_filter = ("parser_key",)
    search_fields = ("court_case__signature", "event__text")
    date_hierarchy = "date"
    raw_id_fields = ("court_case", "event")
