"""``manage.py send_old_cases_reminder [--inline] [--now ISO]``: e-mail the number of old cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from poradnia.cases.old_cases import OLD_CASES_KIND, queue_old_cases_reminder
from poradnia.jobcommand import JobCommand
from poradnia.monitoring.mail import send_and_watch
from workflows.reminders import OldCasesReminderInput, OldCasesReminderResult, OldCasesReminderWorkflow


class Command(JobCommand):
    help = "E-mail subscribers the number of cases old enough to delete (OldCasesReminderWorkflow)."
    job = "old-cases-reminder"

    def workflow_run(self) -> Callable[..., Any]:
        return OldCasesReminderWorkflow.run

    def workflow_input(self, now: str | None) -> OldCasesReminderInput:
        return OldCasesReminderInput(now=now)

    def run_inline(self, now: datetime) -> OldCasesReminderResult:
        queued = queue_old_cases_reminder(now)
        summary = send_and_watch(kinds=[OLD_CASES_KIND])
        return OldCasesReminderResult(now=now.isoformat(), month=queued.month, count=queued.count,
                                      queued=queued.queued, sent=summary.sent, failed=summary.failed)
