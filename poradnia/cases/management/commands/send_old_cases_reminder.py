"""``manage.py send_old_cases_reminder [--inline] [--now ISO]``: e-mail the number of old cases."""

from __future__ import annotations

from typing import Any

from poradnia.contracts import OLD_CASES, OldCasesReminderInput, OldCasesReminderResult
from poradnia.jobs.command import TimedJobCommand


class Command(TimedJobCommand):
    help = "E-mail subscribers the number of cases old enough to delete (OldCasesReminderWorkflow)."
    job = OLD_CASES
    result_type = OldCasesReminderResult

    def run_inline(self, job_input: OldCasesReminderInput, *, workflow_id: str, run_id: str) -> Any:
        from activities.inline import run_inline
        from workflows.reminders import old_cases_reminder_run

        return run_inline(lambda steps: old_cases_reminder_run(steps, job_input), workflow_id=workflow_id,
                          run_id=run_id)
