"""Django-free contracts between the layers: workflow inputs and results, run statuses, e-mail kinds,
the local time zone and the job registry.

Imports only the standard library and temporalio, so workflows, schedules/ and the Django apps can
all import it (see docs/architecture.md). One module, not a package: the workflow sandbox
resolves a dataclass's type hints in its defining module, which must be the module the workflow imports.

The registry holds every background job once: its id (the schedule id, the JobRun.job value and
the prefix of every workflow id the job gets: ``<id>-<scheduled time>`` from the schedule,
``<id>-manual-<time>`` from its command), workflow type, default input, command and schedule.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from temporalio.client import ScheduleCalendarSpec, ScheduleRange

# --- Run statuses, e-mail kinds, the local time zone, two helpers ----------------------------------------

# Poland's wall-clock time: hearing dates, reminder days, the months reported and the schedules.
WARSAW_TZ_NAME = "Europe/Warsaw"
WARSAW = ZoneInfo(WARSAW_TZ_NAME)


class RunStatus(StrEnum):
    """How a job run ended, as recorded in JobRun.status and returned in the workflow results."""

    RUNNING = "running"
    SUCCESS = "completed_success"
    PARTIAL = "completed_partial"
    NO_COURTS = "completed_no_courts"
    FAILED_ALL = "failed_all_courts"
    FAILED = "failed"


# Statuses that need an admin's look (they raise the job's alert) and those that clear it.
ALERTING_STATUSES = frozenset({RunStatus.PARTIAL, RunStatus.FAILED_ALL, RunStatus.FAILED})
CLEAN_STATUSES = frozenset({RunStatus.SUCCESS, RunStatus.NO_COURTS})


class EmailKind(StrEnum):
    """The outbox row kinds: each job sends its own kind (and the alerts it raised)."""

    COURT_SESSION = "courtsession"
    EVENT_REMINDER = "event_reminder"
    OLD_CASES = "old_cases"
    ALERT = "alert"


def courts_status(total: int, succeeded: int, failed: bool) -> RunStatus:
    """The status of a run over courts: none to do, all failed, some failed, or all fine."""
    if total == 0:
        return RunStatus.NO_COURTS
    if succeeded == 0:
        return RunStatus.FAILED_ALL
    return RunStatus.PARTIAL if failed else RunStatus.SUCCESS


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none): one line for a log or UI."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class InvalidTimestamp(ValueError):
    """A timestamp that is not ISO 8601, lacks its UTC offset or lies outside a window.

    ``reason`` ("format", "offset", "window") lets a form word the refusal in its reader's language.
    """

    def __init__(self, message: str, reason: str = "format") -> None:
        super().__init__(message)
        self.reason = reason


def parse_aware(value: str, name: str = "time") -> datetime:
    """An ISO 8601 timestamp with a UTC offset; anything else raises InvalidTimestamp naming ``name``."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidTimestamp(f"{name} {value!r} is not an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        raise InvalidTimestamp(f"{name} {value!r} needs a UTC offset, e.g. 2025-06-01T08:00:00+02:00", "offset")
    return moment


# --- The court-session parser and the weekly parser monitor ----------------------------------------------

@dataclass
class CourtSessionSyncInput:
    court_ids: list[int] | None = None
    parser_key: str | None = None
    dry_run: bool = False


@dataclass
class SelectCourtsInput:
    court_ids: list[int] | None = None
    parser_key: str | None = None


@dataclass
class CourtRef:
    id: int
    parser_key: str
    name: str


@dataclass
class CourtSelection:
    """The courts to run plus the run-time knobs, read from settings once per run (the workflow can't)."""

    courts: list[CourtRef]
    concurrency: int
    heartbeat_timeout_s: float
    start_to_close_s: float
    retry_initial_s: float
    retry_max_interval_s: float
    max_attempts: int


@dataclass
class SyncCourtInput:
    court_id: int
    dry_run: bool = False


@dataclass
class PlannedChange:
    action: str  # create | update | not_listed | listed_again | moved | outcome
    signature: str
    date: str
    slot: int
    time: str
    case_id: int


@dataclass
class CourtSyncSummary:
    """What one court's sync did: the activity's result, and while it runs its heartbeat (with groups_done).

    ``groups_done`` (the ids of the court cases already written) lets a retried attempt resume; it is
    emptied in the result, which needs only the counts.
    """

    court_id: int = 0
    parser_key: str = ""
    rows_seen: int = 0
    tracked_rows: int = 0
    bad_rows: int = 0
    sessions_created: int = 0
    sessions_updated: int = 0
    sessions_unchanged: int = 0
    sessions_not_listed: int = 0
    sessions_listed_again: int = 0
    sessions_moved: int = 0
    sessions_missed: int = 0  # absent from the page this run, not (yet) not listed
    outcomes_recorded: int = 0  # court results (and later judgment links) recorded
    emails_queued: int = 0
    bytes_fetched: int = 0
    first_date: str = ""  # the dates the page covered (ISO), its first and last hearing
    last_date: str = ""
    page_complete: bool = True  # False: cut short or drifted, so no hearing was marked not listed
    attempt: int = 1
    resumed_groups: int = 0
    dry_run: bool = False
    planned: list[PlannedChange] = field(default_factory=list)
    groups_done: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # tracked signatures whose row can't be read

    @classmethod
    def from_heartbeat(cls, details: dict[str, Any] | None) -> CourtSyncSummary:
        """The summary a previous attempt heartbeated (a plain dict), or a fresh one."""
        if not details:
            return cls()
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in details.items() if k in known}
        values["planned"] = [PlannedChange(**p) for p in values.get("planned", [])]
        return cls(**values)


@dataclass
class CourtError:
    court: str  # parser key, or "outbox" for the sending step
    type: str
    message: str


@dataclass
class CourtProgress:
    state: str = "pending"  # pending | running | done | failed
    sessions_created: int = 0
    sessions_updated: int = 0
    error: str = ""


@dataclass
class CourtSessionSyncResult:
    status: str = RunStatus.NO_COURTS
    courts_total: int = 0
    courts_succeeded: int = 0
    courts_failed: int = 0
    sessions_created: int = 0
    sessions_updated: int = 0
    sessions_not_listed: int = 0
    sessions_listed_again: int = 0
    sessions_moved: int = 0
    outcomes_recorded: int = 0
    bytes_fetched: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    dry_run: bool = False
    errors: list[CourtError] = field(default_factory=list)
    courts: list[CourtSyncSummary] = field(default_factory=list)


def finish_court_run(result: CourtSessionSyncResult) -> CourtSessionSyncResult:
    """Totals and status from the per-court summaries and errors (the workflow's and --inline's)."""
    result.courts.sort(key=lambda s: s.parser_key)
    result.errors.sort(key=lambda e: e.court)
    result.courts_succeeded = len(result.courts)
    result.courts_failed = len({e.court for e in result.errors if e.court != "outbox"})
    result.sessions_created = sum(s.sessions_created for s in result.courts)
    result.sessions_updated = sum(s.sessions_updated for s in result.courts)
    result.sessions_not_listed = sum(s.sessions_not_listed for s in result.courts)
    result.sessions_listed_again = sum(s.sessions_listed_again for s in result.courts)
    result.sessions_moved = sum(s.sessions_moved for s in result.courts)
    result.outcomes_recorded = sum(s.outcomes_recorded for s in result.courts)
    result.bytes_fetched = sum(s.bytes_fetched for s in result.courts)
    result.status = courts_status(result.courts_total, result.courts_succeeded, bool(result.errors))
    return result


@dataclass
class CourtParserMonitorInput:
    court_ids: list[int] | None = None
    parser_key: str | None = None


@dataclass
class CheckCourtInput:
    court_id: int
    now: str  # ISO 8601, fixed by the workflow


@dataclass
class CourtCheck:
    parser_key: str
    ok: bool
    rows: int = 0
    headers: list[str] = field(default_factory=list)
    error: str = ""
    alert_emails_queued: int = 0  # alert e-mails and webhook POSTs: either makes the run send


@dataclass
class CourtParserMonitorResult:
    status: str  # a RunStatus
    courts_total: int = 0
    courts_ok: int = 0
    failed: list[str] = field(default_factory=list)
    checks: list[CourtCheck] = field(default_factory=list)


def monitor_result(checks: list[CourtCheck]) -> CourtParserMonitorResult:
    ok = [c for c in checks if c.ok]
    failed = sorted(c.parser_key for c in checks if not c.ok)
    return CourtParserMonitorResult(status=courts_status(len(checks), len(ok), bool(failed)),
                                    courts_total=len(checks), courts_ok=len(ok), failed=failed, checks=checks)


# --- The court lookup on registration (started on demand, not scheduled) ------------------------------

LOOKUP_WORKFLOW = "CourtLookupWorkflow"
LOOKUP_SIGNAL = "lookup"


@dataclass
class CourtLookupInput:
    court_id: int
    parser_key: str
    quiet_s: float = 10.0  # wait until no registration came for this long, then run
    max_wait_s: float = 120.0  # but never wait longer than this after the first one


@dataclass
class CourtLookupRequest:
    """The signal's payload: which court case was registered (for the history; the run reads them all)."""

    court_case_id: int


@dataclass
class CourtLookupResult:
    runs: int  # court-session runs started (one per burst of registrations)
    requests: int  # registrations that asked for a lookup
    statuses: list[str]


def lookup_workflow_id(parser_key: str) -> str:
    """One id per court: registrations of one court join one lookup instead of starting one each."""
    return f"court-lookup-{parser_key}"


# --- Reminders, cleanup, health check, outbox, run history -----------------------------------------------

PAGE_SIZE = 500  # events per reminder page (one transaction and one heartbeat each)


@dataclass
class EventRemindersInput:
    now: str | None = None  # ISO 8601 with offset; default: when the workflow started
    page_size: int = PAGE_SIZE


@dataclass
class QueueEventRemindersInput:
    now: str
    page_size: int = PAGE_SIZE


@dataclass
class ReminderProgress:
    """Where a run is and what it did so far; heartbeated after every page to resume a retried attempt."""

    last_event_id: int = 0
    events: int = 0  # candidate events examined
    sent: int = 0  # reminders recorded and queued in the outbox
    skipped: int = 0  # due reminders not sent: already reminded, or the event is completed


@dataclass
class EventRemindersResult:
    now: str
    events: int  # candidate events examined
    sent: int  # reminders recorded and queued by this run
    skipped: int  # due reminders not sent: already reminded, or the event is completed
    emails_sent: int  # outbox rows delivered by this run's sending step (this run's and earlier ones')
    emails_failed: int  # ... and the ones the mail server refused for good (5xx)


@dataclass
class OldCasesReminderInput:
    now: str | None = None  # ISO 8601 with offset; default: when the workflow started


@dataclass
class QueueOldCasesInput:
    now: str


@dataclass
class OldCasesQueued:
    month: str  # YYYY-MM of ``now`` in Poland: the reminder's period and part of its outbox key
    cutoff: str  # ISO 8601: cases with last_action before this are old
    count: int
    queued: int  # outbox rows written by this run (0 when the month's reminder was already queued)


@dataclass
class OldCasesReminderResult:
    now: str
    month: str  # YYYY-MM (Poland) the reminder is for
    count: int  # old cases
    queued: int  # e-mails written to the outbox by this run
    sent: int
    failed: int


@dataclass
class ClearSessionsJobInput:
    now: str | None = None  # ISO 8601 with offset; default: when the workflow started


@dataclass
class ClearSessionsInput:
    now: str


@dataclass
class ClearSessionsOutput:
    deleted: int | None  # None: the session engine does not store sessions in the database


@dataclass
class ClearSessionsResult:
    now: str
    deleted: int | None  # None: the session engine does not keep sessions in the database


def sending_status(emails_failed: int) -> RunStatus:
    """A reminder run's status: refused addresses need an admin's look, so they make the run partial."""
    return RunStatus.PARTIAL if emails_failed else RunStatus.SUCCESS


@dataclass
class HealthCheckResult:
    ok: bool
    db_ok: bool
    db_ms: float | None
    temporal_ok: bool
    temporal_ms: float | None
    error: str
    health_check_id: int | None


@dataclass
class SendOutboxInput:
    kinds: list[str] | None = None  # None: every pending e-mail


@dataclass
class SendSummary:
    sent: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)  # keys of rows marked failed (addresses masked)


@dataclass
class RunRecord:
    job: str
    workflow_id: str
    run_id: str
    started: str  # ISO 8601
    finished: str | None = None
    status: str = RunStatus.RUNNING
    summary: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    alert: bool = True  # False: the run's findings alert on their own (monitor), or a dry run


@dataclass
class RetentionInput:
    now: str | None = None  # ISO 8601 with offset; default: when the workflow started


@dataclass
class PurgeInput:
    now: str  # ISO 8601 with offset, fixed by the workflow


@dataclass
class RetentionResult:
    now: str
    deleted: dict[str, int] = field(default_factory=dict)  # rows deleted per kind
    scrubbed_emails: int = 0  # sent outbox rows whose address, subject and bodies were emptied
    batches: int = 0


# Workflows no job schedules: the watch (manage.py watch) starts its probe itself; registering a court case
# starts its court's lookup (poradnia.judgements.lookup).
UNSCHEDULED_WORKFLOWS = frozenset({"WatchProbeWorkflow", "CourtLookupWorkflow"})


@dataclass(frozen=True)
class RunInfo:
    """A run's identity, for its JobRun row and its activities (workflows/steps.py: in a workflow or inline)."""

    workflow_id: str
    run_id: str
    started: datetime


SUMMARY_DROP = {"planned", "groups_done"}  # long lists the workflow result in history keeps; JobRun needs none


def run_summary(result: Any) -> dict[str, Any]:
    """A run's result as the JobRun summary (the same for a workflow and an --inline run)."""

    def trim(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: trim(v) for k, v in value.items() if k not in SUMMARY_DROP}
        if isinstance(value, list):
            return [trim(v) for v in value]
        return value

    return trim(asdict(result)) if is_dataclass(result) else {"result": result}


# --- The job registry ------------------------------------------------------------------------------------

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
    max_run: timedelta = timedelta(hours=2)  # a run still going after this long is flagged by the watch

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
    max_run=timedelta(hours=6),  # every court's five 15-minute attempts, four courts at a time
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
    max_run=timedelta(hours=4),
)
HEALTH_CHECK = Job(
    id="health-check", workflow="HealthCheckWorkflow",
    description="Hourly round trip worker -> Temporal -> database, recorded under Monitoring",
    calendar=hourly(0), catchup_window=timedelta(hours=1),
)

RETENTION = Job(
    id="retention", workflow="RetentionWorkflow",
    description="Daily deletion of old run history, health checks, page stats and alerts; scrubs sent e-mails",
    calendar=at(3, 30), catchup_window=timedelta(days=1), input_type=RetentionInput,
)

JOBS: tuple[Job, ...] = (COURT_SESSIONS, EVENT_REMINDERS, OLD_CASES, CLEAR_SESSIONS, PARSER_MONITOR, HEALTH_CHECK,
                         RETENTION)


def job(job_id: str) -> Job:
    for entry in JOBS:
        if entry.id == job_id:
            return entry
    raise LookupError(f"unknown job {job_id!r}; known: {', '.join(j.id for j in JOBS)}")
