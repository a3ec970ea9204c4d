"""Put the Background jobs page on the admin index.

Registering the table-less ``BackgroundJob`` gives the index a "Background jobs / Schedules" entry
for every staff member (the page itself decides who may operate). Its admin URLs are reduced to
redirects to the page, served at ``admin/jobs/`` ahead of the admin's own URLs: the default list,
history and delete views would query a table that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import URLPattern, path, reverse

from .models import BackgroundJob


@admin.register(BackgroundJob)
class BackgroundJobAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        redirect = self.admin_site.admin_view(self.redirect_to_page)
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("", redirect, name=f"{name}_changelist"),
            # Where the admin log's links to our entries ("Recent actions") lead.
            path("<str:object_id>/change/", redirect, name=f"{name}_change"),
            path("<str:object_id>/", redirect),
            path("<str:object_id>/<slug:view>/", redirect),  # history, delete, ...
        ]

    def redirect_to_page(self, request: HttpRequest, object_id: str | None = None, view: str = ""
                         ) -> HttpResponseRedirect:
        anchor = f"#schedule-{object_id}" if object_id else ""
        return HttpResponseRedirect(reverse("jobs:schedules") + anchor)
