"""Monthly reminder of cases old enough to be deleted (legacy ``send_old_cases_reminder``).

Rule: a case is old when its ``last_action`` is earlier than the first day of the current month
(in Europe/Warsaw, where the association works) minus ``YEARS_TO_STORE_CASES`` years. When there are
any, every active user with ``notify_old_cases`` and an e-mail address gets the count.

Idempotence: one outbox row per recipient and month, keyed ``old-cases:<YYYY-MM>:<user_id>``, so a
retried or repeated run in the same month queues nothing new, and a run in the next month reports
again. Sending is the outbox's separate step; a 5xx refusal marks only that recipient's row failed
(with the server's reason) and the others still go out. The one duplicate window is the outbox's
(crash after the SMTP server accepted a message, before the row is marked sent) - see the module
docstring of ``poradnia/outbox/services.py``.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from poradnia.contracts import WARSAW, EmailKind, OldCasesQueued
from poradnia.dates import long_date, month_year
from poradnia.mailtemplates import EmailTemplates, date_language
from poradnia.outbox.queueing import deliverable
from poradnia.outbox.services import enqueue
from poradnia.users.models import User

from .models import Case

OLD_CASES_KIND = EmailKind.OLD_CASES
TEMPLATES = "cases/email/old_cases"


def old_cases_cutoff(now: datetime) -> datetime:
    """First day of ``now``'s month in Poland, YEARS_TO_STORE_CASES years back (midnight, Polish time)."""
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(WARSAW)
    # Day 1 exists in every year, so moving the year back never fails (unlike 29 February).
    return datetime(local.year - settings.YEARS_TO_STORE_CASES, local.month, 1, tzinfo=WARSAW)


def old_cases(now: datetime) -> QuerySet[Case]:
    return Case.objects.filter(last_action__lt=old_cases_cutoff(now))


def queue_old_cases_reminder(now: datetime) -> OldCasesQueued:
    """Count the old cases and, if there are any, queue the month's e-mail to every subscriber."""
    local = now.astimezone(WARSAW)
    month = f"{local:%Y-%m}"
    cutoff = old_cases_cutoff(now)
    count = old_cases(now).count()
    queued = 0
    if count:
        message = EmailTemplates.load(TEMPLATES).render({
            "count": count, "cutoff": long_date(cutoff.date(), date_language()),
            "years": settings.YEARS_TO_STORE_CASES, "month": month_year(local.date(), date_language()),
        })
        recipients = deliverable(User.objects.filter(notify_old_cases=True))
        for user_id, email in recipients.order_by("id").values_list("id", "email"):
            queued += enqueue(key=f"old-cases:{month}:{user_id}", kind=OLD_CASES_KIND, to=email,
                              subject=message.subject, body=message.body, html_body=message.html_body)
    return OldCasesQueued(month=month, cutoff=cutoff.isoformat(), count=count, queued=queued)
