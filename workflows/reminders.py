"""Reminder and cleanup jobs: event reminders, the monthly old-cases reminder, expired-session removal.

Each workflow fixes "now" once (``workflow.now()``, or ``now`` from its input for a re-run of a given
moment) and passes it to its activities, so a retry an hour later decides exactly as the first
attempt did. The reminder workflows first write the e-mails to the outbox (one transaction with the
facts they report) and then run ``send_outbox`` for their kind, which retries with backoff while the
mail server is unreachable. Re-running a workflow sends nothing twice; the one duplicate window is
the outbox's, documented in ``poradnia/outbox/services.py``.

Every input field is optional, so ``temporal workflow start --type EventRemindersWorkflow`` works
without ``--input``. Each run is recorded in the job-run history (``tracked_run``); a run in which
the mail server refused an address for good ends ``completed_partial``, which alerts the admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.reminders import (
        ClearSessionsInput,
        QueueEventRemindersInput,
        QueueOldCasesInput,
        clear_expired_sessions_activity,
        queue_event_reminders_activity,
        queue_old_cases_reminder_activity,
    )
    from poradnia.cases.old_cases import OLD_CASES_KIND
    from poradnia.events.reminders import PAGE_SIZE, REMINDER_KIND
    from workflows.sending import send_emails
    from workflows.tracking import tracked_run

# Database steps: a restarting database is back within minutes.
DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                       maximum_interval=timedelta(seconds=60), maximum_attempts=10)


def run_time(value: str | None) -> datetime:
    """The run's fixed "now": the input's ISO 8601 timestamp (with offset) or the workflow's start time."""
    if not value:
        return workflow.now()
    try:
        now = datetime.fromisoformat(value)
    except ValueError:
        raise ApplicationError(f"now={value!r} is not an ISO 8601 timestamp", non_retryable=True) from None
    if now.tzinfo is None:
        raise ApplicationError(f"now={value!r} needs a UTC offset, e.g. 2025-06-01T08:00:00+02:00",
                               non_retryable=True)
    return now


def status_of(emails_failed: int) -> str:
    """The run's history status: refused addresses need an admin's look, so they make the run partial."""
    return "completed_partial" if emails_failed else "completed_success"


@dataclass
class EventRemindersInput:
    now: str | None = None  # ISO 8601 with offset; default: when the workflow started
    page_size: int = PAGE_SIZE


@dataclass
class EventRemindersResult:
    now: str
    events: int  # candidate events examined
    sent: int  # reminders recorded and queued by this run
    skipped: int  # due reminders not sent again: already reminded, or the event is completed
    emails_sent: int  # outbox e-mails of this kind the sending step delivered
    emails_failed: int  # ... and the ones the mail server refused for good (5xx)


@workflow.defn
class EventRemindersWorkflow:
    @workflow.run
    async def run(self, input: EventRemindersInput | None = None) -> EventRemindersResult:
        return await tracked_run("event-reminders", lambda: self._run(input or EventRemindersInput()),
                                 lambda r: status_of(r.emails_failed))

    async def _run(self, input: EventRemindersInput) -> EventRemindersResult:
        now = run_time(input.now)
        queued = await workflow.execute_activity(
            queue_event_reminders_activity,
            QueueEventRemindersInput(now=now.isoformat(), page_size=input.page_size),
            # A page takes well under a second; a silent minute means the worker is gone.
            start_to_close_timeout=timedelta(hours=1), heartbeat_timeout=timedelta(seconds=60),
            retry_policy=DB_RETRY,
        )
        summary = await send_emails(REMINDER_KIND)
        return EventRemindersResult(now=now.isoformat(), events=queued.events, sent=queued.sent,
                                    skipped=queued.skipped, emails_sent=summary.sent,
                                    emails_failed=summary.failed)


@dataclass
class OldCasesReminderInput:
    now: str | None = None  # ISO 8601 with offset; default: when the workflow started


@dataclass
class OldCasesReminderResult:
    now: str
    month: str  # YYYY-MM (Poland) the reminder is for
    count: int  # old cases
    queued: int  # e-mails written to the outbox by this run
    sent: int
    failed: int


@workflow.defn
class OldCasesReminderWorkflow:
    @workflow.run
    async def run(self, input: OldCasesReminderInput | None = None) -> OldCasesReminderResult:
        return await tracked_run("old-cases-reminder", lambda: self._run(input or OldCasesReminderInput()),
                                 lambda r: status_of(r.failed))

    async def _run(self, input: OldCasesReminderInput) -> OldCasesReminderResult:
        now = run_time(input.now)
        queued = await workflow.execute_activity(
            queue_old_cases_reminder_activity, QueueOldCasesInput(now=now.isoformat()),
            start_to_close_timeout=timedelta(minutes=10), retry_policy=DB_RETRY,
        )
        summary = await send_emails(OLD_CASES_KIND)
        return OldCasesReminderResult(now=now.isoformat(), month=queued.month, count=queued.count,
                                      queued=queued.queued, sent=summary.sent, failed=summary.failed)


@dataclass
class ClearSessionsJobInput:
    now: str | None = None  # ISO 8601 with offset; default: when the workflow started


@dataclass
class ClearSessionsResult:
    now: str
    deleted: int | None  # None: the session engine does not keep sessions in the database


@workflow.defn
class ClearSessionsWorkflow:
    @workflow.run
    async def run(self, input: ClearSessionsJobInput | None = None) -> ClearSessionsResult:
        return await tracked_run("clear-sessions", lambda: self._run(input or ClearSessionsJobInput()))

    async def _run(self, input: ClearSessionsJobInput) -> ClearSessionsResult:
        now = run_time(input.now)
        done = await workflow.execute_activity(
            clear_expired_sessions_activity, ClearSessionsInput(now=now.isoformat()),
            start_to_close_timeout=timedelta(minutes=30), retry_policy=DB_RETRY,
        )
        return ClearSessionsResult(now=now.isoformat(), deleted=done.deleted)
