"""``manage.py send_event_reminders [--inline] [--now ISO]``: e-mail due event reminders now."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from poradnia.events.reminders import REMINDER_KIND, queue_event_reminders
from poradnia.jobcommand import JobCommand
from poradnia.monitoring.mail import send_and_watch
from workflows.reminders import EventRemindersInput, EventRemindersResult, EventRemindersWorkflow


class Command(JobCommand):
    help = "Remind case staff of upcoming events (EventRemindersWorkflow); prints the result as JSON."
    job = "event-reminders"

    def workflow_run(self) -> Callable[..., Any]:
        return EventRemindersWorkflow.run

    def workflow_input(self, now: str | None) -> EventRemindersInput:
        return EventRemindersInput(now=now)

    def run_inline(self, now: datetime) -> EventRemindersResult:
        queued = queue_event_reminders(now)
        summary = send_and_watch(kinds=[REMINDER_KIND])
        return EventRemindersResult(now=now.isoformat(), events=queued.events, sent=queued.sent,
                                    skipped=queued.skipped, emails_sent=summary.sent,
                                    emails_failed=summary.failed)
