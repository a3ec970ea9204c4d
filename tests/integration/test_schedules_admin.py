"""The admin's Background jobs page against a real dev server: who sees it, who may operate, what it does."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.test import Client as DjangoClient

from devtools.devserver import TemporalDevServer, free_port
from poradnia.dates import short_datetime
from schedules.apply import apply_schedules
from tests.support.schedulesupport import connect_to, describe, server_state, wait_until

PAGE = "/admin/jobs/"
WARSAW = ZoneInfo("Europe/Warsaw")
IDS = ["court-session-parser", "event-reminders", "old-cases-reminder", "clear-sessions", "court-parser-monitor",
       "health-check", "retention"]


def action_url(schedule_id: str, action: str) -> str:
    return f"{PAGE}schedule/{schedule_id}/{action}/"


@pytest.fixture
def synced(temporal_server: TemporalDevServer, schedule_namespace: str, task_queue: str) -> str:
    """The namespace with the declared schedules in it."""

    async def sync() -> None:
        await apply_schedules(await connect_to(temporal_server, schedule_namespace), task_queue=task_queue)

    asyncio.run(sync())
    return schedule_namespace


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("clerk", "clerk@example.org", "pass-clerk-1", is_staff=True)


@pytest.mark.django_db
def test_page_shows_every_schedule_with_state_timing_and_next_runs(
    admin_client: DjangoClient, temporal_server: TemporalDevServer, synced: str
) -> None:
    async def prepare():
        client = await connect_to(temporal_server, synced)
        await client.get_schedule_handle("court-session-parser").pause(note="eWokanda is down")
        return (await describe(client, "court-session-parser")).info.next_action_times[:3]

    next_times = asyncio.run(prepare())
    response = admin_client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Zadania w tle" in page  # the admin speaks Polish (LANGUAGE_CODE)
    for schedule_id in IDS:
        assert f'id="schedule-{schedule_id}"' in page
        assert f'href="{action_url(schedule_id, "trigger")}"' in page
    for words in ("codziennie o 23:10 (Europe/Warsaw)", "codziennie o 12:00 (Europe/Warsaw)",
                  "co miesiąc, 2. dnia, o 06:00 (Europe/Warsaw)", "codziennie o 00:00 (Europe/Warsaw)",
                  "co tydzień w niedzielę o 06:00 (Europe/Warsaw)", "co godzinę, w minucie 0 (Europe/Warsaw)"):
        assert words in page
    views = {v.entry.id: v for v in response.context["schedules"]}
    assert views["court-session-parser"].state == "paused" and views["health-check"].state == "active"
    assert "eWokanda is down" in page
    assert f'href="{action_url("court-session-parser", "unpause")}"' in page
    assert f'href="{action_url("health-check", "pause")}"' in page
    # The next three runs, as the server computed them, shown in Warsaw time (poradnia.dates' short form).
    shown = ", ".join(short_datetime(t) for t in next_times)
    assert len(next_times) == 3 and shown in page


@pytest.mark.django_db
def test_admin_index_links_to_the_page(admin_client: DjangoClient, client: DjangoClient, staff) -> None:
    assert f'href="{PAGE}"' in admin_client.get("/admin/").content.decode()
    client.force_login(staff)
    index = client.get("/admin/").content.decode()
    assert f'href="{PAGE}"' in index and "Zadania w tle" in index
    assert client.get("/admin/jobs/backgroundjob/").url == PAGE
    for url in ("/admin/jobs/backgroundjob/health-check/change/", "/admin/jobs/backgroundjob/health-check/history/"):
        assert client.get(url).url == f"{PAGE}#schedule-health-check"


@pytest.mark.django_db
def test_non_staff_are_sent_to_the_admin_login(client: DjangoClient, django_user_model, synced: str) -> None:
    for url in (PAGE, action_url("health-check", "pause")):
        response = client.get(url)
        assert response.status_code == 302 and response.url == f"/admin/login/?next={url}"
    client.force_login(django_user_model.objects.create_user("visitor", "v@example.org", "pass-visitor-1"))
    response = client.post(action_url("health-check", "pause"), {"note": "nope"})
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert not LogEntry.objects.exists()


@pytest.mark.django_db
def test_pause_unpause_and_trigger_through_confirmation_pages(
    admin_client: DjangoClient, admin_user, temporal_server: TemporalDevServer, synced: str, settings
) -> None:
    confirm = admin_client.get(action_url("court-session-parser", "pause"))
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert 'name="csrfmiddlewaretoken"' in text and 'name="note"' in text and "Tak, wstrzymaj" in text
    assert "Stan: <strong>aktywny</strong>" in text
    assert not server_state(temporal_server, synced, "court-session-parser").paused  # GET changed nothing

    response = admin_client.post(action_url("court-session-parser", "pause"), {"note": "eWokanda maintenance"})
    assert response.status_code == 302 and response.url == f"{PAGE}#schedule-court-session-parser"
    state = server_state(temporal_server, synced, "court-session-parser")
    assert state.paused and state.note == "eWokanda maintenance"
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id, entry.action_flag) == (admin_user, "court-session-parser", CHANGE)
    assert entry.get_change_message() == "Paused schedule court-session-parser; note: eWokanda maintenance"
    assert entry.content_type.app_label == "jobs"
    page = admin_client.get(PAGE).content.decode()
    assert "Wstrzymano harmonogram court-session-parser; notatka: eWokanda maintenance" in page  # success message

    response = admin_client.post(action_url("court-session-parser", "unpause"), {"note": ""})
    assert response.status_code == 302
    state = server_state(temporal_server, synced, "court-session-parser")
    assert not state.paused and state.note == "Unpaused by admin from the Django admin"
    assert LogEntry.objects.latest("pk").get_change_message() == (
        "Unpaused schedule court-session-parser; note: Unpaused by admin from the Django admin")

    assert "Tak, uruchom teraz" in admin_client.get(action_url("health-check", "trigger")).content.decode()
    assert admin_client.post(action_url("health-check", "trigger")).status_code == 302
    latest = LogEntry.objects.latest("pk")
    assert (latest.user, latest.object_id, latest.get_change_message()) == (
        admin_user, "health-check", "Triggered schedule health-check")

    async def triggered():
        client = await connect_to(temporal_server, synced)
        return (await describe(client, "health-check")).info.recent_actions

    (action,) = asyncio.run(wait_until(triggered, what="the triggered run"))
    workflow_id, run_id = action.action.workflow_id, action.action.first_execution_run_id
    # No worker polls this namespace: the run shows as running, with its Web UI link.
    page = admin_client.get(PAGE).content.decode()
    link = f"{settings.TEMPORAL_UI_URL}/namespaces/{synced}/workflows/{workflow_id.replace(':', '%3A')}/{run_id}"
    assert f'href="{link}"' in page and 'class="run-status run-running"' in page
    assert LogEntry.objects.count() == 3
    # The admin index's "Recent actions" list links each entry back to the page.
    assert f'href="{LogEntry.objects.latest("pk").get_admin_url()}"' in admin_client.get("/admin/").content.decode()
    assert admin_client.get(latest.get_admin_url()).url == f"{PAGE}#schedule-health-check"


@pytest.mark.django_db
def test_staff_without_the_permission_read_only(
    client: DjangoClient, staff, temporal_server: TemporalDevServer, synced: str
) -> None:
    client.force_login(staff)
    page = client.get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Tylko do odczytu" in text and 'id="schedule-health-check"' in text and "co godzinę, w minucie 0" in text
    assert action_url("health-check", "pause") not in text and action_url("health-check", "trigger") not in text
    assert client.get(action_url("health-check", "pause")).status_code == 403
    assert client.post(action_url("health-check", "pause"), {"note": "let me"}).status_code == 403
    assert client.post(action_url("health-check", "trigger")).status_code == 403
    assert not server_state(temporal_server, synced, "health-check").paused
    assert not LogEntry.objects.exists()

    staff.user_permissions.add(Permission.objects.get(codename="operate_schedules", content_type__app_label="jobs"))
    client.force_login(type(staff).objects.get(pk=staff.pk))  # a fresh user object: no cached permissions
    assert action_url("health-check", "pause") in client.get(PAGE).content.decode()
    assert client.post(action_url("health-check", "pause"), {"note": "planned DB upgrade"}).status_code == 302
    state = server_state(temporal_server, synced, "health-check")
    assert state.paused and state.note == "planned DB upgrade"
    assert LogEntry.objects.get().user == staff


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused(admin_user, temporal_server: TemporalDevServer, synced: str) -> None:
    browser = DjangoClient(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    assert browser.post(action_url("health-check", "pause"), {"note": "forged"}).status_code == 403
    assert not server_state(temporal_server, synced, "health-check").paused


@pytest.mark.django_db
def test_unknown_schedule_or_action_is_404(admin_client: DjangoClient, synced: str) -> None:
    assert admin_client.get(action_url("someone-elses", "pause")).status_code == 404
    assert admin_client.post(action_url("health-check", "delete")).status_code == 404


@pytest.mark.django_db
def test_page_says_when_temporal_is_unreachable(admin_client: DjangoClient, settings) -> None:
    settings.TEMPORAL_ADDRESS = f"127.0.0.1:{free_port()}"
    response = admin_client.get(PAGE)
    assert response.status_code == 503
    assert f"Błąd Temporala pod adresem {settings.TEMPORAL_ADDRESS}" in response.content.decode()
