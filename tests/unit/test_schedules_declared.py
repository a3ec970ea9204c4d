"""The declared schedules themselves, without a server: workflow names, Warsaw time, specs in words."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import ScheduleOverlapPolicy, ScheduleSpec

from schedules.declared import SCHEDULES, at
from schedules.words import duration_in_words, spec_in_words
from tests.support.schedulesupport import EXPECTED, R
from workflows import WORKFLOWS


def test_declared_schedules_name_registered_workflows_and_warsaw_time() -> None:
    registered = {w.__temporal_workflow_definition.name for w in WORKFLOWS}  # type: ignore[attr-defined]
    assert [entry.id for entry in SCHEDULES] == list(EXPECTED)
    for entry in SCHEDULES:
        assert entry.workflow in registered, entry.id
        assert entry.workflow == EXPECTED[entry.id][0]
        assert entry.time_zone == "Europe/Warsaw" and entry.overlap == ScheduleOverlapPolicy.SKIP
        assert entry.memo()["managed-by"] == "poradnia" and entry.memo()["description"] == entry.description


def test_specs_in_words() -> None:
    words = {entry.id: spec_in_words(ScheduleSpec(calendars=[entry.calendar], time_zone_name=entry.time_zone))
             for entry in SCHEDULES}
    assert words == {
        "court-session-parser": "daily at 23:10 (Europe/Warsaw)",
        "event-reminders": "daily at 12:00 (Europe/Warsaw)",
        "old-cases-reminder": "monthly on day 2 at 06:00 (Europe/Warsaw)",
        "clear-sessions": "daily at 00:00 (Europe/Warsaw)",
        "court-parser-monitor": "weekly on Sunday at 06:00 (Europe/Warsaw)",
        "health-check": "hourly at minute 0 (Europe/Warsaw)",
        "retention": "daily at 03:30 (Europe/Warsaw)",
    }
    odd = at(8, 30)
    odd.hour = (R(8, 18, 2),)
    assert spec_in_words(ScheduleSpec(calendars=[odd])) == (
        "calendar second=0 minute=30 hour=8-18/2 day_of_month=1-31 month=1-12 day_of_week=0-6 year=* (UTC)")
    assert [duration_in_words(timedelta(**kw)) for kw in ({"days": 7}, {"hours": 1}, {"seconds": 90})] == [
        "7 days", "1 hour", "90 seconds"]
