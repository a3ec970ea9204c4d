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


def test_a_burst_of_refusals_is_a_mail_outage(settings) -> None:
    settings.WATCH_OUTBOX_FAILED_BURST = 3
    for i in range(2):
        OutboxEmail.objects.create(key=f"k{i}", kind="reminder", to="a@example.org", subject="s", body="b",
                                   status="failed", failed_at=datetime.now(UTC))
    OutboxEmail.objects.create(key="old", kind="reminder", to="a@example.org", subject="s", body="b", status="failed",
                               failed_at=datetime.now(UTC) - timedelta(hours=2))  # not part of this burst
    now = datetime.now(UTC)
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
