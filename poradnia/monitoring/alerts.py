"""Alerts: raised by a condition, sent to every channel once per cooldown, resolved when the condition clears.

Channels: ADMINS e-mail and, when ALERT_WEBHOOK_URL is set, a webhook POST. Each notification is
written as rows in the same transaction that counts it: outbox e-mails keyed
``alert:<dedupe key>:<n>:<address>`` and a ``WebhookDelivery`` keyed ``alert:<dedupe key>:<n>`` (n =
the alert's n-th notification), so a retried activity or a re-run never notifies twice and the
cooldown decides alone whether there is an n+1-th. The e-mail is rendered from
``monitoring/email/alert/`` (Polish, English fallback, text and autoescaped HTML); an empty address in
ADMINS is never mailed (``enqueue`` refuses it). The webhook gets the e-mail's subject, the alert's
text and its key; its rows are POSTed by ``poradnia.monitoring.webhook.deliver_pending`` (the watch
runs it every round), not through SMTP: the "mail is not going out" alert still reaches the operators.

``title`` and ``message`` are the alert's English record (the admin's *Alerts*). An alert raised
with a ``kind`` and its ``facts`` is worded, in its e-mail and webhook text, in the e-mail's language
by ``monitoring/email/alert/<language>/title.txt`` and ``message.txt``; a kind without a wording there
(or no kind) is sent with the English title and message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation

from poradnia.contracts import EmailKind
from poradnia.dates import long_datetime
from poradnia.mailtemplates import EmailTemplates, date_language, email_language, localised_template
from poradnia.outbox.services import enqueue

from .models import Alert, WebhookDelivery

ALERT_KIND = EmailKind.ALERT
TEMPLATES = "monitoring/email/alert"


class AlertKind(StrEnum):
    """What an alert is about: picks its wording in the e-mail's language (its ``facts`` fill it in)."""

    JOB_FAILED = "job_failed"  # facts: job, status, workflow_id, run_id, details
    PAGE_UNPARSABLE = "page_unparsable"  # facts: parser_key, court, url, error
    PAGE_DRIFT = "page_drift"  # facts: parser_key, court, url, rows, previous_rows, previous_date (None: no run)
    ROW_UNREADABLE = "row_unreadable"  # facts: parser_key, court, signature
    MAIL_DOWN = "mail_down"  # facts: error
    # The watch's findings (poradnia/monitoring/watch.py):
    NO_WORKER = "watch_no_worker"  # facts: task_queue, workers, min_workers, last_poll (None: none seen)
    BACKLOG = "watch_backlog"  # facts: task_queue, backlog, workflow, activity, max, age_s
    START_LATENCY = "watch_start_latency"  # facts: task_queue, waited_s, max_s
    SCHEDULE_MISSING = "watch_schedule_missing"  # facts: schedule
    SCHEDULE_PAUSED = "watch_schedule_paused"  # facts: schedule, days, since, note, max_days, by
    SCHEDULE_RUNS = "watch_schedule_runs"  # facts: schedule, what ("skipped" | "missed"), delta, at, total
    MAIL_STUCK = "watch_mail_stuck"  # facts: pending, stuck, stuck_min, refused, oldest, last_error
    TEMPORAL_DOWN = "watch_temporal_down"  # facts: address, namespace, reason
    WEBHOOK_FAILING = "watch_webhook"  # facts: host, pending, retrying, retried_min, failed, last_error
    RUN_STUCK = "watch_run_stuck"  # facts: job, runs, hours, workflow_id, run_id, since


@dataclass
class Raised:
    alert_id: int
    new: bool  # first seen, or seen again after it had been resolved
    emails_queued: int
    webhooks_queued: int = 0


def raise_alert(key: str, title: str, message: str, *, now: datetime,
                severity: str = Alert.Severity.ERROR, kind: str = "",
                facts: Mapping[str, object] | None = None) -> Raised:
    with transaction.atomic():
        try:
            with transaction.atomic():
                alert, created = Alert.objects.select_for_update().get_or_create(
                    dedupe_key=key,
                    defaults={"title": title, "message": message, "severity": severity,
                              "first_seen": now, "last_seen": now, "kind": kind, "facts": _json(facts)},
                )
        except IntegrityError:  # raised concurrently by another run
            alert, created = Alert.objects.select_for_update().get(dedupe_key=key), False
        new = created or alert.resolved_at is not None
        if not created:
            if alert.resolved_at is not None:
                alert.first_seen, alert.resolved_at, alert.occurrences = now, None, 0
            alert.title, alert.message, alert.severity = title, message, severity
            alert.kind, alert.facts = kind, _json(facts)
            alert.last_seen = max(alert.last_seen, now)
            alert.occurrences += 1
        queued = webhooks = 0
        cooldown = timedelta(seconds=settings.ALERT_COOLDOWN_S)
        if alert.last_emailed_at is None or now - alert.last_emailed_at >= cooldown:
            number = alert.email_count + 1
            worded_title, worded_message = _worded(kind, facts, title, message)
            rendered = EmailTemplates.load(TEMPLATES).render({
                "severity": alert.severity, "title": worded_title, "message": worded_message, "key": key,
                "first_seen": long_datetime(alert.first_seen, date_language()),
                "occurrences": alert.occurrences,
            })
            for _, address in settings.ADMINS:
                queued += enqueue(key=f"alert:{key}:{number}:{address}", kind=ALERT_KIND, to=address,
                                  subject=rendered.subject, body=rendered.body, html_body=rendered.html_body)
            if settings.ALERT_WEBHOOK_URL:
                webhooks += _queue_webhook(f"alert:{key}:{number}", key,
                                           webhook_text(rendered.subject, worded_message, key), now)
            alert.email_count, alert.last_emailed_at = number, now
        alert.save()
    return Raised(alert.pk, new, queued, webhooks)


def webhook_text(subject: str, message: str, key: str) -> str:
    """A chat message: the e-mail's subject, the alert's text and its key (short: no e-mail footer)."""
    return f"{subject}\n{message}\n({key})"


def _queue_webhook(delivery_key: str, alert_key: str, text: str, now: datetime) -> int:
    # {"text": ...} is the body Slack, Mattermost and matrix-hookshot incoming webhooks all accept.
    _, created = WebhookDelivery.objects.get_or_create(
        key=delivery_key,
        defaults={"alert_key": alert_key, "payload": {"text": text}, "created": now,
                  "next_attempt_at": now},
    )
    return int(created)


def _json(facts: Mapping[str, object] | None) -> dict[str, object]:
    """The facts as the JSON column keeps them (the moments in them are ISO strings already)."""
    return json.loads(json.dumps(dict(facts or {}), default=str))


def _worded(kind: str, facts: Mapping[str, object] | None, title: str, message: str,
            language: str | None = None) -> tuple[str, str]:
    """The title and message in the e-mail's language, or ``language`` (plain text: HTML escapes them)."""
    context = {"kind": kind, "facts": dict(facts or {}), "title": title, "message": message}
    with translation.override(language or date_language()):  # the facts' moments in the same language
        return _render(context, "title.txt", language), _render(context, "message.txt", language)


def _render(context: Mapping[str, object], name: str, language: str | None) -> str:
    """``title.txt`` folded to one line, ``message.txt`` as written."""
    text = localised_template(TEMPLATES, name, language).render(dict(context))
    return " ".join(text.split()) if name == "title.txt" else text.strip()


def _in_readers_language(name: str, kind: str, facts: Mapping[str, object] | None, title: str, message: str,
                         language: str | None) -> str:
    """One of the alert's texts in ``language``, or the active one (the admin's reader's)."""
    lang = (language or translation.get_language() or email_language()).split("-")[0]
    with translation.override(lang):
        return _render({"kind": kind, "facts": dict(facts or {}), "title": title, "message": message}, name, lang)


def worded_title_of(kind: str, facts: Mapping[str, object] | None, title: str, language: str | None = None) -> str:
    """An alert's title from its kind and facts, in ``language`` (the active one by default)."""
    return _in_readers_language("title.txt", kind, facts, title, "", language)


def worded_title(alert: Alert, language: str | None = None) -> str:
    """The alert's title as a person reads it in ``language`` (the active one by default): the admin's lists."""
    return worded_title_of(alert.kind, alert.facts, alert.title, language)


def worded_message(alert: Alert, language: str | None = None) -> str:
    """The alert's message as its e-mail words it, in ``language`` (the active one by default): its admin page."""
    return _in_readers_language("message.txt", alert.kind, alert.facts, alert.title, alert.message, language)


def resolve_alert(key: str, *, now: datetime) -> bool:
    """Mark the alert resolved; True if it was active."""
    return bool(Alert.objects.filter(dedupe_key=key, resolved_at__isnull=True).update(resolved_at=now))
