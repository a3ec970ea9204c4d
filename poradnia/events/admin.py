from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Event, Reminder


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("time", "case", "short_text", "deadline", "completed", "public", "created_by")
    list_filter = ("deadline", "completed", "public")
    search_fields = ("text", "case__name")
    date_hierarchy = "time"
    raw_id_fields = ("case", "created_by", "modified_by")

    @admin.display(description=_("text"))
    def short_text(self, obj: Event) -> str:
        return obj.text[:80]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ("event", "user", "active", "created")
    list_filter = ("active",)
    search_fields = ("user__username", "user__email", "event__text")
    raw_id_fields = ("event", "user")
