from django.contrib import admin

from .models import Case, CaseStaff


class CaseStaffInline(admin.TabularInline):
    model = CaseStaff
    fields = ("user", "can_send_to_client")
    raw_id_fields = ("user",)
    extra = 0


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "status", "client", "last_action")
    list_filter = ("status",)
    search_fields = ("name", "client__username", "client__email")
    inlines = [CaseStaffInline]
    date_hierarchy = "last_action"
    raw_id_fields = ("client",)
