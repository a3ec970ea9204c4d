"""The watch's rules on given facts (no Temporal): skipped / missed runs, the poller threshold, mail bursts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from poradnia.monitoring.models import Alert
from poradnia.monitoring.watch import (
    MAIL_ALERT_KEY,
    QueueFacts,
    ScheduleFacts,
    apply,
    evaluate_mail,
    evaluate_pollers,
    evaluate_schedules,
)
from poradnia.outbox.models import OutboxEmail

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def facts(skipped: int = 0, missed: int = 0) -> list[ScheduleFacts]:
    return [ScheduleFacts("court-session-parser", True, skipped_overlap=skipped, missed_catchup=missed,
                          last_updated_at=NOW - timedelta(days=30))]


def keys(result) -> list[str]:
    return [f.key for f in result.findings]


def test_skipped_and_missed_runs_alert_from_the_next_increase_for_the_hold_time(settings) -> None:
    settings.WATCH_EVENT_HOLD_S = 3600
    first = evaluate_schedules(facts(skipped=4, missed=1), NOW)  # history before the watch is the baseline
    assert first.findings == [] and first.summary == "court-session-parser active"
    later = evaluate_schedules(facts(skipped=6, missed=1), NOW + timedelta(minutes=5))
    assert keys(later) == ["watch:schedule:court-session-parser:skipped"]
    assert later.findings[0].title == ("schedule court-session-parser: 2 run(s) skipped because the previous run "
                                       "was still going")
    apply([later], NOW + timedelta(minutes=5))
    held = evaluate_schedules(facts(skipped=6, missed=2), NOW + timedelta(minutes=30))
    assert keys(held) == ["watch:schedule:court-session-parser:skipped", "watch:schedule:court-session-parser:missed"]
    apply([held], NOW + timedelta(minutes=30))
    gone = evaluate_schedules(facts(skipped=6, missed=2), NOW + timedelta(hours=2))
    assert gone.findings == []
    apply([gone], NOW + timedelta(hours=2))
    assert not Alert.objects.filter(resolved_at__isnull=True).exists()
    assert Alert.objects.count() == 2


def test_missing_schedule_and_stale_pollers(settings) -> None:
    assert keys(evaluate_schedules([ScheduleFacts("retention", False)], NOW)) == ["watch:schedule:retention:missing"]
    settings.WATCH_POLLER_STALE_S = 60
    settings.WATCH_MIN_WORKERS = 2
    queue = QueueFacts(pollers={"workflow": [("1@a", NOW - timedelta(seconds=5)), ("2@b", NOW - timedelta(minutes=5))],
                                "activity": [("1@a", NOW - timedelta(seconds=5)), ("2@b", NOW)]},
                       backlog={}, backlog_age_s={})
    result = evaluate_pollers(queue, "poradnia", NOW)
    assert result.findings[0].title == "only 1 worker(s) poll task queue poradnia"  # 2@b stopped polling workflows
    settings.WATCH_MIN_WORKERS = 1
    assert evaluate_pollers(queue, "poradnia", NOW).findings == []


def test_a_burst_of_refusals_is_a_mail_outage(settings, now: datetime) -> None:
    settings.WATCH_OUTBOX_FAILED_BURST = 3
    for i in range(2):
        OutboxEmail.objects.create(key=f"k{i}", kind="reminder", to="a@example.org", subject="s", body="b",
                                   status="failed", failed_at=now)
    OutboxEmail.objects.create(key="old", kind="reminder", to="a@example.org", subject="s", body="b", status="failed",
                               failed_at=now - timedelta(hours=2))  # not part of this burst
    assert evaluate_mail(now).findings == []
    OutboxEmail.objects.create(key="k3", kind="reminder", to="a@example.org", subject="s", body="b", status="failed",
                               failed_at=now)
    assert keys(evaluate_mail(now)) == [MAIL_ALERT_KEY]


def test_the_outbox_raised_mail_alert_stays_open_until_an_email_goes_out(settings) -> None:
    from django.utils import timezone

    from poradnia.monitoring.alerts import raise_alert

    settings.WATCH_OUTBOX_STUCK_MIN = 30
    now = timezone.now()
    OutboxEmail.objects.create(key="fresh", kind="reminder", to="a@example.org", subject="s", body="b")
    raise_alert(MAIL_ALERT_KEY, "E-mail is not going out", "the relay refuses us", now=now)  # the sending step's
    quiet = evaluate_mail(now)
    assert quiet.findings == [] and quiet.keep == {MAIL_ALERT_KEY}  # nothing stuck yet is no proof mail works
    apply([quiet], now)
    assert Alert.objects.get(dedupe_key=MAIL_ALERT_KEY).active
    OutboxEmail.objects.filter(key="fresh").update(status="sent", sent_at=now + timedelta(seconds=1))
    OutboxEmail.objects.create(key="next", kind="reminder", to="a@example.org", subject="s", body="b")
    apply([evaluate_mail(now + timedelta(seconds=2))], now + timedelta(seconds=2))
    assert not Alert.objects.get(dedupe_key=MAIL_ALERT_KEY).active


def test_a_failing_webhook_is_alerted_and_resolves_when_it_takes_a_post_again(settings) -> None:
    from poradnia.monitoring.models import WebhookDelivery
    from poradnia.monitoring.watch import WEBHOOK_ALERT_KEY, evaluate_webhook

    settings.ALERT_WEBHOOK_URL = ""
    assert evaluate_webhook(NOW).summary == "off (ALERT_WEBHOOK_URL not set)"
    settings.ALERT_WEBHOOK_URL = "https://hooks.slack.com/services/T0/B0/secret-token"

    def row(key: str, status: str, attempts: int = 1, created: datetime = NOW, **fields) -> None:
        WebhookDelivery.objects.create(key=key, alert_key="a", payload={"text": "x"}, status=status,
                                       attempts=attempts, next_attempt_at=created, created=created, **fields)

    row("sent", "sent", sent_at=NOW - timedelta(hours=3), created=NOW - timedelta(hours=3))
    row("old-failure", "failed", created=NOW - timedelta(hours=4), last_error="HTTP 404")  # before the last success
    row("retried-once", "pending", attempts=1)  # one 503: not news yet
    ok = evaluate_webhook(NOW)
    assert ok.findings == [] and ok.summary == (
        "pending: 1, retried 3+ times: 0, failed since hooks.slack.com last accepted one: 0")

    row("revoked", "failed", created=NOW - timedelta(hours=1), last_error="HTTP 410")
    result = evaluate_webhook(NOW)
    assert keys(result) == [WEBHOOK_ALERT_KEY]
    finding = result.findings[0]
    assert finding.title == "the alert webhook at hooks.slack.com is failing" and "HTTP 410" in finding.message
    assert "secret-token" not in finding.title + finding.message + result.line()
    apply([result], NOW)
    assert Alert.objects.get(dedupe_key=WEBHOOK_ALERT_KEY).active

    WebhookDelivery.objects.filter(key="revoked").delete()
    WebhookDelivery.objects.filter(key="retried-once").update(attempts=3, last_error="ConnectionError: refused")
    assert "ConnectionError: refused" in evaluate_webhook(NOW).findings[0].message  # retried for minutes: news

    WebhookDelivery.objects.filter(key="retried-once").update(status="sent", sent_at=NOW)  # it took one again
    row("failed-before-that", "failed", created=NOW - timedelta(minutes=1))
    later = evaluate_webhook(NOW + timedelta(minutes=5))
    assert later.findings == []
    apply([later], NOW + timedelta(minutes=5))
    assert not Alert.objects.get(dedupe_key=WEBHOOK_ALERT_KEY).active
