"""The watch's alerts as the operators receive them: worded in Polish per finding (English fallback).

Each finding the watch's checks can make, from given facts (no Temporal), raised by ``apply`` and sent to
a real SMTP receiver.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from devtools.smtp import SmtpReceiver
from poradnia.monitoring.alerts import ALERT_KIND
from poradnia.monitoring.models import Alert, JobRun, WebhookDelivery
from poradnia.monitoring.watch import (
    CheckResult,
    ProbeFacts,
    QueueFacts,
    ScheduleFacts,
    apply,
    evaluate_backlog,
    evaluate_mail,
    evaluate_pollers,
    evaluate_runs,
    evaluate_schedules,
    evaluate_webhook,
    temporal_failure,
)
from poradnia.outbox.models import OutboxEmail
from poradnia.outbox.services import send_pending

pytestmark = pytest.mark.django_db
ENGLISH_LEFTOVERS = ("worker(s) poll", "tasks wait", "waits", "is missing", "paused for", "run(s)", "does not answer",
                     "not going out", "Check", "Run:", "The ", "If the reason")


def every_watch_finding(settings) -> list[CheckResult]:
    settings.WATCH_MIN_WORKERS, settings.WATCH_BACKLOG_MAX, settings.WATCH_START_LATENCY_S = 1, 10, 60
    settings.WATCH_PAUSED_DAYS, settings.WATCH_OUTBOX_STUCK_MIN, settings.WATCH_EVENT_HOLD_S = 7, 30, 3600
    now = timezone.now()
    queue = QueueFacts(pollers={}, backlog={"workflow": 50, "activity": 3}, backlog_age_s={"workflow": 120.0})
    evaluate_schedules([ScheduleFacts("event-reminders", True, skipped_overlap=1)], now)  # the baseline
    schedules = evaluate_schedules([
        ScheduleFacts("retention", False),
        ScheduleFacts("court-session-parser", True, paused=True, note="przerwa techniczna",
                      last_updated_at=now - timedelta(days=30)),
        ScheduleFacts("event-reminders", True, skipped_overlap=3),
    ], now)
    row = OutboxEmail.objects.create(key="stuck", kind="event_reminder", to="lawyer@example.org", subject="s",
                                     body="b", last_error="451 4.3.0 Try later")
    OutboxEmail.objects.filter(pk=row.pk).update(created=now - timedelta(hours=2))
    settings.ALERT_WEBHOOK_URL = "https://hooks.example.org/services/secret-token"
    WebhookDelivery.objects.create(key="revoked", alert_key="a", payload={"text": "x"}, status="failed", attempts=1,
                                   next_attempt_at=now, created=now - timedelta(minutes=5), last_error="HTTP 410")
    JobRun.objects.create(job="court-session-parser", workflow_id="court-session-parser-x", run_id="r-stuck",
                          started=now - timedelta(hours=7))
    return [evaluate_runs(now), evaluate_pollers(queue, "poradnia", now), evaluate_webhook(now),
            evaluate_backlog(queue, ProbeFacts(running_since=now - timedelta(seconds=600)), "poradnia", now),
            schedules, evaluate_mail(now), temporal_failure(RuntimeError("connection refused"), "temporal:7233")]


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# "środa, 9 grudnia 2026 r., godz. 10:00"
POLISH_MOMENT = re.compile(r"\w+, \d{1,2} \w+ \d{4} r\., godz\. \d{1,2}:\d{2}")


def alert_mails(smtp: SmtpReceiver) -> dict[str, str]:
    send_pending(kinds=[ALERT_KIND])
    return {m.subject.strip(): m.part("text/plain").replace("\r\n", "\n") for m in smtp.messages}


def test_every_watch_alert_reads_in_polish(smtp: SmtpReceiver, settings) -> None:
    settings.ADMINS = [("Ops", "ops@example.org")]
    results = every_watch_finding(settings)
    apply(results, timezone.now())
    mails = alert_mails(smtp)

    assert set(mails) == {
        "[Poradnia błąd] Żaden worker nie obsługuje kolejki poradnia",
        "[Poradnia ostrzeżenie] W kolejce poradnia czeka zadań: 50",
        "[Poradnia ostrzeżenie] Praca czeka 600 s na workera w kolejce poradnia",
        "[Poradnia błąd] Harmonogramu retention nie ma w Temporalu",
        "[Poradnia ostrzeżenie] Harmonogram court-session-parser wstrzymany od 30,0 dni: przerwa techniczna",
        "[Poradnia ostrzeżenie] Harmonogram event-reminders: pominięte uruchomienia (poprzednie jeszcze trwało): 2",
        "[Poradnia błąd] E-maile nie są wysyłane",
        "[Poradnia błąd] Temporal pod adresem temporal:7233 nie odpowiada",
        "[Poradnia ostrzeżenie] Webhook alertów (hooks.example.org) nie przyjmuje wiadomości",
        "[Poradnia błąd] Zadanie „synchronizacja wokand” (court-session-parser) trwa dłużej niż 6 h",
    }
    # The dedupe keys and the admin's English record are the watch's own.
    assert Alert.objects.get(dedupe_key="watch:schedule:retention:missing").title == (
        "schedule retention is missing on Temporal")
    for subject, text in mails.items():
        for leftover in ENGLISH_LEFTOVERS:
            assert leftover not in text, (subject, leftover)
    assert ("Kolejka e-maili: oczekujących 1, w tym dłużej niż 30 min: 1; odrzuconych w ostatniej godzinie: 0; "
            "najstarszy czeka od: ") in mails["[Poradnia błąd] E-maile nie są wysyłane"]
    # Every moment in words, on Warsaw's clock (poradnia.dates): no ISO date, no UTC clock time.
    for subject, text in mails.items():
        assert not ISO_DATE.search(subject + text) and " UTC" not in text, (subject, text)
    assert POLISH_MOMENT.search(mails["[Poradnia błąd] E-maile nie są wysyłane"])
    paused = mails["[Poradnia ostrzeżenie] Harmonogram court-session-parser wstrzymany od 30,0 dni: przerwa techniczna"]
    assert "jest wstrzymany od: " in paused and POLISH_MOMENT.search(paused)
    assert "ostatni błąd: 451 4.3.0 Try later." in mails["[Poradnia błąd] E-maile nie są wysyłane"]
    assert "Uruchom: python manage.py apply_schedules" in mails[
        "[Poradnia błąd] Harmonogramu retention nie ma w Temporalu"]
    webhook = mails["[Poradnia ostrzeżenie] Webhook alertów (hooks.example.org) nie przyjmuje wiadomości"]
    assert "odrzuconych od ostatniej przyjętej: 1" in webhook and "ostatni błąd: HTTP 410." in webhook
    assert "secret-token" not in "".join(mails.values())  # a hook's path is its secret
    assert "(przestrzeń nazw default): connection refused." in mails[
        "[Poradnia błąd] Temporal pod adresem temporal:7233 nie odpowiada"]


def test_watch_alerts_fall_back_to_english(smtp: SmtpReceiver, settings) -> None:
    settings.ADMINS = [("Ops", "ops@example.org")]
    settings.LANGUAGE_CODE = "en-us"
    apply(every_watch_finding(settings), datetime.now(UTC))
    mails = alert_mails(smtp)
    assert set(mails) == {f"[Poradnia {a.severity}] {a.title}" for a in Alert.objects.all()}
    assert "[Poradnia error] no worker polls task queue poradnia" in mails
