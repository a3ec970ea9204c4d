"""Reminder and cleanup jobs: event reminders, the monthly old-cases reminder, expired-session removal.

Each job's flow is written once over ``Steps`` (workflows/steps.py): the workflow runs it on Temporal, the
job's command with ``--inline`` in-process. Each fixes "now" once (``workflow.now()``, or ``now`` from its
input for a re-run of a given moment) and passes it to its activities, so a retry an hour later decides
exactly as the first attempt did. The reminder workflows first write the e-mails to the outbox (one transaction with the
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
    from workflows.steps import Steps, WorkflowSteps
    from workflows.tracking import tracked_run

__all__ = ["ClearSessionsJobInput", "ClearSessionsResult", "ClearSessionsWorkflow", "EventRemindersInput",
           "EventRemindersResult", "EventRemindersWorkflow", "OldCasesReminderInput", "OldCasesReminderResult",
           "OldCasesReminderWorkflow", "clear_sessions_run", "event_reminders_run", "old_cases_reminder_run",
           "run_time"]

# Database steps: a restarting database is back within minutes.
DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                       maximum_interval=timedelta(seconds=60), maximum_attempts=10)


def run_time(steps: Steps, value: str | None) -> datetime:
    """The run's fixed "now": the input's ISO 8601 timestamp (with offset) or the current time."""
    if not value:
        return steps.now()
    try:
        return parse_aware(value, "now")
    except InvalidTimestamp as exc:
        raise ApplicationError(str(exc), type="InvalidTimestamp", non_retryable=True) from None


async def event_reminders_run(steps: Steps, input: EventRemindersInput | None = None) -> EventRemindersResult:
    """Queue the due reminders, then send them; recorded in the job history."""
    return await tracked_run(steps, EVENT_REMINDERS.id, lambda: _event_reminders(steps, input or EventRemindersInput()),
                             lambda r: sending_status(r.emails_failed))


async def _event_reminders(steps: Steps, input: EventRemindersInput) -> EventRemindersResult:
    now = run_time(steps, input.now)
    queued = await steps.activity(
        "queue_event_reminders",
        QueueEventRemindersInput(now=now.isoformat(), page_size=input.page_size),
        result_type=ReminderProgress,
        # A page takes well under a second; a silent minute means the worker is gone.
        start_to_close_timeout=timedelta(hours=1), heartbeat_timeout=timedelta(seconds=60),
        retry_policy=DB_RETRY,
    )
    summary = await send_emails(steps, EmailKind.EVENT_REMINDER)
    return EventRemindersResult(now=now.isoformat(), events=queued.events, sent=queued.sent,
                                skipped=queued.skipped, emails_sent=summary.sent,
                                emails_failed=summary.failed)


async def old_cases_reminder_run(steps: Steps, input: OldCasesReminderInput | None = None
                                 ) -> OldCasesReminderResult:
    """Queue the month's old-cases count to its subscribers, then send it; recorded in the job history."""
    return await tracked_run(steps, OLD_CASES.id, lambda: _old_cases(steps, input or OldCasesReminderInput()),
                             lambda r: sending_status(r.failed))


async def _old_cases(steps: Steps, input: OldCasesReminderInput) -> OldCasesReminderResult:
    now = run_time(steps, input.now)
    queued = await steps.activity(
        "queue_old_cases_reminder", QueueOldCasesInput(now=now.isoformat()), result_type=OldCasesQueued,
        start_to_close_timeout=timedelta(minutes=10), retry_policy=DB_RETRY,
    )
    summary = await send_emails(steps, EmailKind.OLD_CASES)
    return OldCasesReminderResult(now=now.isoformat(), month=queued.month, count=queued.count,
                                  queued=queued.queued, sent=summary.sent, failed=summary.failed)


async def clear_sessions_run(steps: Steps, input: ClearSessionsJobInput | None = None) -> ClearSessionsResult:
    """Delete the login sessions expired by now; recorded in the job history."""
    return await tracked_run(steps, CLEAR_SESSIONS.id, lambda: _clear_sessions(steps, input or ClearSessionsJobInput()))


async def _clear_sessions(steps: Steps, input: ClearSessionsJobInput) -> ClearSessionsResult:
    now = run_time(steps, input.now)
    done = await steps.activity(
        "clear_expired_sessions", ClearSessionsInput(now=now.isoformat()), result_type=ClearSessionsOutput,
        start_to_close_timeout=timedelta(minutes=30), retry_policy=DB_RETRY,
    )
    return ClearSessionsResult(now=now.isoformat(), deleted=done.deleted)


@workflow.defn
class EventRemindersWorkflow:
    @workflow.run
    async def run(self, input: EventRemindersInput | None = None) -> EventRemindersResult:
        return await event_reminders_run(WorkflowSteps(), input)


@workflow.defn
class OldCasesReminderWorkflow:
    @workflow.run
    async def run(self, input: OldCasesReminderInput | None = None) -> OldCasesReminderResult:
        return await old_cases_reminder_run(WorkflowSteps(), input)


@workflow.defn
class ClearSessionsWorkflow:
    @workflow.run
    async def run(self, input: ClearSessionsJobInput | None = None) -> ClearSessionsResult:
        return await clear_sessions_run(WorkflowSteps(), input)
