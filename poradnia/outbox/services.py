"""The e-mail outbox: record a fact once, send it once.

``enqueue`` is called inside the transaction that makes the change being reported, so the e-mail
exists exactly when the change does. ``send_pending`` sends each pending row in its own transaction
that holds the row (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's IMMEDIATE
transactions serialise writers), marks it sent and commits. Therefore:

* a retry, a re-run or a second sender running in parallel never sends a sent row again;
* a crash before the SMTP server accepted the message rolls the transaction back and the row stays
  pending for the next attempt: nothing is lost;
* the one window for a duplicate is a crash (or lost connection) after the SMTP server accepted the
  message and before the mark-sent commit: the row is still pending and is sent again. SMTP offers
  no way to close it (there is no transaction spanning our database and the mail server).

Temporary SMTP trouble (connection refused, timeouts, 4xx) raises ``TemporaryEmailError`` and leaves
the row pending so the caller retries with backoff; a permanent 5xx refusal marks only that row
failed with the reason, and the rest go out.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from poradnia.contracts import SendSummary

from .models import OutboxEmail
from .queueing import stored_headers


class TemporaryEmailError(Exception):
    """The mail server could not take the message now; the row stays pending."""


def enqueue(*, key: str, kind: str, to: str, subject: str, body: str, html_body: str = "",
            headers: dict[str, str] | None = None) -> bool:
    """Record an e-mail fact; returns False if that key already exists (idempotent) or ``to`` is empty.

    ``headers`` (e.g. the case's From and Reply-To) are stored with the row; see ``queueing.stored_headers``.
    """
    if not to or not to.strip():
        return False
    if OutboxEmail.objects.filter(key=key).exists():
        return False
    try:
        with transaction.atomic():
            OutboxEmail.objects.create(key=key, kind=kind, to=to, subject=subject[:255], body=body,
                                       html_body=html_body, headers=stored_headers(headers))
    except IntegrityError:  # a concurrent writer recorded the same fact first
        return False
    return True


def _smtp_code(exc: Exception) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return min(codes) if codes else None
    return getattr(exc, "smtp_code", None)


def _describe(exc: Exception) -> str:
    """The error without the recipient's address: it travels into Temporal's history and the logs."""
    code = _smtp_code(exc)
    if isinstance(exc, smtplib.SMTPException):
        return f"{type(exc).__name__}" + (f" (SMTP {code})" if code is not None else "")
    return f"{type(exc).__name__}: {exc}"  # socket errors name the server, not the recipient


def _classify(exc: Exception) -> str:
    """'permanent' for a 5xx refusal of this message, 'temporary' for everything else."""
    code = _smtp_code(exc)
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return "temporary"  # the server, not this message, is the problem
    if code is not None and 500 <= code < 600:
        return "permanent"
    return "temporary"


def send_pending(
    *,
    kinds: Iterable[str] | None = None,
    keys: Iterable[str] | None = None,
    batch_size: int = 100,
    on_progress: Callable[[SendSummary], None] | None = None,
    summary: SendSummary | None = None,
) -> SendSummary:
    """Send pending rows (optionally only some kinds / keys), oldest first, until none is left.

    ``summary`` carries the counts of an earlier attempt (from its heartbeat) so a retry reports the whole send.
    """
    summary = summary or SendSummary()
    base = OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING)
    if kinds is not None:
        base = base.filter(kind__in=list(kinds))
    if keys is not None:
        base = base.filter(key__in=list(keys))
    mail = get_connection(fail_silently=False)
    after_id = 0
    try:
        while True:
            ids = list(base.filter(id__gt=after_id).order_by("id").values_list("id", flat=True)[:batch_size])
            if not ids:
                return summary
            for pk in ids:
                after_id = pk
                _send_one(pk, mail, summary)
                if on_progress is not None:
                    on_progress(summary)
    finally:
        try:
            mail.close()
        except Exception:  # noqa: BLE001,S110 - closing a broken SMTP connection must not hide the real error
            pass


def _send_one(pk: int, mail, summary: SendSummary) -> None:
    with transaction.atomic():
        rows = OutboxEmail.objects.filter(pk=pk, status=OutboxEmail.Status.PENDING)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        row = rows.first()
        if row is None:  # sent meanwhile, or another sender holds it right now
            return
        headers = dict(row.headers or {})  # rows written before headers were stored have none
        message = EmailMultiAlternatives(row.subject, row.body, headers.pop("From", settings.DEFAULT_FROM_EMAIL),
                                         [row.to], connection=mail, headers=headers)
        if row.html_body:
            message.attach_alternative(row.html_body, "text/html")
        try:
            message.send()
        except Exception as exc:
            if _classify(exc) == "permanent":
                OutboxEmail.objects.filter(pk=pk).update(
                    status=OutboxEmail.Status.FAILED, attempts=row.attempts + 1, last_error=str(exc)[:2000]
                )
                summary.failed += 1
                summary.failures.append(row.key)
                return
            raise TemporaryEmailError(_describe(exc)) from exc
        OutboxEmail.objects.filter(pk=pk).update(
            status=OutboxEmail.Status.SENT, attempts=row.attempts + 1, sent_at=timezone.now(), last_error=""
        )
        summary.sent += 1
