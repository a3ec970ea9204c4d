"""``manage.py send_event_reminders [--inline] [--now ISO]``: e-mail due event reminders now."""

from __future__ import annotations

from datetime import datetime

from poradnia.contracts import EVENT_REMINDERS, EventRemindersResult, sending_status
from poradnia.events.reminders import REMINDER_KIND, queue_event_reminders
from poradnia.jobs.command import TimedJobCommand
from poradnia.monitoring.mail import send_and_watch


class Command(TimedJobCommand):
    help = "Remind case staff of upcoming events (EventRemindersWorkflow); prints the result as JSON."
    job = EVENT_REMINDERS
    result_type = EventRemindersResult

    def status_of(self, result: EventRemindersResult) -> str:
        return sending_status(result.emails_failed)

    def run_at(self, now: datetime) -> EventRemindersResult:
        queued = queue_event_reminders(now)
        summary = send_and_watch(kinds=[REMINDER_KIND])
        return EventRemindersResult(now=now.isoformat(), events=queued.events, sent=queued.sent,
                                    skipped=queued.skipped, emails_sent=summary.sent,
                                    emails_failed=summary.failed)
