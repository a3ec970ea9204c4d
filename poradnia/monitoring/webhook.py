"""The webhook channel: POST each pending ``WebhookDelivery`` to ALERT_WEBHOOK_URL, once.

Like the outbox: each row is POSTed inside a transaction that holds it (``SELECT ... FOR UPDATE SKIP
LOCKED`` on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers) and is marked sent in
that transaction, so two watch processes, a restart or a retry never POST a sent row again. The one
window for a duplicate is a crash after the receiver answered 2xx and before the commit.

A connection error, a timeout, 429 or 5xx leaves the row pending with exponential backoff (15 s,
30 s, ... capped at 30 min) until ALERT_WEBHOOK_MAX_ATTEMPTS; another 4xx, or a URL refused by the
allow-list (ALERT_WEBHOOK_ALLOWED_HOSTS), marks it failed with the reason. The URL and every address
its host resolves to are checked exactly as for the court pages (``UrlPolicy`` and its guarded
session, with this setting), so the webhook cannot be pointed at an internal address. Redirects are
not followed: a redirect could lead past the allow-list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import connection, transaction

from poradnia.judgements.urlpolicy import ForbiddenAddress, UrlPolicy, guarded_session

from .models import WebhookDelivery

log = logging.getLogger(__name__)
BACKOFF_INITIAL_S = 15.0
BACKOFF_MAX_S = 1800.0


@dataclass
class DeliverySummary:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def webhook_policy() -> UrlPolicy:
    return UrlPolicy.of(settings.ALERT_WEBHOOK_ALLOWED_HOSTS, settings.ALERT_WEBHOOK_ALLOW_LOOPBACK,
                        setting="ALERT_WEBHOOK_ALLOWED_HOSTS")


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after ``attempts`` failed ones."""
    return timedelta(seconds=min(BACKOFF_INITIAL_S * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S))


def post_json(url: str, payload: dict) -> int:
    """POST through a session that connects only to addresses the policy allows; returns the status code.

    Raises requests' exceptions on connection trouble, ``ForbiddenAddress`` for a refused address.
    """
    with guarded_session(webhook_policy()) as session:
        response = session.post(url, json=payload, timeout=settings.ALERT_WEBHOOK_TIMEOUT_S, allow_redirects=False)
    return response.status_code


def deliver_pending(now: datetime, *, post: Callable[[str, dict], int] = post_json, limit: int = 100
                    ) -> DeliverySummary:
    """POST the rows that are due (oldest first, at most ``limit``)."""
    summary = DeliverySummary()
    url = settings.ALERT_WEBHOOK_URL
    due = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
    ids = list(due.order_by("id").values_list("id", flat=True)[:limit])
    refusal = webhook_policy().refusal(url) if url else "ALERT_WEBHOOK_URL is not set"
    for pk in ids:
        _deliver_one(pk, url, refusal, now, post, summary)
    return summary


def _deliver_one(pk: int, url: str, refusal: str | None, now: datetime, post: Callable[[str, dict], int],
                 summary: DeliverySummary) -> None:
    with transaction.atomic():
        rows = WebhookDelivery.objects.filter(pk=pk, status=WebhookDelivery.Status.PENDING)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        row = rows.first()
        if row is None:  # sent meanwhile, or another process holds it right now
            return
        attempts = row.attempts + 1
        if refusal:
            _fail(row, attempts, f"webhook URL refused: {refusal}", summary)
            return
        try:
            status = post(url, row.payload)
            error = "" if 200 <= status < 300 else f"HTTP {status}"
            retryable = status == 429 or status >= 500
        except ForbiddenAddress as exc:
            _fail(row, attempts, f"webhook URL refused: {exc}", summary)
            return
        except requests.RequestException as exc:
            error, retryable = f"{type(exc).__name__}: {exc}", True
        if not error:
            WebhookDelivery.objects.filter(pk=pk).update(status=WebhookDelivery.Status.SENT, attempts=attempts,
                                                         sent_at=now, last_error="")
            summary.sent += 1
            return
        if not retryable or attempts >= settings.ALERT_WEBHOOK_MAX_ATTEMPTS:
            _fail(row, attempts, error, summary)
            return
        WebhookDelivery.objects.filter(pk=pk).update(attempts=attempts, last_error=error[:2000],
                                                     next_attempt_at=now + backoff(attempts))
        summary.retrying += 1
        summary.errors.append(error)


def _fail(row: WebhookDelivery, attempts: int, error: str, summary: DeliverySummary) -> None:
    log.error("alert webhook %s failed: %s", row.key, error)
    WebhookDelivery.objects.filter(pk=row.pk).update(status=WebhookDelivery.Status.FAILED, attempts=attempts,
                                                     last_error=error[:2000])
    summary.failed += 1
    summary.errors.append(error)
