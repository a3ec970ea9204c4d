"""Every admin page of the project, as a Polish and as an English reader gets it.

Under ``pl`` (LANGUAGE_CODE; what a Polish browser asks for) no English source string of ours may remain:
each msgid of our catalogs that Polish translates is looked for, as a phrase, in the page's visible text
and its buttons. Under ``en`` (Accept-Language) the same pages speak English. The Background jobs pages
run against a real Temporal dev server with the declared schedules on it.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib import admin
from django.test import Client as DjangoClient
from django.test import RequestFactory
from django.utils import timezone

from devtools.devserver import TemporalDevServer
from poradnia.cases.models import Case, CaseStaff
from poradnia.events.models import Event, Reminder
from poradnia.judgements.models import Court, CourtCase, CourtSession, CourtSessionChange
from poradnia.monitoring.models import (
    Alert,
    CourtPageStat,
    HealthCheck,
    JobRun,
    WatchCheck,
    WatchCounter,
    WebhookDelivery,
)
from poradnia.monitoring.watch import (
    CheckResult,
    ProbeFacts,
    QueueFacts,
    ScheduleFacts,
    evaluate_backlog,
    evaluate_mail,
    evaluate_pollers,
    evaluate_runs,
    evaluate_schedules,
    evaluate_webhook,
)
from poradnia.outbox.models import OutboxEmail
from schedules.apply import apply_schedules
from tests.support.schedulesupport import connect_to
from tests.support.translations import messages

OUR_APPS = {"calendarfeed", "cases", "events", "judgements", "monitoring", "outbox", "users", "jobs"}
ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")
BUTTONS = ("submit", "button", "reset")


def visible(page: str) -> str:
    """What a person reads: the text outside scripts and styles, and the words on buttons and tooltips."""
    soup = BeautifulSoup(page, "lxml")
    for hidden in soup(["script", "style", "template", "noscript"]):
        hidden.decompose()
    # A run's record as stored: data under the contracts' field names (as in the Web UI), not words of ours;
    # the page words it above it (runsummary), which is checked.
    for record in soup.select("pre.raw-record"):
        record.decompose()
    words = [soup.get_text(" ")]
    for element in soup.find_all(True):
        words += [str(element[attribute]) for attribute in ATTRIBUTES if element.has_attr(attribute)]
        if element.name == "input" and element.get("type") in BUTTONS and element.has_attr("value"):
            words.append(str(element["value"]))
    if soup.title is not None:
        words.append(soup.title.get_text())
    return " ".join(" ".join(words).split())


def data(admin_user) -> None:
    """One row of every model of ours, so that every change page has something to show."""
    now = timezone.now()
    court = Court.objects.get(parser_key="WSA_Opole")
    case = Case.objects.create(name="Kowalska przeciwko Gminie", client=admin_user)
    CaseStaff.objects.create(case=case, user=admin_user)
    event = Event.objects.create(case=case, time=now + timedelta(days=3), text="Rozprawa", created_by=admin_user)
    Reminder.objects.create(event=event, user=admin_user)
    court_case = CourtCase.objects.create(court=court, signature="II SA/Op 1/26", case=case, created_by=admin_user)
    session = CourtSession.objects.create(court_case=court_case, event=event, parser_key=court.parser_key,
                                          date=event.time.date())
    CourtSessionChange.objects.create(court_session=session, court_case=court_case, signature="II SA/Op 1/26",
                                      kind=CourtSessionChange.Kind.CREATED, created=now)
    HealthCheck.objects.create(created=now, db_ms=1.5, temporal_ms=2.5, db_ok=True, temporal_ok=True)
    JobRun.objects.create(job="health-check", workflow_id="health-check-1", run_id="r1",
                          status=JobRun.Status.SUCCESS, started=now - timedelta(minutes=5), finished=now,
                          summary={"ok": True, "db_ok": True, "db_ms": 1.5, "temporal_ok": True, "temporal_ms": 2.5,
                                   "error": "", "health_check_id": 1})
    Alert.objects.create(dedupe_key="k", title="Poradnia", message="-", first_seen=now, last_seen=now)
    CourtPageStat.objects.create(court=court, run_id="r1", source=CourtPageStat.Source.SYNC, created=now)
    WebhookDelivery.objects.create(key="alert:k:1", alert_key="k", payload={}, next_attempt_at=now, created=now)
    for check in watch_checks(now):  # every check's line, one of them with findings and one that failed
        WatchCheck.objects.create(name=check.name, ok=check.ok, line=check.line(), details=check.details(),
                                  checked_at=now)
    WatchCounter.objects.create(key="skipped:health-check", since=now)
    OutboxEmail.objects.create(key="x", kind="event_reminder", to="anna@example.org", subject="Temat", body="Treść")


def watch_checks(now) -> list[CheckResult]:
    """A round of the watch with no worker, a terminated probe and a schedule missing: lines with findings."""
    empty = QueueFacts(pollers={}, backlog={"workflow": 0, "activity": 0}, backlog_age_s={})
    return [CheckResult("temporal", {"address": "temporal:7233"}), evaluate_pollers(empty, "poradnia", now),
            evaluate_backlog(empty, ProbeFacts(error="terminated"), "poradnia", now),
            evaluate_schedules([ScheduleFacts("retention", False), ScheduleFacts("event-reminders", True)], now),
            evaluate_mail(now), evaluate_webhook(now), evaluate_runs(now)]


def admin_pages(user) -> list[str]:
    """The admin's pages of our models: each list, each add form that may be used, each row's change page."""
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = ["/admin/", "/admin/calendar/", f"/admin/calendar/user/{user.pk}/",  # "My calendar", anyone's
             "/admin/auth/group/add/"]  # every permission, to pick from
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        if opts.app_label not in OUR_APPS or opts.app_label == "jobs":
            continue
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        pages += [base, f"/admin/{opts.app_label}/"]
        if model_admin.has_add_permission(request):
            pages.append(f"{base}add/")
        first = model.objects.order_by("pk").first()
        if first is not None:
            pages += [f"{base}{first.pk}/change/", f"{base}{first.pk}/history/", f"{base}{first.pk}/delete/"]
    return sorted(set(pages))


JOBS_PAGES = ["/admin/jobs/", "/admin/jobs/schedule/court-session-parser/pause/",
              "/admin/jobs/schedule/court-session-parser/unpause/", "/admin/jobs/schedule/health-check/trigger/",
              "/admin/jobs/schedule/court-session-parser/run/", "/admin/jobs/schedule/event-reminders/run/",
              "/admin/jobs/schedule/health-check/run/",
              "/admin/jobs/run/health-check-manual-20261201T000000-abcdef/"]  # a run the server does not know


@pytest.fixture
def declared(temporal_server: TemporalDevServer, schedule_namespace: str, task_queue: str) -> str:
    async def sync() -> None:
        client = await connect_to(temporal_server, schedule_namespace)
        await apply_schedules(client, task_queue=task_queue)
        await client.get_schedule_handle("court-session-parser").pause(note="przerwa")

    asyncio.run(sync())
    return schedule_namespace


def fetch(client: DjangoClient, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.mark.django_db
def test_every_admin_page_of_ours_speaks_polish(admin_client: DjangoClient, admin_user, declared: str) -> None:
    data(admin_user)
    translated = [m for m in messages() if m.translated and m.distinctive]
    assert len(translated) > 150  # the catalogs were read
    leftovers: dict[str, list[str]] = {}
    pages = admin_pages(admin_user) + JOBS_PAGES
    for url in pages:
        text = visible(fetch(admin_client, url, "pl"))
        found = [m.msgid for m in translated if m.pattern().search(text)]
        if found:
            leftovers[url] = found
    assert leftovers == {}, f"English left on Polish pages: {leftovers}"
    index = visible(fetch(admin_client, "/admin/", "pl"))
    for polish in ("Zadania w tle", "Stan systemu", "Workery", "Ostatnie przebiegi", "Otwarte alerty",
                   "Wysyłki webhooka", "Przebiegi zadań", "Posiedzenia sądowe", "Mój kalendarz"):
        assert polish in index, polish


@pytest.mark.django_db
def test_the_same_pages_speak_english_to_an_english_browser(admin_client: DjangoClient, admin_user,
                                                             declared: str) -> None:
    data(admin_user)
    index = visible(fetch(admin_client, "/admin/", "en"))
    for english in ("Background jobs", "System status", "Workers", "Last runs", "Open alerts", "Webhook deliveries",
                    "Job runs", "Court sessions", "Outbox e-mails", "My calendar"):
        assert english in index, english
    assert "Webhook deliverys" not in index and "Zadania w tle" not in index
    jobs = visible(fetch(admin_client, "/admin/jobs/", "en"))
    assert "Trigger now" in jobs and "Run now" in jobs and "daily at 23:10" in jobs and "Stan" not in jobs
    # No Polish translation of ours on any page an English reader opens.
    polish = [m for m in messages() if m.translated and len(m.msgstr) > 4]
    for url in admin_pages(admin_user) + JOBS_PAGES:
        text = visible(fetch(admin_client, url, "en"))
        # As words: "termin" (a deadline) is no leftover inside "terminated".
        assert not [m.msgstr for m in polish if re.search(rf"(?<!\w){re.escape(m.msgstr)}(?!\w)", text)], url


@pytest.mark.django_db
def test_permissions_are_picked_by_their_polish_names(admin_client: DjangoClient) -> None:
    """Django stores "Can add court session" in the database; the pickers word each permission when shown."""
    def options(language: str) -> set[str]:
        soup = BeautifulSoup(fetch(admin_client, "/admin/auth/group/add/", language), "lxml")
        return {" ".join(o.get_text().split()) for o in soup.select('select[name="permissions"] option')}

    polish = options("pl")
    assert len(polish) > 40
    assert "Posiedzenia sądowe | posiedzenie sądowe | dodawanie" in polish
    assert "Zadania w tle | harmonogram | Może wstrzymywać, wznawiać i uruchamiać harmonogramy" in polish, polish
    assert "Uwierzytelnienie i autoryzacja | grupa | podgląd" in polish, sorted(polish)  # Django's own apps too
    assert not [o for o in polish if "Can " in o]
    assert "Court sessions | court session | add" in options("en")


@pytest.mark.django_db
def test_records_the_system_writes_are_not_added_by_hand(admin_client: DjangoClient) -> None:
    """The jobs, the watch and the parser write these rows; an "Add" button for them only misleads."""
    for model in ("monitoring/jobrun", "monitoring/alert", "monitoring/watchcheck", "monitoring/healthcheck",
                  "monitoring/courtpagestat", "monitoring/webhookdelivery", "judgements/courtsessionchange"):
        assert admin_client.get(f"/admin/{model}/add/").status_code == 403, model
        assert f'href="/admin/{model}/add/"' not in fetch(admin_client, "/admin/", "pl"), model
    assert admin_client.get("/admin/judgements/courtcase/add/").status_code == 200  # what staff do add
