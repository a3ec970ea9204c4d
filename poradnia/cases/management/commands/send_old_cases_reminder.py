"""``manage.py send_old_cases_reminder [--inline] [--now ISO]``: e-mail the number of old cases."""

from __future__ import annotations

from datetime import datetime

from poradnia.cases.old_cases import OLD_CASES_KIND, queue_old_cases_reminder
from poradnia.contracts import OLD_CASES, OldCasesReminderResult, sending_status
from poradnia.jobs.command import TimedJobCommand
from poradnia.monitoring.mail import send_and_watch


class Command(TimedJobCommand):
    help = "E-mail subscribers the number of cases old enough to delete (OldCasesReminderWorkflow)."
    job = OLD_CASES
    result_type = OldCasesReminderResult

    def status_of(self, result: OldCasesReminderResult) -> str:
        return sending_status(result.failed)

    def run_at(self, now: datetime) -> OldCasesReminderResult:
        queued = queue_old_cases_reminder(now)
        summary = send_and_watch(kinds=[OLD_CASES_KIND])
        return OldCasesReminderResult(now=now.isoformat(), month=queued.month, count=queued.count,
                                      queued=queued.queued, sent=summary.sent, failed=summary.failed)
