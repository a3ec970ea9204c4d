"""The watch on a real dev server: a paused schedule, one skipping runs for overlap, the mail outage reaching a
real webhook receiver."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from devtools.smtp import SmtpReceiver
from poradnia.jobs.models import BackgroundJob
from poradnia.monitoring.models import Alert, WatchCheck, WebhookDelivery
from poradnia.monitoring.watch import MAIL_ALERT_KEY, run_round
from poradnia.outbox.models import OutboxEmail
from poradnia.outbox.services import TemporaryEmailError, enqueue, send_pending
from schedules.apply import apply_schedules
from tests.support.dbthread import in_db_thread
from tests.support.schedulesupport import app_namespace, connect_to, temporal_cli
from tests.support.watching import Receiver

pytestmark = pytest.mark.django_db(transaction=True)
NOTE = "eWokanda down until Monday"


async def test_schedule_paused_with_the_cli_raises_one_alert_naming_the_note(
    temporal_server, task_queue: str, settings
) -> None:
    settings.WATCH_PAUSED_DAYS = 0
    settings.ADMINS = [("Ops", "ops@example.org")]
    with app_namespace(temporal_server, settings, task_queue) as namespace:
        client = await connect_to(temporal_server, namespace)
        await apply_schedules(client, task_queue=task_queue)
        ids = ["court-session-parser", "event-reminders"]
        temporal_cli(temporal_server, namespace, "schedule", "toggle", "--schedule-id", "court-session-parser",
                     "--pause", "--reason", NOTE)

        async def connect() -> Client:
            return client

        lines, open_alerts = await run_round(connect, ids, task_queue)
        key = "watch:schedule:court-session-parser:paused"
        paused = await in_db_thread(lambda: list(Alert.objects.filter(dedupe_key__contains=":paused")))
        assert [a.dedupe_key for a in paused] == [key]
        assert NOTE in paused[0].title and NOTE in paused[0].message
        assert "schedules unpause court-session-parser" in paused[0].message
        assert key in [a.dedupe_key for a in open_alerts]
        line = next(line for line in lines if line.startswith("schedules:"))
        assert line.startswith("schedules: ALERT: court-session-parser paused 0.0 d, event-reminders active")

        # Paused from the admin: the admin log names who did it.
        def log_pause() -> None:
            user = get_user_model().objects.create_user("anna", is_staff=True)
            LogEntry.objects.log_actions(user.pk, [BackgroundJob(schedule_id="court-session-parser")], CHANGE,
                                         change_message=f"Paused schedule court-session-parser; note: {NOTE}",
                                         single_object=True)

        await in_db_thread(log_pause)
        await run_round(connect, ids, task_queue)
        alert = await in_db_thread(lambda: Alert.objects.get(dedupe_key=key))
        assert (alert.occurrences, alert.email_count, alert.active) == (2, 1, True)  # one alert, one e-mail
        assert "Paused by anna at " in alert.message

        settings.WATCH_PAUSED_DAYS = 3  # paused a moment ago: below the default threshold
        await run_round(connect, ids, task_queue)
        assert await in_db_thread(lambda: Alert.objects.get(dedupe_key=key).active) is False
        settings.WATCH_PAUSED_DAYS = 0
        temporal_cli(temporal_server, namespace, "schedule", "toggle", "--schedule-id", "court-session-parser",
                     "--unpause", "--reason", "back")
        lines, _ = await run_round(connect, ids, task_queue)
        assert await in_db_thread(lambda: Alert.objects.get(dedupe_key=key).active) is False
        assert await in_db_thread(lambda: WatchCheck.objects.get(name="schedules").ok) is True


async def test_mail_outage_alert_reaches_the_webhook_once_and_again_after_the_cooldown(
    temporal_client: Client, task_queue: str, settings
) -> None:
    smtp = SmtpReceiver().start()
    smtp.apply(settings)
    smtp.stop()  # the mail server is down
    settings.ADMINS = [("Ops", "ops@example.org")]
    settings.WATCH_OUTBOX_STUCK_MIN = 0
    settings.ALERT_COOLDOWN_S = 3
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = []
    settings.ALERT_WEBHOOK_ALLOW_LOOPBACK = True

    def queue_and_try() -> None:
        enqueue(key="reminder:1:1", kind="reminder", to="staff@example.org", subject="Termin", body="Jutro")
        with pytest.raises(TemporaryEmailError):
            send_pending()

    await in_db_thread(queue_and_try)

    async def connect() -> Client:
        return temporal_client

    with Receiver() as receiver:
        settings.ALERT_WEBHOOK_URL = receiver.url + "/hooks/abc"

        def mail_posts() -> list[dict]:
            return [b for b in receiver.json_bodies() if b["text"].endswith(f"({MAIL_ALERT_KEY})")]

        lines, open_alerts = await run_round(connect, [], task_queue)
        assert MAIL_ALERT_KEY in [a.dedupe_key for a in open_alerts]
        assert next(line for line in lines if line.startswith("mail:")).startswith("mail: ALERT: pending: 1,")
        assert len(mail_posts()) == 1
        body = mail_posts()[0]
        assert list(body) == ["text"]  # the e-mail's subject and the alert's text, worded in Polish
        assert body["text"].startswith("[Poradnia błąd] E-maile nie są wysyłane\nKolejka e-maili: oczekujących 1")
        assert body["text"].endswith(f"({MAIL_ALERT_KEY})")
        assert receiver.requests[0]["path"] == "/hooks/abc"
        assert receiver.requests[0]["headers"]["Content-Type"] == "application/json"
        # The alert's e-mail could not go out either: it waits in the outbox, the webhook did not.
        assert await in_db_thread(lambda: OutboxEmail.objects.filter(kind="alert", status="pending").count()) >= 1

        for _ in range(2):  # within the cooldown: no second POST, however many rounds
            await run_round(connect, [], task_queue)
        assert len(mail_posts()) == 1
        await asyncio.sleep(3.2)
        await run_round(connect, [], task_queue)
        assert len(mail_posts()) == 2
        await run_round(connect, [], task_queue)
        assert len(mail_posts()) == 2
        keys = await in_db_thread(lambda: list(WebhookDelivery.objects.filter(alert_key=MAIL_ALERT_KEY)
                                               .values_list("key", "status")))
        assert keys == [(f"alert:{MAIL_ALERT_KEY}:1", "sent"), (f"alert:{MAIL_ALERT_KEY}:2", "sent")]

    smtp.start()  # the mail server is back: the outbox sends what waited, the next round resolves the alert
    try:
        await in_db_thread(lambda: send_pending())
        lines, open_alerts = await run_round(connect, [], task_queue)
        assert MAIL_ALERT_KEY not in [a.dedupe_key for a in open_alerts]
        assert await in_db_thread(lambda: Alert.objects.get(dedupe_key=MAIL_ALERT_KEY).active) is False
        assert any(m.subject == "Termin" for m in smtp.messages)
    finally:
        smtp.stop()


async def test_a_schedule_skipping_for_overlap_on_the_server_raises_the_skipped_alert(
    temporal_client: Client, task_queue: str, settings
) -> None:
    # Every second, overlap SKIP, and no worker: the first run never ends, so the server skips every next one.
    settings.ADMINS = []
    schedule_id = f"skipper-{task_queue}"
    handle = await temporal_client.create_schedule(schedule_id, Schedule(
        action=ScheduleActionStartWorkflow("HealthCheckWorkflow", id=f"skipper-run-{task_queue}",
                                           task_queue=task_queue),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(seconds=1))]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP)))

    async def connect() -> Client:
        return temporal_client

    try:
        await run_round(connect, [schedule_id], task_queue)  # the counts so far are the baseline
        key = f"watch:schedule:{schedule_id}:skipped"
        before = (await handle.describe()).info.num_actions_skipped_overlap
        for _ in range(50):
            await asyncio.sleep(0.2)
            if (await handle.describe()).info.num_actions_skipped_overlap > before:
                break
        lines, open_alerts = await run_round(connect, [schedule_id], task_queue)
        assert key in [a.dedupe_key for a in open_alerts]
        alert = await in_db_thread(lambda: Alert.objects.get(dedupe_key=key))
        assert "skipped because the previous run was still going" in alert.title
        assert f"schedules trigger {schedule_id}" in alert.message
        assert next(line for line in lines if line.startswith("schedules:")).startswith(
            f"schedules: ALERT: {schedule_id} active | schedule {schedule_id}: ")
    finally:
        running = (await handle.describe()).info.running_actions
        await handle.delete()
        for action in running:  # the run that never ends (its id has the schedule's timestamp appended)
            await temporal_client.get_workflow_handle(action.workflow_id).terminate()
