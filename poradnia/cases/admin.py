from django.contrib import admin

from .models import Case


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "status", "client", "last_action")
    list_filter = ("status",)
    search_fields = ("name", "client__username", "client__email")
    filter_horizontal = ("staff",)
    date_hierarchy = "last_action"
    raw_id_fields = ("client",)
