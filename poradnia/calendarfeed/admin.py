"""The admin's "My calendar" page (each staff user's own feed URL and a rotate button) and, for superusers,
every user's feed: the same page for any user and a rotate action on the list. Thin callers of ``tokens``."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from . import tokens
from .models import FeedSecret


@require_http_methods(["GET", "POST"])
def my_calendar(request: HttpRequest, user_id: int | None = None) -> HttpResponse:
    """GET shows the URL (made on first visit); POST (CSRF) rotates it. Another user's page is superusers' only."""
    if user_id is not None and user_id != request.user.pk and not request.user.is_superuser:
        raise PermissionDenied
    owner = request.user if user_id is None else get_object_or_404(get_user_model(), pk=user_id)
    if request.method == "POST":
        tokens.rotate(owner)
        messages.success(request, gettext("A new calendar address was made; the old one no longer works."))
        return HttpResponseRedirect(request.path)
    own = owner.pk == request.user.pk
    context = {
        **admin.site.each_context(request),
        "title": _("My calendar") if own else gettext("Calendar of %(user)s") % {"user": owner.get_username()},
        "owner": owner,
        "own": own,
        "feed_url": tokens.feed_url(owner),
        "reminder_days": owner.event_reminder_time,
    }
    return TemplateResponse(request, "calendarfeed/my_calendar.html", context)


urlpatterns = [
    path("", admin.site.admin_view(my_calendar), name="my_calendar"),
    path("user/<int:user_id>/", admin.site.admin_view(my_calendar), name="user_calendar"),
]


@admin.action(description=_("Rotate the calendar addresses of the selected users"))
def rotate_selected(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset) -> None:
    for secret in queryset.select_related("user"):
        tokens.rotate(secret.user)
    modeladmin.message_user(request, gettext("Rotated %(count)d calendar addresses.") % {"count": queryset.count()},
                            messages.SUCCESS)


@admin.register(FeedSecret)
class FeedSecretAdmin(admin.ModelAdmin):
    """Superusers only: whose feeds exist, when each was made and last changed; rotate any of them."""

    list_display = ("user", "created", "changed_at", "page")
    search_fields = ("user__username", "user__email")
    actions = [rotate_selected]
    fields = ("user", "created", "changed_at")
    readonly_fields = fields

    @admin.display(description=_("address"))
    def page(self, obj: FeedSecret) -> str:
        return format_html('<a href="{}">{}</a>', reverse("calendarfeed_admin:user_calendar", args=[obj.user_id]),
                           gettext("show or rotate"))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: FeedSecret | None = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: FeedSecret | None = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by the user's page or the command, never typed in

    def has_delete_permission(self, request: HttpRequest, obj: FeedSecret | None = None) -> bool:
        return request.user.is_active and request.user.is_superuser
