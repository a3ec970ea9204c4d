"""Retention: old monitoring rows are deleted, sent e-mails lose their personal data.

Deleted when older than their setting (days): ``JobRun`` (RETENTION_JOBRUN_DAYS, by start),
``HealthCheck`` (RETENTION_HEALTHCHECK_DAYS), ``CourtPageStat`` (RETENTION_COURTPAGESTAT_DAYS),
resolved ``Alert`` rows (RETENTION_ALERT_DAYS, by resolution; an open alert is never deleted) and
finished webhook deliveries (the same). Sent outbox rows older than OUTBOX_SCRUB_DAYS keep their key
(which makes re-sending impossible), kind and status, and lose their address, subject, bodies and headers:
they hold case names and personal data.

Everything goes in batches of ``batch_size`` primary keys: one SELECT of the keys and one DELETE (or
UPDATE) per batch, each batch its own transaction, so memory and the SQL per batch stay bounded
whatever the table size, and an interrupted purge resumes where it stopped (it is idempotent).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction

from poradnia.contracts import RetentionResult
from poradnia.outbox.models import OutboxEmail

from .models import Alert, CourtPageStat, HealthCheck, JobRun, WebhookDelivery

BATCH_SIZE = 1000


def _targets(now: datetime) -> list[tuple[str, models.QuerySet]]:
    days = timedelta(days=1)
    alert_cutoff = now - settings.RETENTION_ALERT_DAYS * days
    return [
        ("job_runs", JobRun.objects.filter(started__lt=now - settings.RETENTION_JOBRUN_DAYS * days)),
        ("health_checks", HealthCheck.objects.filter(created__lt=now - settings.RETENTION_HEALTHCHECK_DAYS * days)),
        ("court_page_stats",
         CourtPageStat.objects.filter(created__lt=now - settings.RETENTION_COURTPAGESTAT_DAYS * days)),
        ("resolved_alerts", Alert.objects.filter(resolved_at__isnull=False, resolved_at__lt=alert_cutoff)),
        ("webhook_deliveries", WebhookDelivery.objects.exclude(status=WebhookDelivery.Status.PENDING)
         .filter(created__lt=alert_cutoff)),
    ]


def _scrub_target(now: datetime) -> models.QuerySet:
    return (OutboxEmail.objects.filter(status=OutboxEmail.Status.SENT,
                                       sent_at__lt=now - timedelta(days=settings.OUTBOX_SCRUB_DAYS))
            .exclude(to=""))  # a sent row has an address until it is scrubbed


def _batches(queryset: models.QuerySet, batch_size: int, apply: Callable[[list[int]], int],
             on_batch: Callable[[], None] | None, result: RetentionResult) -> int:
    done = 0
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                return done
            done += apply(ids)
        result.batches += 1
        if on_batch is not None:
            on_batch()


def purge(now: datetime, *, batch_size: int = BATCH_SIZE, on_batch: Callable[[], None] | None = None
          ) -> RetentionResult:
    """Delete and scrub what is past its retention at ``now``; ``on_batch`` is called after each batch."""
    result = RetentionResult(now=now.isoformat())
    for name, queryset in _targets(now):
        model = queryset.model

        def delete(ids: list[int], model: type[models.Model] = model) -> int:
            # No relation points at these models: Django deletes with one DELETE ... WHERE id IN (...).
            return model.objects.filter(pk__in=ids).delete()[0]

        result.deleted[name] = _batches(queryset, batch_size, delete, on_batch, result)

    def scrub(ids: list[int]) -> int:
        return OutboxEmail.objects.filter(pk__in=ids).update(to="", subject="", body="", html_body="", headers={},
                                                             last_error="")

    result.scrubbed_emails = _batches(_scrub_target(now), batch_size, scrub, on_batch, result)
    return result
