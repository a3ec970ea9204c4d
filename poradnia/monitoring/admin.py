import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from poradnia.dates import short_datetime

from .alerts import worded_message, worded_title
from .models import Alert, CourtPageStat, HealthCheck, JobRun, WatchCheck, WebhookDelivery
from .runsummary import figures
from .statuslines import check_name


def folded_record(stored: Any) -> str:
    """What a row keeps as data (English field names, as the Web UI shows them), folded under the worded view."""
    return format_html('<details><summary>{}</summary><pre class="raw-record">{}</pre></details>',
                       gettext("as stored"), json.dumps(stored, indent=2, ensure_ascii=False))


class SystemRecordAdmin(admin.ModelAdmin):
    """Rows the jobs and the watch write: read and deleted in the admin, never added by hand."""

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(HealthCheck)
class HealthCheckAdmin(SystemRecordAdmin):
    list_display = ("created", "db_ok", "db_ms", "temporal_ok", "temporal_ms", "error")
    list_filter = ("db_ok", "temporal_ok")
    date_hierarchy = "created"

    def changelist_view(self, request, extra_context=None):
        """Tops the list with the latest figures, and flags a check that stopped running."""
        latest = HealthCheck.objects.order_by("-created").first()
        stale_after = timedelta(seconds=settings.HEALTH_STALE_AFTER_S)
        if latest is None:
            messages.warning(request, gettext("STALE: no health check has ever run."))
        elif timezone.now() - latest.created > stale_after:
            stale = gettext("STALE: the latest health check ran at %(when)s, more than %(limit)s ago: "
                            "is the worker or its schedule down?")
            messages.warning(request, stale % {"when": short_datetime(latest.created), "limit": stale_after})
        else:
            level = messages.SUCCESS if latest.ok else messages.ERROR
            text = (gettext("Latest health check %(when)s: ok; database %(db)s ms, Temporal %(temporal)s ms "
                            "%(error)s")
                    if latest.ok else
                    gettext("Latest health check %(when)s: FAILED; database %(db)s ms, Temporal %(temporal)s ms "
                            "%(error)s"))
            messages.add_message(request, level, text % {"when": short_datetime(latest.created), "db": latest.db_ms,
                                                         "temporal": latest.temporal_ms, "error": latest.error})
        return super().changelist_view(request, extra_context)


@admin.register(JobRun)
class JobRunAdmin(SystemRecordAdmin):
    list_display = ("job", "status", "started", "finished", "workflow_id", "web_ui")
    list_filter = ("job", "status")
    search_fields = ("workflow_id", "run_id", "error")
    date_hierarchy = "started"
    fields = readonly_fields = ("job", "workflow_id", "run_id", "status", "started", "finished", "run_figures", "error",
                                "web_ui", "record")

    @admin.display(description=_("what the run did"))
    def run_figures(self, obj: JobRun) -> str:
        return render_to_string("monitoring/run_figures.html", {"figures": figures(obj.summary)})

    @admin.display(description=_("summary"))
    def record(self, obj: JobRun) -> str:
        """The result as stored, for support: the contract's field names, as the Web UI shows them."""
        return folded_record(obj.summary)

    @admin.display(description=_("Web UI"))
    def web_ui(self, obj: JobRun) -> str:
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.ui_url, gettext("open run"))


@admin.register(Alert)
class AlertAdmin(SystemRecordAdmin):
    list_display = ("shown_title", "severity", "active", "first_seen", "last_seen", "occurrences", "email_count",
                    "resolved_at")
    list_filter = ("severity", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("dedupe_key", "title", "message")
    # Worded in the reader's language from the alert's kind and facts; the English record (what the logs and the
    # watch read) one click away. An operator may only close an alert by hand; its checks reopen it if it holds.
    fields = ("shown_title", "shown_message", "severity", "dedupe_key", "first_seen", "last_seen", "occurrences",
              "email_count", "last_emailed_at", "resolved_at", "record")
    readonly_fields = tuple(f for f in fields if f != "resolved_at")

    @admin.display(boolean=True, description=_("active"))
    def active(self, obj: Alert) -> bool:
        return obj.active

    @admin.display(description=_("title"), ordering="title")
    def shown_title(self, obj: Alert) -> str:
        return worded_title(obj)

    @admin.display(description=_("message"))
    def shown_message(self, obj: Alert) -> str:
        return format_html('<div style="white-space: pre-line">{}</div>', worded_message(obj))

    @admin.display(description=_("record"))
    def record(self, obj: Alert) -> str:
        return folded_record({"title": obj.title, "message": obj.message, "kind": obj.kind, "facts": obj.facts})


@admin.register(CourtPageStat)
class CourtPageStatAdmin(SystemRecordAdmin):
    """Rows per court per run: filter by court to see its history and a parser's drift."""

    list_display = ("court", "created", "source", "ok", "rows_seen", "tracked_rows", "bad_rows", "error")
    list_filter = ("court", "source", "ok")
    date_hierarchy = "created"


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SystemRecordAdmin):
    list_display = ("key", "status", "attempts", "created", "next_attempt_at", "sent_at", "last_error")
    list_filter = ("status",)
    search_fields = ("key", "alert_key")
    readonly_fields = ("key", "alert_key", "payload", "status", "attempts", "next_attempt_at", "last_error",
                       "created", "sent_at")


@admin.register(WatchCheck)
class WatchCheckAdmin(SystemRecordAdmin):
    """The watch's latest line per check (manage.py watch), worded in the reader's language."""

    list_display = ("shown_name", "ok", "checked_at", "shown_line")
    # ``line`` is the English record the command printed; the reader gets it worded in their language.
    fields = readonly_fields = ("shown_name", "ok", "checked_at", "shown_line")

    @admin.display(description=_("check"), ordering="name")
    def shown_name(self, obj: WatchCheck) -> str:
        return check_name(obj.name)

    @admin.display(description=_("what the watch saw"))
    def shown_line(self, obj: WatchCheck) -> str:
        return obj.shown_line()
