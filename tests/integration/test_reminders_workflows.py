"""The reminder and cleanup workflows on a real dev server (in-process worker), the CLI and the commands."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError

from devtools.devserver import TemporalDevServer, bundled_binary, free_port
from devtools.smtp import SmtpReceiver
from poradnia.cases.models import Case
from poradnia.events.models import Event, Reminder
from poradnia.monitoring.models import JobRun
from poradnia.outbox.models import OutboxEmail
from poradnia.outbox.services import enqueue
from poradnia.users.models import User
from tests.support.dbthread import in_db_thread
from workflows.reminders import (
    ClearSessionsJobInput,
    ClearSessionsResult,
    ClearSessionsWorkflow,
    EventRemindersInput,
    EventRemindersResult,
    EventRemindersWorkflow,
    OldCasesReminderInput,
    OldCasesReminderResult,
    OldCasesReminderWorkflow,
)

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


@pytest.fixture(autouse=True)
def _now_window(settings) -> None:
    """NOW is a fixed day in the past: widen the window a --now given to a command must fall in."""
    settings.RUN_NOW_MAX_PAST_DAYS = 36_500


def two_lawyers_three_events(now: datetime = NOW) -> None:
    """Two staff, two due events and a completed one: 4 reminders, 2 skipped."""
    client = User.objects.create_user("client")
    case = Case.objects.create(name="Eviction", client=client)
    case.staff.set([User.objects.create_user(f"lawyer{i}", f"lawyer{i}@example.org", is_staff=True)
                    for i in range(2)])
    for hours, completed in [(2, False), (5, False), (3, True)]:
        Event.objects.create(case=case, time=now + timedelta(hours=hours), text=f"Hearing +{hours}h",
                             completed=completed, created_by=client)


def old_case_and_subscribers() -> None:
    client, _ = User.objects.get_or_create(username="client")
    Case.objects.filter(pk=Case.objects.create(name="Old", client=client).pk).update(
        last_action=datetime(2015, 1, 1, tzinfo=UTC))
    for name in ("anna", "jan"):
        User.objects.create_user(name, f"{name}@example.org", notify_old_cases=True)


def sessions(now: datetime) -> None:
    expiries = [now - timedelta(days=2), now - timedelta(minutes=1), now - timedelta(days=9),
                now + timedelta(days=1)]
    for i, expires in enumerate(expiries):
        Session.objects.create(session_key=f"s{i}", session_data="{}", expire_date=expires)


def run_statuses(job: str) -> list[str]:
    return list(JobRun.objects.filter(job=job).order_by("started").values_list("status", flat=True))


def workflow_id(job: str) -> str:
    return f"{job}-test-{uuid.uuid4().hex[:8]}"


async def test_event_reminders_workflow_second_run_sends_nothing(
    run_worker, temporal_client: Client, task_queue: str, mailoutbox: list
) -> None:
    await in_db_thread(two_lawyers_three_events)
    async with run_worker():
        first = await temporal_client.execute_workflow(
            EventRemindersWorkflow.run, EventRemindersInput(now=NOW.isoformat()), id=workflow_id("reminders"),
            task_queue=task_queue)
        second = await temporal_client.execute_workflow(
            EventRemindersWorkflow.run, EventRemindersInput(now=LATER.isoformat(), page_size=1),
            id=workflow_id("reminders"), task_queue=task_queue)

    assert first == EventRemindersResult(now=NOW.isoformat(), events=3, sent=4, skipped=2, emails_sent=4,
                                         emails_failed=0)
    assert second == EventRemindersResult(now=LATER.isoformat(), events=3, sent=0, skipped=6, emails_sent=0,
                                          emails_failed=0)
    assert len(mailoutbox) == 4
    assert len({(m.to[0], m.subject) for m in mailoutbox}) == 4
    assert await in_db_thread(Reminder.objects.count) == 4
    assert await in_db_thread(run_statuses, "event-reminders") == ["completed_success"] * 2


async def test_old_cases_workflow_second_run_sends_nothing(
    run_worker, temporal_client: Client, task_queue: str, mailoutbox: list
) -> None:
    await in_db_thread(old_case_and_subscribers)
    async with run_worker():
        first = await temporal_client.execute_workflow(
            OldCasesReminderWorkflow.run, OldCasesReminderInput(now=NOW.isoformat()),
            id=workflow_id("old-cases"), task_queue=task_queue)
        second = await temporal_client.execute_workflow(
            OldCasesReminderWorkflow.run, OldCasesReminderInput(now=LATER.isoformat()),
            id=workflow_id("old-cases"), task_queue=task_queue)

    assert first == OldCasesReminderResult(now=NOW.isoformat(), month="2025-06", count=1, queued=2, sent=2,
                                           failed=0)
    assert second == OldCasesReminderResult(now=LATER.isoformat(), month="2025-06", count=1, queued=0, sent=0,
                                            failed=0)
    assert sorted(m.to[0] for m in mailoutbox) == ["anna@example.org", "jan@example.org"]


async def test_a_refused_address_makes_the_run_partial_and_the_others_still_go_out(
    run_worker, temporal_client: Client, task_queue: str, settings
) -> None:
    await in_db_thread(old_case_and_subscribers)
    smtp = SmtpReceiver().start()
    smtp.apply(settings)
    smtp.handler.refuse.add("anna@example.org")
    try:
        async with run_worker():
            result = await temporal_client.execute_workflow(
                OldCasesReminderWorkflow.run, OldCasesReminderInput(now=NOW.isoformat()),
                id=workflow_id("old-cases"), task_queue=task_queue)
    finally:
        smtp.stop()

    assert (result.count, result.queued, result.sent, result.failed) == (1, 2, 1, 1)
    assert [m.to for m in smtp.messages] == ["jan@example.org"]
    assert await in_db_thread(run_statuses, "old-cases-reminder") == ["completed_partial"]


async def test_clear_sessions_workflow_counts_what_it_deleted(
    run_worker, temporal_client: Client, task_queue: str
) -> None:
    await in_db_thread(sessions, NOW)
    async with run_worker():
        first = await temporal_client.execute_workflow(
            ClearSessionsWorkflow.run, ClearSessionsJobInput(now=NOW.isoformat()), id=workflow_id("sessions"),
            task_queue=task_queue)
        second = await temporal_client.execute_workflow(
            ClearSessionsWorkflow.run, ClearSessionsJobInput(now=NOW.isoformat()), id=workflow_id("sessions"),
            task_queue=task_queue)

    assert first == ClearSessionsResult(now=NOW.isoformat(), deleted=3)
    assert second == ClearSessionsResult(now=NOW.isoformat(), deleted=0)
    assert await in_db_thread(lambda: list(Session.objects.values_list("session_key", flat=True))) == ["s3"]


async def test_a_now_without_offset_fails_the_workflow_at_once(
    run_worker, temporal_client: Client, task_queue: str
) -> None:
    async with run_worker():
        with pytest.raises(WorkflowFailureError) as failure:
            await temporal_client.execute_workflow(
                EventRemindersWorkflow.run, EventRemindersInput(now="2025-06-02T08:00:00"),
                id=workflow_id("reminders"), task_queue=task_queue)
    cause = failure.value.cause
    assert isinstance(cause, ApplicationError) and cause.non_retryable
    assert "needs a UTC offset" in cause.message
    assert await in_db_thread(run_statuses, "event-reminders") == ["failed"]


async def temporal_cli(server: TemporalDevServer, task_queue: str, workflow_type: str) -> dict:
    """``temporal workflow execute --type X`` without --input, as an operator would type it."""
    proc = await asyncio.create_subprocess_exec(
        str(bundled_binary("temporal")), "workflow", "execute", "--type", workflow_type,
        "--task-queue", task_queue, "--address", server.address, "--output", "json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=90)
    assert proc.returncode == 0, err.decode()
    return json.loads(out)["result"]


async def test_workflows_start_without_input_and_use_their_start_time(
    run_worker, temporal_client: Client, temporal_server: TemporalDevServer, task_queue: str, mailoutbox: list
) -> None:
    await in_db_thread(two_lawyers_three_events, timezone.now())
    await in_db_thread(sessions, timezone.now())
    async with run_worker():
        reminders = await temporal_cli(temporal_server, task_queue, "EventRemindersWorkflow")
        cleanup = await temporal_cli(temporal_server, task_queue, "ClearSessionsWorkflow")
        old_cases = await temporal_cli(temporal_server, task_queue, "OldCasesReminderWorkflow")

    assert (reminders["sent"], reminders["skipped"], reminders["emails_sent"]) == (4, 2, 4)
    assert abs(datetime.fromisoformat(reminders["now"]) - timezone.now()) < timedelta(minutes=2)
    assert cleanup["deleted"] == 3
    assert (old_cases["count"], old_cases["queued"]) == (0, 0)
    assert len(mailoutbox) == 4


def run_command(name: str, *args: str) -> dict:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return json.loads(out.getvalue())


def test_commands_inline_do_the_job_in_process_and_are_idempotent(mailoutbox: list, settings) -> None:
    two_lawyers_three_events()
    old_case_and_subscribers()
    sessions(NOW)

    first = run_command("send_event_reminders", "--inline", "--now", NOW.isoformat())
    again = run_command("send_event_reminders", "--inline", "--now", LATER.isoformat())
    old = run_command("send_old_cases_reminder", "--inline", "--now", NOW.isoformat())
    old_again = run_command("send_old_cases_reminder", "--inline", "--now", NOW.isoformat())
    cleared = run_command("clear_sessions_job", "--inline", "--now", NOW.isoformat())

    assert (first["sent"], first["skipped"], first["emails_sent"]) == (4, 2, 4)
    assert (again["sent"], again["skipped"], again["emails_sent"]) == (0, 6, 0)
    assert (old["count"], old["queued"], old["sent"], old["failed"]) == (1, 2, 2, 0)
    assert (old_again["queued"], old_again["sent"]) == (0, 0)
    assert cleared == {"now": NOW.isoformat(), "deleted": 3}
    assert len(mailoutbox) == 6
    assert not OutboxEmail.objects.exclude(status=OutboxEmail.Status.SENT).exists()


async def test_command_starts_the_workflow_on_temporal_and_prints_its_result(
    run_worker, temporal_server: TemporalDevServer, task_queue: str, test_database_url: str, mailoutbox: list
) -> None:
    await in_db_thread(two_lawyers_three_events)
    env = {**os.environ, "DATABASE_URL": test_database_url, "TEMPORAL_ADDRESS": temporal_server.address,
           "TEMPORAL_TASK_QUEUE": task_queue, "RUN_NOW_MAX_PAST_DAYS": "36500"}  # NOW is a fixed day in the past
    before = datetime.now(UTC)
    async with run_worker():
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "manage.py"), "send_event_reminders", "--now", NOW.isoformat(),
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), timeout=90)

    assert proc.returncode == 0, err.decode()
    assert json.loads(out) == {"now": NOW.isoformat(), "events": 3, "sent": 4, "skipped": 2, "emails_sent": 4,
                               "emails_failed": 0}
    # The id carries the UTC day the command ran on: either side of a midnight the run may have crossed.
    assert any(f"started workflow event-reminders-manual-{day:%Y%m%d}" in err.decode()
               for day in (before, datetime.now(UTC)))
    assert len(mailoutbox) == 4  # sent by this test's worker, not by the command's process


def test_command_without_temporal_says_how_to_run_inline(settings) -> None:
    settings.TEMPORAL_ADDRESS = f"127.0.0.1:{free_port()}"
    with pytest.raises(CommandError, match="cannot connect to Temporal.*--inline"):
        call_command("clear_sessions_job", stdout=StringIO())


def test_inline_leaves_an_email_waiting_for_its_time_in_the_outbox(mailoutbox: list) -> None:
    """A reminder deferred by an earlier run (a 4xx for its recipient) waits: the inline run sends the rest and
    succeeds, and the waiting row stays for the run after its time (a workflow's send step would come back for it)."""
    two_lawyers_three_events()
    enqueue(key="event_reminder:earlier", kind="event_reminder", to="busy@example.org", subject="s", body="b")
    OutboxEmail.objects.filter(key="event_reminder:earlier").update(
        attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=10))

    done = run_command("send_event_reminders", "--inline", "--now", NOW.isoformat())

    assert (done["sent"], done["emails_sent"], done["emails_failed"]) == (4, 4, 0)
    assert len(mailoutbox) == 4
    waiting = OutboxEmail.objects.get(key="event_reminder:earlier")
    assert waiting.status == OutboxEmail.Status.PENDING and waiting.attempts == 1
    assert JobRun.objects.get().status == "completed_success"


def test_inline_with_the_mail_server_down_fails_in_one_line_and_keeps_the_run(settings) -> None:
    two_lawyers_three_events()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens: connection refused

    with pytest.raises(CommandError, match=r"event-reminders --inline: step send_outbox failed: "):
        run_command("send_event_reminders", "--inline", "--now", NOW.isoformat())

    run = JobRun.objects.get()
    assert (run.job, run.status) == ("event-reminders", "failed") and "ActivityError" in run.error
    assert OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING).count() == 4  # queued, sent by a later run
