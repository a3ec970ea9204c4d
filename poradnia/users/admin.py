from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .models import User
from .permissions import PermissionLabels


@admin.register(User)
class PoradniaUserAdmin(PermissionLabels, UserAdmin):
    list_display = ("username", "email", "is_staff", "event_reminder_time", "notify_old_cases",
                    "notify_unassigned_letter")
    list_filter = UserAdmin.list_filter + ("event_reminder_time", "notify_old_cases", "notify_unassigned_letter")
    fieldsets = UserAdmin.fieldsets + (
        (_("Notifications"), {"fields": ("event_reminder_time", "notify_old_cases", "notify_unassigned_letter")}),
    )


admin.site.unregister(Group)


@admin.register(Group)
class PoradniaGroupAdmin(PermissionLabels, GroupAdmin):
    """Django's group admin, with permissions labelled in the reader's language."""
