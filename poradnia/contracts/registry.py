"""The job registry: every background job once, with its id, workflow, default input, command and schedule.

The id is the schedule id, the JobRun.job value and the prefix of every workflow id the job gets
(``<id>-<scheduled time>`` from the schedule, ``<id>-manual-<time>`` from its command).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.client import ScheduleCalendarSpec, ScheduleRange

from .court import CourtParserMonitorInput, CourtSessionSyncInput
from .jobs import ClearSessionsJobInput, EventRemindersInput, OldCasesReminderInput

SUNDAY = 0  # Temporal's day_of_week: 0 is Sunday


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


@dataclass(frozen=True)
class Job:
    id: str
    workflow: str  # workflow type name, as the worker registers it
    description: str
    calendar: ScheduleCalendarSpec  # wall-clock time in Europe/Warsaw
    catchup_window: timedelta
    input_type: type | None = None  # the workflow's single argument (its defaults); None: no argument
    command: str | None = None  # the manage.py command that runs it now
    inline: bool = False  # the command can run it without Temporal (--inline)

    def default_input(self) -> Any:
        return None if self.input_type is None else self.input_type()

    def manual_workflow_id(self, moment: str) -> str:
        """The workflow id of a run started by hand (``moment``: a compact UTC time)."""
        return f"{self.id}-manual-{moment}"


COURT_SESSIONS = Job(
    id="court-session-parser", workflow="CourtSessionSyncWorkflow",
    description="Nightly eWokanda hearing lists -> calendar events and e-mails to case staff",
    calendar=at(23, 10), catchup_window=timedelta(days=1), input_type=CourtSessionSyncInput,
    command="run_court_session_parser", inline=True,
)
EVENT_REMINDERS = Job(
    id="event-reminders", workflow="EventRemindersWorkflow",
    description="Daily e-mail reminders of upcoming case events",
    calendar=at(12, 0), catchup_window=timedelta(days=1), input_type=EventRemindersInput,
    command="send_event_reminders", inline=True,
)
OLD_CASES = Job(
    id="old-cases-reminder", workflow="OldCasesReminderWorkflow",
    description="Monthly count of cases old enough to be deleted, to the staff who asked for it",
    calendar=at(6, 0, day_of_month=2), catchup_window=timedelta(days=31), input_type=OldCasesReminderInput,
    command="send_old_cases_reminder", inline=True,
)
CLEAR_SESSIONS = Job(
    id="clear-sessions", workflow="ClearSessionsWorkflow",
    description="Daily removal of expired login sessions",
    calendar=at(0, 0), catchup_window=timedelta(days=1), input_type=ClearSessionsJobInput,
    command="clear_sessions_job", inline=True,
)
PARSER_MONITOR = Job(
    id="court-parser-monitor", workflow="CourtParserMonitorWorkflow",
    description="Weekly check that the court-session parser still understands the eWokanda pages",
    calendar=at(6, 0, day_of_week=SUNDAY), catchup_window=timedelta(days=7), input_type=CourtParserMonitorInput,
)
HEALTH_CHECK = Job(
    id="health-check", workflow="HealthCheckWorkflow",
    description="Hourly round trip worker -> Temporal -> database, recorded under Monitoring",
    calendar=hourly(0), catchup_window=timedelta(hours=1),
)

JOBS: tuple[Job, ...] = (COURT_SESSIONS, EVENT_REMINDERS, OLD_CASES, CLEAR_SESSIONS, PARSER_MONITOR, HEALTH_CHECK)


def job(job_id: str) -> Job:
    for entry in JOBS:
        if entry.id == job_id:
            return entry
    raise LookupError(f"unknown job {job_id!r}; known: {', '.join(j.id for j in JOBS)}")
