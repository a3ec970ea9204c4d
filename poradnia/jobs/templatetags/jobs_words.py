"""``{{ value|job_word }}``: the words the Background jobs page gets from Temporal (states, run statuses,
overlap policies), in the reader's language; a word not listed here is shown as Temporal says it."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

WORDS = {
    # schedule states (schedules.overview.ScheduleView.state)
    "active": _("active"), "paused": _("paused"), "missing": _("missing"),
    # workflow run statuses (Temporal's WorkflowExecutionStatus, lower case)
    "running": _("running"), "completed": _("completed"), "failed": _("failed"), "canceled": _("canceled"),
    "terminated": _("terminated"), "continued_as_new": _("continued as new"), "timed_out": _("timed out"),
    "unknown": _("unknown"),
    # overlap policies
    "SKIP": _("skip"), "BUFFER_ONE": _("buffer one"), "BUFFER_ALL": _("buffer all"), "CANCEL_OTHER": _("cancel other"),
    "TERMINATE_OTHER": _("terminate other"), "ALLOW_ALL": _("allow all"),
    # dry-run plan actions (poradnia.judgements.sync.PlannedChange.action)
    "create": _("create"), "update": _("update"), "moved": _("moved"), "not_listed": _("not listed"),
    "listed_again": _("listed again"),
}

# What each job does (poradnia.contracts.JOBS' descriptions stay English: contracts is Django-free;
# tests/unit/test_translations.py keeps the two in step).
DESCRIPTIONS = {
    "court-session-parser": _("Nightly eWokanda hearing lists -> calendar events and e-mails to case staff"),
    "event-reminders": _("Daily e-mail reminders of upcoming case events"),
    "old-cases-reminder": _("Monthly count of cases old enough to be deleted, to the staff who asked for it"),
    "clear-sessions": _("Daily removal of expired login sessions"),
    "court-parser-monitor": _("Weekly check that the court-session parser still understands the eWokanda pages"),
    "health-check": _("Hourly round trip worker -> Temporal -> database, recorded under Monitoring"),
    "retention": _("Daily deletion of old run history, health checks, page stats and alerts; scrubs sent e-mails"),
}


@register.filter
def job_word(value: object) -> str:
    return str(WORDS.get(str(value), value))


@register.filter
def job_description(entry: object) -> str:
    """The job's description in the reader's language (its registry text when it has none here)."""
    job_id = getattr(entry, "id", "")
    return str(DESCRIPTIONS.get(job_id, getattr(entry, "description", "")))
