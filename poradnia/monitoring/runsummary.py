"""A run's result as figures a person reads: each known field of the jobs' results, labelled in the
reader's language.

``JobRun.summary`` and a run's Temporal result keep the contracts' English field names
(``poradnia.contracts``: ``CourtSessionSyncResult``, ``EventRemindersResult``, ...), which is what
support and the Web UI need. The admin's run page and the Background jobs' run page show these
figures instead; the raw record stays one click away. A field not listed here is shown under its own
name, so a new result field is never hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import JobRun

LABELS = {
    "status": _("result"),
    "courts_total": _("courts to read"), "courts_succeeded": _("courts read"), "courts_failed": _("courts failed"),
    "courts_ok": _("courts read correctly"), "failed": _("failed"),
    "sessions_created": _("hearings added"), "sessions_updated": _("hearings changed"),
    "sessions_not_listed": _("hearings taken off the list"), "sessions_listed_again": _("hearings listed again"),
    "sessions_moved": _("hearings moved"), "outcomes_recorded": _("court results recorded"),
    "bytes_fetched": _("bytes fetched"), "emails_sent": _("e-mails sent"), "emails_failed": _("e-mails refused"),
    "dry_run": _("dry run"), "errors": _("errors"),
    "events": _("events"), "sent": _("sent"), "skipped": _("skipped"),
    "month": _("month"), "count": _("cases"), "queued": _("e-mails queued"),
    "deleted": _("deleted"), "scrubbed_emails": _("sent e-mails emptied"), "batches": _("batches"),
    "job_runs": _("job runs"), "health_checks": _("health checks"), "court_page_stats": _("court page stats"),
    "resolved_alerts": _("resolved alerts"), "webhook_deliveries": _("webhook deliveries"),
    # the health check's, as its own admin list labels them
    "ok": _("ok"), "db_ok": _("db ok"), "db_ms": _("db ms"), "temporal_ok": _("temporal ok"),
    "temporal_ms": _("temporal ms"), "error": _("error"),
}
# Lists of details (per court, per check, planned changes) and the run's own clock: in the raw record only.
DETAILS = frozenset({"courts", "checks", "planned", "now", "health_check_id", "statuses", "runs", "failures"})


@dataclass(frozen=True)
class Figure:
    key: str  # the contract's field name
    label: str
    value: str


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if value is None:
        return "—"
    if isinstance(value, int | float):
        return number_format(value, force_grouping=True)
    if isinstance(value, str) and value in JobRun.Status.values:
        return str(JobRun.Status(value).label)
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):  # names (courts that failed)
            return ", ".join(value) or "—"
        return number_format(len(value))  # errors: how many (each is in the raw record and the alert)
    if isinstance(value, Mapping):
        return ", ".join(f"{LABELS.get(k, k)}: {_word(v)}" for k, v in value.items()) or "—"
    return str(value)


def figures(result: Mapping[str, Any] | None) -> list[Figure]:
    """The result's figures in the active language, in the contract's order."""
    if not isinstance(result, Mapping):
        return []
    return [Figure(key, str(LABELS.get(key, key)), _word(value)) for key, value in result.items()
            if key not in DETAILS]
