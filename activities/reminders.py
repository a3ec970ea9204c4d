"""Activities of the reminder and cleanup jobs: thin wrappers around the domain functions.

Each takes the run's ``now`` from the workflow (ISO 8601 with offset) rather than reading the clock,
so a retry decides exactly as the first attempt did. Sending is not done here: the workflows run
the shared ``send_outbox`` activity afterwards.
"""

from __future__ import annotations

from dataclasses import asdict

from temporalio import activity

from poradnia.cases import old_cases
from poradnia.contracts import (
    ClearSessionsInput,
    ClearSessionsOutput,
    OldCasesQueued,
    QueueEventRemindersInput,
    QueueOldCasesInput,
    ReminderProgress,
    parse_aware,
)
from poradnia.events import reminders
from poradnia.users import sessions

__all__ = ["ClearSessionsInput", "QueueEventRemindersInput", "QueueOldCasesInput", "clear_expired_sessions",
           "queue_event_reminders", "queue_old_cases_reminder"]


@activity.defn(name="queue_event_reminders")
def queue_event_reminders(input: QueueEventRemindersInput) -> ReminderProgress:
    """Record and queue due reminders page by page, heartbeating progress after each page.

    A retried attempt resumes after the last page the previous attempt heartbeated (details come
    back as a plain dict); pages done after that heartbeat are redone harmlessly (idempotent writes),
    only their reminders then count as skipped rather than sent.
    """
    details = activity.info().heartbeat_details
    progress = ReminderProgress(**details[0]) if details else ReminderProgress()
    if details:
        activity.logger.info("resuming after event id %s", progress.last_event_id)
    return reminders.queue_event_reminders(
        parse_aware(input.now, "now"), progress=progress, page_size=input.page_size,
        on_page=lambda done: activity.heartbeat(asdict(done)),
    )


@activity.defn(name="queue_old_cases_reminder")
def queue_old_cases_reminder(input: QueueOldCasesInput) -> OldCasesQueued:
    return old_cases.queue_old_cases_reminder(parse_aware(input.now, "now"))


@activity.defn(name="clear_expired_sessions")
def clear_expired_sessions(input: ClearSessionsInput) -> ClearSessionsOutput:
    return ClearSessionsOutput(deleted=sessions.clear_expired_sessions(parse_aware(input.now, "now")))
