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

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from poradnia.contracts import (
        CLEAR_SESSIONS,
        EVENT_REMINDERS,
        OLD_CASES,
        ClearSessionsInput,
        ClearSessionsJobInput,
        ClearSessionsOutput,
        ClearSessionsResult,
        EmailKind,
        EventRemindersInput,
        EventRemindersResult,
        InvalidTimestamp,
        OldCasesQueued,
        OldCasesReminderInput,
        OldCasesReminderResult,
        QueueEventRemindersInput,
        QueueOldCasesInput,
        ReminderProgress,
        parse_aware,
        sending_status,
    )
    from workflows.sending import send_emails
    from workflows.tracking import tracked_run

__all__ = ["ClearSessionsJobInput", "ClearSessionsResult", "ClearSessionsWorkflow", "EventRemindersInput",
           "EventRemindersResult", "EventRemindersWorkflow", "OldCasesReminderInput", "OldCasesReminderResult",
           "OldCasesReminderWorkflow", "run_time"]

# Database steps: a restarting database is back within minutes.
DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                       maximum_interval=timedelta(seconds=60), maximum_attempts=10)


def run_time(value: str | None) -> datetime:
    """The run's fixed "now": the input's ISO 8601 timestamp (with offset) or the workflow's start time."""
    if not value:
        return workflow.now()
    try:
        return parse_aware(value, "now")
    except InvalidTimestamp as exc:
        raise ApplicationError(str(exc), type="InvalidTimestamp", non_retryable=True) from None


@workflow.defn
class EventRemindersWorkflow:
    @workflow.run
    async def run(self, input: EventRemindersInput | None = None) -> EventRemindersResult:
        return await tracked_run(EVENT_REMINDERS.id, lambda: self._run(input or EventRemindersInput()),
                                 lambda r: sending_status(r.emails_failed))

    async def _run(self, input: EventRemindersInput) -> EventRemindersResult:
        now = run_time(input.now)
        queued = await workflow.execute_activity(
            "queue_event_reminders",
            QueueEventRemindersInput(now=now.isoformat(), page_size=input.page_size),
            result_type=ReminderProgress,
            # A page takes well under a second; a silent minute means the worker is gone.
            start_to_close_timeout=timedelta(hours=1), heartbeat_timeout=timedelta(seconds=60),
            retry_policy=DB_RETRY,
        )
        summary = await send_emails(EmailKind.EVENT_REMINDER)
        return EventRemindersResult(now=now.isoformat(), events=queued.events, sent=queued.sent,
                                    skipped=queued.skipped, emails_sent=summary.sent,
                                    emails_failed=summary.failed)


@workflow.defn
class OldCasesReminderWorkflow:
    @workflow.run
    async def run(self, input: OldCasesReminderInput | None = None) -> OldCasesReminderResult:
        return await tracked_run(OLD_CASES.id, lambda: self._run(input or OldCasesReminderInput()),
                                 lambda r: sending_status(r.failed))

    async def _run(self, input: OldCasesReminderInput) -> OldCasesReminderResult:
        now = run_time(input.now)
        queued = await workflow.execute_activity(
            "queue_old_cases_reminder", QueueOldCasesInput(now=now.isoformat()), result_type=OldCasesQueued,
            start_to_close_timeout=timedelta(minutes=10), retry_policy=DB_RETRY,
        )
        summary = await send_emails(EmailKind.OLD_CASES)
        return OldCasesReminderResult(now=now.isoformat(), month=queued.month, count=queued.count,
                                      queued=queued.queued, sent=summary.sent, failed=summary.failed)


@workflow.defn
class ClearSessionsWorkflow:
    @workflow.run
    async def run(self, input: ClearSessionsJobInput | None = None) -> ClearSessionsResult:
        return await tracked_run(CLEAR_SESSIONS.id, lambda: self._run(input or ClearSessionsJobInput()))

    async def _run(self, input: ClearSessionsJobInput) -> ClearSessionsResult:
        now = run_time(input.now)
        done = await workflow.execute_activity(
            "clear_expired_sessions", ClearSessionsInput(now=now.isoformat()), result_type=ClearSessionsOutput,
            start_to_close_timeout=timedelta(minutes=30), retry_policy=DB_RETRY,
        )
        return ClearSessionsResult(now=now.isoformat(), deleted=done.deleted)
