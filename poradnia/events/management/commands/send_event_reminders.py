"""``manage.py send_event_reminders [--inline] [--now ISO]``: e-mail due event reminders now."""

from __future__ import annotations

from typing import Any

from poradnia.contracts import EVENT_REMINDERS, EventRemindersInput, EventRemindersResult
from poradnia.jobs.command import TimedJobCommand


class Command(TimedJobCommand):
    help = "Remind case staff of upcoming events (EventRemindersWorkflow); prints the result as JSON."
    job = EVENT_REMINDERS
    result_type = EventRemindersResult

    def run_inline(self, job_input: EventRemindersInput, *, workflow_id: str, run_id: str) -> Any:
        from activities.inline import run_inline
        from workflows.reminders import event_reminders_run

        return run_inline(lambda steps: event_reminders_run(steps, job_input), workflow_id=workflow_id,
                          run_id=run_id)
