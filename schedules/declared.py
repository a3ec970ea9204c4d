"""Poradnia's schedules, declared once, here.

This list is the only place a job's timing lives (it used to be crontab, then django-celery-beat).
``sync_schedules`` makes the Temporal server match it without undoing what operators do there: a
pause and its note survive every sync and every deploy.

Times are wall-clock times in Europe/Warsaw, so a job keeps its local hour across the DST changes.
Every schedule skips a start while its previous run is still going (overlap SKIP), and catches up
at most one period after a server outage: one missed run is started, not a year of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.client import ScheduleCalendarSpec, ScheduleOverlapPolicy, ScheduleRange

from workflows.court_sessions import CourtSessionSyncInput
from workflows.monitor import CourtParserMonitorInput
from workflows.reminders import ClearSessionsJobInput, EventRemindersInput, OldCasesReminderInput
from workflows.retention import RetentionInput

TIME_ZONE = "Europe/Warsaw"
MANAGED_BY_KEY = "managed-by"
MANAGED_BY = "poradnia"
SUNDAY = 0  # Temporal's day_of_week: 0 is Sunday


@dataclass(frozen=True)
class ScheduleEntry:
    """One declared schedule: what runs, when, and what happens to overlapping or missed runs.

    The action's workflow id is the schedule id (Temporal appends the scheduled time), so every
    run of a job is found by one id prefix in the Web UI and in ``temporal workflow list``.
    """

    id: str
    workflow: str  # workflow type name, as registered by the worker
    description: str
    calendar: ScheduleCalendarSpec
    catchup_window: timedelta
    input: Any = None  # the workflow's single argument; None starts it without arguments
    overlap: ScheduleOverlapPolicy = ScheduleOverlapPolicy.SKIP
    time_zone: str = TIME_ZONE

    def memo(self) -> dict[str, str]:
        """The schedule's memo: the mark that lets ``--prune`` tell our schedules from anyone else's."""
        return {MANAGED_BY_KEY: MANAGED_BY, "description": self.description}


def at(hour: int, minute: int, *, day_of_month: int | None = None, day_of_week: int | None = None
       ) -> ScheduleCalendarSpec:
    """A calendar matching HH:MM every day, or only on one day of the month or of the week."""
    calendar = ScheduleCalendarSpec(hour=(ScheduleRange(hour),), minute=(ScheduleRange(minute),))
    if day_of_month is not None:
        calendar.day_of_month = (ScheduleRange(day_of_month),)
    if day_of_week is not None:
        calendar.day_of_week = (ScheduleRange(day_of_week),)
    return calendar


def hourly(minute: int) -> ScheduleCalendarSpec:
    """A calendar matching minute MM of every hour."""
    return ScheduleCalendarSpec(hour=(ScheduleRange(0, 23),), minute=(ScheduleRange(minute),))


SCHEDULES: list[ScheduleEntry] = [
    ScheduleEntry(
        id="court-session-parser",
        workflow="CourtSessionSyncWorkflow",
        description="Nightly eWokanda hearing lists -> calendar events and e-mails to case staff",
        calendar=at(23, 10),
        catchup_window=timedelta(days=1),
        input=CourtSessionSyncInput(),
    ),
    ScheduleEntry(
        id="event-reminders",
        workflow="EventRemindersWorkflow",
        description="Daily e-mail reminders of upcoming case events",
        calendar=at(12, 0),
        catchup_window=timedelta(days=1),
        input=EventRemindersInput(),
    ),
    ScheduleEntry(
        id="old-cases-reminder",
        workflow="OldCasesReminderWorkflow",
        description="Monthly count of cases old enough to be deleted, to the staff who asked for it",
        calendar=at(6, 0, day_of_month=2),
        catchup_window=timedelta(days=31),
        input=OldCasesReminderInput(),
    ),
    ScheduleEntry(
        id="clear-sessions",
        workflow="ClearSessionsWorkflow",
        description="Daily removal of expired login sessions",
        calendar=at(0, 0),
        catchup_window=timedelta(days=1),
        input=ClearSessionsJobInput(),
    ),
    ScheduleEntry(
        id="court-parser-monitor",
        workflow="CourtParserMonitorWorkflow",
        description="Weekly check that the court-session parser still understands the eWokanda pages",
        calendar=at(6, 0, day_of_week=SUNDAY),
        catchup_window=timedelta(days=7),
        input=CourtParserMonitorInput(),
    ),
    ScheduleEntry(
        id="health-check",
        workflow="HealthCheckWorkflow",
        description="Hourly round trip worker -> Temporal -> database, recorded under Monitoring",
        calendar=hourly(0),
        catchup_window=timedelta(hours=1),
    ),
    ScheduleEntry(
        id="retention",
        workflow="RetentionWorkflow",
        description="Daily deletion of old run history, health checks, page stats and alerts; scrubs sent e-mails",
        calendar=at(3, 30),
        catchup_window=timedelta(days=1),
        input=RetentionInput(),
    ),
]


def declared_schedules() -> list[ScheduleEntry]:
    """The declared list, read at call time (tests replace ``SCHEDULES`` to change a spec in code)."""
    return list(SCHEDULES)


def find_entry(schedule_id: str) -> ScheduleEntry | None:
    """The declared entry with this id, or None for a schedule that is not ours."""
    return next((entry for entry in declared_schedules() if entry.id == schedule_id), None)
