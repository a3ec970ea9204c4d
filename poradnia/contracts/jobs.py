"""Reminder, cleanup, health and run-history contracts: the other jobs' inputs and results."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any

from .common import RunStatus

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
    failures: list[str] = field(default_factory=list)  # keys of rows marked failed


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
