"""``{% status_strip %}``: the admin front page's one-look status: workers, each job's last run, open alerts.

Read from the database only (the watch's last round, the run history, the alerts): the front page
never waits for Temporal, and still renders when Temporal is down.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.conf import settings
from django.utils import timezone

from poradnia.monitoring.alerts import worded_title
from poradnia.monitoring.models import Alert, JobRun, WatchCheck

register = template.Library()


@register.inclusion_tag("monitoring/status_strip.html", takes_context=True)
def status_strip(context: template.Context) -> dict[str, Any]:
    """Open alerts' titles name courts and signatures: listed only for those who may see the Alerts list."""
    request = context.get("request")
    sees_alerts = request is not None and request.user.has_perm("monitoring.view_alert")
    now = timezone.now()
    pollers = WatchCheck.objects.filter(name="pollers").first()
    if pollers is not None:
        pollers.shown = pollers.shown_line()  # in the reader's language
    # Three missed rounds: the watch itself is not running (or cannot reach the database).
    watch_stale = pollers is None or now - pollers.checked_at > timedelta(seconds=3 * settings.WATCH_INTERVAL_S)
    jobs = sorted(JobRun.objects.order_by().values_list("job", flat=True).distinct())
    last_runs = [JobRun.objects.filter(job=job).order_by("-started").first() for job in jobs]
    open_alerts = Alert.objects.filter(resolved_at__isnull=True).order_by("-last_seen")
    shown = list(open_alerts[:5]) if sees_alerts else []
    for alert in shown:
        alert.shown_title = worded_title(alert)  # in the reader's language
    return {"pollers": pollers, "watch_stale": watch_stale, "last_runs": [r for r in last_runs if r],
            "open_alerts": shown, "open_count": open_alerts.count()}
