from django.contrib import admin

from .models import OutboxEmail


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ("key", "kind", "status", "attempts", "created", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("key", "subject")
    readonly_fields = ("created", "sent_at")
