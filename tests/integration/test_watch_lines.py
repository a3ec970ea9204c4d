"""The watch's status lines as people read them: the admin's Watch checks and the status strip in the reader's
language, worded from what each check recorded; ``manage.py watch`` and the stored line stay English."""

from __future__ import annotations

import pytest
from django.test import Client as DjangoClient
from django.utils import timezone

from poradnia.monitoring.models import WatchCheck
from poradnia.monitoring.watch import CheckResult, apply, failed_check
from tests.integration.test_admin_language import fetch, visible
from tests.integration.test_watch_alert_mail import every_watch_finding

pytestmark = pytest.mark.django_db
WATCH_CHECKS = "/admin/monitoring/watchcheck/"


def a_round(settings) -> list[CheckResult]:
    """Every check with something found, as a round records them."""
    results = every_watch_finding(settings)
    apply(results, timezone.now())
    return results


def test_the_watch_checks_read_in_polish(admin_client: DjangoClient, settings) -> None:
    a_round(settings)
    text = visible(fetch(admin_client, WATCH_CHECKS, "pl"))
    for polish in (
        "ALARM: 0 workerów obsługuje kolejkę poradnia (przepływy: brak; czynności: brak) "
        "| Żaden worker nie obsługuje kolejki poradnia",
        "ALARM: zaległe zadania: przepływy 50, czynności 3; próba czeka 600 s",
        "| W kolejce poradnia czeka zadań: 50",
        "ALARM: retention: brak, court-session-parser: wstrzymany od 30,0 dni, event-reminders: aktywny",
        "| Harmonogramu retention nie ma w Temporalu",
        "ALARM: oczekujące: 1, oczekujące ponad 30 min: 1, odrzucone w ostatniej godzinie: 0",
        "| E-maile nie są wysyłane",
        "nieudane od ostatniej przyjętej przez hooks.example.org: 1",
        "ALARM: w toku: 1 | Zadanie „synchronizacja wokand” (court-session-parser) trwa dłużej niż 6 h",
        "ALARM: brak połączenia z Temporalem pod adresem temporal:7233: connection refused",
    ):
        assert polish in text, (polish, text[text.find("Wybierz kontrola") + 30:])
    for english in ("worker polling", "workers polling", "pending", "no worker polls", "ALERT", "missing", "active"):
        assert english not in text, english
    assert "secret-token" not in text


def test_the_same_lines_read_in_english_and_the_command_keeps_english(admin_client: DjangoClient, settings) -> None:
    results = a_round(settings)
    text = visible(fetch(admin_client, WATCH_CHECKS, "en"))
    assert ("ALERT: 0 workers polling task queue poradnia (workflow: none; activity: none) "
            "| no worker polls task queue poradnia") in text
    assert "retention missing, court-session-parser paused 30.0 d, event-reminders active" in text
    # What the command prints and the row keeps: English under the check's id, whatever the reader's language.
    pollers = next(r for r in results if r.name == "pollers")
    assert pollers.line().startswith("pollers: ALERT: 0 workers polling task queue poradnia")
    assert WatchCheck.objects.get(name="pollers").line == pollers.line()


def test_a_check_that_could_not_run_says_why_in_the_readers_language(admin_client: DjangoClient) -> None:
    now = timezone.now()
    apply([failed_check("backlog", RuntimeError("deadline exceeded")),
           CheckResult("schedules", {"unchecked": True}, failed=True)], now)
    text = visible(fetch(admin_client, WATCH_CHECKS, "pl"))
    assert "BŁĄD: sprawdzenie nie powiodło się: deadline exceeded" in text
    assert "BŁĄD: nie sprawdzono: Temporal nieosiągalny" in text
    assert WatchCheck.objects.get(name="backlog").line == "backlog: ERROR: check failed: deadline exceeded"


def test_the_status_strip_words_the_workers_line_for_its_reader(admin_client: DjangoClient) -> None:
    now = timezone.now()
    apply([CheckResult("pollers", {"task_queue": "poradnia", "workers": 2, "workflow": ["7@a", "8@b"],
                                   "activity": ["7@a", "8@b"]})], now)
    strip = visible(fetch(admin_client, "/admin/", "pl"))
    assert ("Workery w porządku: 2 workery obsługują kolejkę poradnia "
            "(przepływy: 7@a, 8@b; czynności: 7@a, 8@b)") in strip
    assert "2 workers polling task queue poradnia" in visible(fetch(admin_client, "/admin/", "en"))


def test_a_line_recorded_before_the_details_is_shown_as_it_was_stored(admin_client: DjangoClient) -> None:
    WatchCheck.objects.create(name="pollers", ok=True, checked_at=timezone.now(),
                              line="pollers: ok: 1 worker(s) polling task queue 'poradnia' (workflow: 7@w; ...)")
    assert "1 worker(s) polling task queue 'poradnia'" in visible(fetch(admin_client, WATCH_CHECKS, "pl"))


def test_an_alerts_page_words_it_as_its_email_does(admin_client: DjangoClient, settings) -> None:
    """The Alert's change page: title and message in the reader's language; the English record kept, folded."""
    from bs4 import BeautifulSoup

    from poradnia.monitoring.models import Alert

    a_round(settings)
    alert = Alert.objects.get(dedupe_key="watch:no-worker:poradnia")
    page = fetch(admin_client, f"/admin/monitoring/alert/{alert.pk}/change/", "pl")
    text = visible(page)
    assert "Żaden worker nie obsługuje kolejki poradnia" in text
    assert "no worker polls" not in text and "start the worker" not in text
    record = BeautifulSoup(page, "lxml").select_one("pre.raw-record").get_text()
    assert "no worker polls task queue poradnia" in record and "start the worker" in record
    english = visible(fetch(admin_client, f"/admin/monitoring/alert/{alert.pk}/change/", "en"))
    assert "no worker polls task queue poradnia" in english
