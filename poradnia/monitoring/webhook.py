"""The webhook channel: POST each pending ``WebhookDelivery`` to ALERT_WEBHOOK_URL, once.

Each row is first claimed by one conditional UPDATE (still pending and due: its next attempt moves a
lease ahead, longer than a POST may take), then POSTed outside any transaction, then marked with one
more UPDATE. No transaction is ever open across the network: on SQLite it would hold the database's
write lock for as long as a slow receiver takes, and every other writer would fail with "database is
locked". Two watch processes, a restart or a retry never POST a row another holds or has sent; the
one window for a duplicate is a crash after the receiver answered 2xx and before the row was marked.
The whole exchange (connect, send, answer) has one deadline, ALERT_WEBHOOK_TIMEOUT_S.

A connection error, a timeout, 429 or 5xx leaves the row pending with exponential backoff (15 s,
30 s, ... capped at 30 min) until ALERT_WEBHOOK_MAX_ATTEMPTS; another 4xx, or a URL refused by the
allow-list (ALERT_WEBHOOK_ALLOWED_HOSTS), marks it failed with the reason. The URL and every address
its host resolves to are checked exactly as for the court pages (``UrlPolicy`` and its guarded
session, with this setting), so the webhook cannot be pointed at an internal address. Redirects are
not followed: a redirect could lead past the allow-list.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from django.conf import settings

from poradnia.judgements.urlpolicy import Exchange, ForbiddenAddress, UrlPolicy, guarded_session

from .models import WebhookDelivery

log = logging.getLogger(__name__)
BACKOFF_INITIAL_S = 15.0
BACKOFF_MAX_S = 1800.0
LEASE_MARGIN_S = 60.0  # a claimed row's lease beyond the POST's deadline


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

    The whole exchange must end within ALERT_WEBHOOK_TIMEOUT_S (a receiver that answers a byte every few
    seconds never trips a per-read timeout). Raises requests' exceptions on connection trouble (a Timeout
    at the deadline), ``ForbiddenAddress`` for a refused address.
    """
    limit = settings.ALERT_WEBHOOK_TIMEOUT_S
    with Exchange(time.monotonic() + limit) as exchange:
        try:
            with guarded_session(webhook_policy()) as session:
                response = session.post(url, json=payload, timeout=limit, allow_redirects=False)
                response.content  # noqa: B018 - the body too, within the deadline
        except requests.RequestException as exc:
            if exchange.expired:
                raise requests.Timeout(f"no answer within the total deadline of {limit:g} s") from exc
            raise
        if exchange.expired:
            raise requests.Timeout(f"no answer within the total deadline of {limit:g} s")
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


def _claim(pk: int, now: datetime) -> WebhookDelivery | None:
    """The row, held for this sender by a lease, or None when it is sent or another sender holds it."""
    lease = timedelta(seconds=settings.ALERT_WEBHOOK_TIMEOUT_S + LEASE_MARGIN_S)
    claimed = WebhookDelivery.objects.filter(pk=pk, status=WebhookDelivery.Status.PENDING,
                                             next_attempt_at__lte=now).update(next_attempt_at=now + lease)
    return WebhookDelivery.objects.filter(pk=pk).first() if claimed else None


def _deliver_one(pk: int, url: str, refusal: str | None, now: datetime, post: Callable[[str, dict], int],
                 summary: DeliverySummary) -> None:
    row = _claim(pk, now)
    if row is None:
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
