from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class PoradniaUserAdmin(UserAdmin):
    list_display = ("username", "email", "is_staff", "event_reminder_time", "notify_old_cases",
                    "notify_unassigned_letter")
    list_filter = UserAdmin.list_filter + ("event_reminder_time", "notify_old_cases", "notify_unassigned_letter")
    fieldsets = UserAdmin.fieldsets + (
        (_("Notifications"), {"fields": ("event_reminder_time", "notify_old_cases", "notify_unassigned_letter")}),
    )
