""""Run now..." on the Background jobs page: permissions (Django test client) and a dry run in headless Chromium."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission

from poradnia.contracts import WARSAW
from poradnia.dates import long_datetime
from poradnia.jobs.run_now import RunForm, find_job

PAGE = "/admin/jobs/"


def run_url(schedule_id: str) -> str:
    return f"{PAGE}schedule/{schedule_id}/run/"


@pytest.fixture
def operator(django_user_model):
    user = django_user_model.objects.create_user("operator", password="operator-pass-1", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="operate_schedules"))
    return user


@pytest.mark.django_db
def test_staff_without_the_permission_cannot_open_or_post_the_form(client, django_user_model) -> None:
    staff = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(run_url("court-session-parser")).status_code == 403
    assert client.post(run_url("court-session-parser"), {"dry_run": "on"}).status_code == 403
    assert client.get(f"{PAGE}run/court-session-parser-manual-20261201T000000-abcdef/").status_code == 403
    assert LogEntry.objects.count() == 0
    client.logout()
    assert client.get(run_url("court-session-parser")).status_code == 302  # to the login page


@pytest.mark.django_db
def test_the_form_offers_the_jobs_own_options(client, operator) -> None:
    client.force_login(operator)
    page = client.get(run_url("court-session-parser")).content.decode()
    assert 'name="parser_key"' in page and 'name="dry_run"' in page and 'value="WSA_Opole"' in page
    assert 'name="now"' not in page
    page = client.get(run_url("event-reminders")).content.decode()
    assert 'name="now"' in page and 'name="dry_run"' not in page
    assert "To zadanie nie ma opcji" in client.get(run_url("health-check")).content.decode()
    assert client.get(run_url("not-a-schedule")).status_code == 404
    assert client.get(f"{PAGE}run/someone-elses-workflow/").status_code == 404

    bad = client.post(run_url("event-reminders"), {"now": "2026-12-02T06:00"})  # no offset
    assert bad.status_code == 200 and "Podaj też przesunięcie względem UTC, np. 2026-12-09T10:00+01:00." in (
        bad.content.decode())
    assert "Give the offset from UTC too" in client.post(run_url("event-reminders"), {"now": "2026-12-02T06:00"},
                                                         HTTP_ACCEPT_LANGUAGE="en").content.decode()
    garbled = client.post(run_url("event-reminders"), {"now": "wczoraj"}).content.decode()
    assert "To nie jest data i godzina: zapisz ją jako 2026-12-09T10:00+01:00." in garbled
    assert LogEntry.objects.count() == 0

    form = RunForm(find_job("court-session-parser"), {"parser_key": "WSA_Opole", "dry_run": "on"})
    assert form.is_valid()
    job = form.job_input(find_job("court-session-parser"))
    assert (job.parser_key, job.dry_run, job.court_ids) == ("WSA_Opole", True, None)


@pytest.mark.django_db
@pytest.mark.parametrize("days", [-40, 3, None])
def test_a_now_outside_the_window_around_the_real_clock_is_refused_with_one_line(
        client, operator, settings, days: int | None) -> None:
    # A retention run as of 2099 deleted the job history and scrubbed every sent e-mail; year 1 overflowed.
    from datetime import UTC, datetime, timedelta

    from devtools.devserver import free_port

    settings.TEMPORAL_ADDRESS = f"127.0.0.1:{free_port()}"  # nothing may be started: nothing listens here
    value = "0001-01-01T00:30:00+01:00" if days is None else (datetime.now(UTC) + timedelta(days=days)).isoformat()
    client.force_login(operator)
    response = client.post(run_url("retention"), {"now": value})
    page = response.content.decode()
    assert response.status_code == 200 and (
        "Ta chwila wykracza poza dozwolone okno wokół chwili obecnej (dni wstecz: 31, dni naprzód: 1;" in page), page
    assert LogEntry.objects.count() == 0
    inside = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    assert RunForm(find_job("retention"), {"now": inside}).is_valid()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("value", ["2099-01-01T00:00:00+00:00", "0001-01-01T00:30:00+01:00"])
def test_the_command_line_refuses_a_now_outside_the_window_with_one_line(test_database_url: str, value: str) -> None:
    from poradnia.monitoring.models import JobRun
    from tests.support.watching import manage

    done = manage("clear_sessions_job", "--inline", "--now", value, env={"DATABASE_URL": test_database_url})
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"CommandError: --now {value!r} is outside the allowed window: from 31 days before to 1 days after the real "
        f"time ({done.stderr.split('real time (')[1].split(')')[0]}); see RUN_NOW_MAX_PAST_DAYS and "
        "RUN_NOW_MAX_FUTURE_DAYS"]
    assert not JobRun.objects.exists()


@pytest.mark.django_db
def test_the_dry_run_page_names_signatures_and_cases_only_to_those_who_may_see_them(
        client, operator, django_user_model, monkeypatch: pytest.MonkeyPatch) -> None:
    from poradnia.jobs import run_now as runs

    result = {"dry_run": True, "status": "completed_success", "courts": [{"parser_key": "WSA_Opole", "planned": [
        {"action": "create", "signature": "II SA/Op 7/26", "date": "2026-12-09", "slot": 0, "time": "10:30",
         "case_id": 4242}]}]}

    async def described(body):  # noqa: ANN001,ANN202 - stands in for Temporal's answer about a finished run
        return {"status": "completed", "run_id": "r1", "result": result, "error": ""}

    monkeypatch.setattr(runs, "with_client", described)
    url = f"{PAGE}run/court-session-parser-manual-20261201T000000-abcdef/"
    client.force_login(operator)
    page = client.get(url).content.decode()
    assert 'id="planned"' in page and "create" in page and "2026-12-09" in page
    assert "II SA/Op 7/26" not in page and "4242" not in page  # nor in the Result details
    operator.user_permissions.add(Permission.objects.get(codename="view_courtcase"))
    client.force_login(django_user_model.objects.get(pk=operator.pk))
    page = client.get(url).content.decode()
    assert "II SA/Op 7/26" in page and "4242" in page


@pytest.mark.django_db
def test_temporal_down_starts_nothing_and_logs_nothing(client, operator, settings) -> None:
    from devtools.devserver import free_port

    settings.TEMPORAL_ADDRESS = f"127.0.0.1:{free_port()}"
    client.force_login(operator)
    response = client.post(run_url("event-reminders"), {"now": ""}, follow=True)
    assert "Błąd Temporala pod adresem" in response.content.decode() and LogEntry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_dry_run_from_the_browser_shows_planned_changes(
    live_server, operator, worker_process, test_database_url: str, temporal_server, task_queue: str, settings,
    tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from devtools.standin import StandIn
    from devtools.synthetic import SyntheticRow, generate_page
    from poradnia.judgements.models import CourtSession
    from tests.support.browser import chromium
    from tests.support.courtdata import make_case, track

    tracked = make_case("Kowalski", staff=1)
    track(tracked.case, "WSA_Opole", "II SA/Op 7/26")
    operator.user_permissions.add(Permission.objects.get(codename="view_courtcase"))  # to see the signatures
    settings.TEMPORAL_ADDRESS = temporal_server.address
    settings.TEMPORAL_TASK_QUEUE = task_queue
    day = (datetime.now(WARSAW).date() + timedelta(days=2)).isoformat()  # still to come: a plain "create"
    with StandIn({"WSA_Opole": generate_page([SyntheticRow("II SA/Op 7/26", day, "10:30")])}) as standin, \
            chromium(tmp_path) as browser:
        worker_process(test_database_url, env={"EWOKANDA_BASE_URL": standin.base_url,
                                               "EWOKANDA_ALLOW_LOOPBACK": "true"})
        wait = WebDriverWait(browser, 60)
        browser.get(f"{live_server.url}/admin/login/?next={PAGE}")
        browser.find_element(By.NAME, "username").send_keys("operator")
        browser.find_element(By.NAME, "password").send_keys("operator-pass-1")
        browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
        wait.until(ec.presence_of_element_located((By.ID, "run-court-session-parser"))).click()
        Select(wait.until(ec.presence_of_element_located((By.NAME, "parser_key")))).select_by_value("WSA_Opole")
        browser.find_element(By.NAME, "dry_run").click()
        browser.find_element(By.ID, "start-run").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "run-status"), "zakończony"))
        table = wait.until(ec.presence_of_element_located((By.ID, "planned")))
        assert "WSA_Opole" in table.text and "utworzenie" in table.text and "II SA/Op 7/26" in table.text
        # the run page writes dates as poradnia.dates does ("9 grudnia 2026 r., godz. 10:30")
        assert long_datetime(datetime.combine(date.fromisoformat(day), time(10, 30), WARSAW), "pl") in table.text
        figures = browser.find_element(By.CSS_SELECTOR, "table.run-figures").text  # the result, labelled in Polish
        assert "próba na sucho tak" in figures and "sądy do odczytania 1" in figures, figures
        link = browser.find_element(By.ID, "web-ui-link").get_attribute("href")
        workflow_id = browser.current_url.split("/run/")[1].split("/")[0]
        assert workflow_id.startswith("court-session-parser-manual-")
        assert link.startswith(f"{settings.TEMPORAL_UI_URL.rstrip('/')}/namespaces/default/workflows/{workflow_id}/")
        browser.save_screenshot(str(tmp_path / "run-now-dry-run.png"))
    assert CourtSession.objects.count() == 0  # a dry run writes nothing
    entry = LogEntry.objects.get()
    assert entry.user == operator and entry.object_id == "court-session-parser"
    assert "parser_key=WSA_Opole" in entry.change_message and "dry_run=True" in entry.change_message
    assert workflow_id in entry.change_message
