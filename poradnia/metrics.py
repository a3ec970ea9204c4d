"""Our Prometheus counters, exported by the worker's Temporal runtime next to the SDK's own metrics.

The domain services count; outside an activity (the --inline path, a management command) counting is a
no-op: those runs are not the worker's and have no metrics endpoint.
"""

from __future__ import annotations

from temporalio import activity

DESCRIPTIONS = {
    "poradnia_rows_parsed": "Hearing rows read from court pages",
    "poradnia_sessions_created": "Court sessions created",
    "poradnia_sessions_updated": "Court sessions updated",
    "poradnia_outcomes_recorded": "Court results and judgment links recorded",
    "poradnia_parse_errors": "Court pages that failed to parse",
    "poradnia_emails_sent": "E-mails the outbox sent",
    "poradnia_emails_failed": "E-mails the mail server refused for good",
    "poradnia_alerts_raised": "Alerts raised (new or reopened)",
}


def count(name: str, value: int, attributes: dict[str, str] | None = None) -> None:
    if value <= 0 or not activity.in_activity():
        return
    counter = activity.metric_meter().create_counter(name, DESCRIPTIONS[name])
    counter.add(value, attributes or {})
