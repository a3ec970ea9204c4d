"""Event reminders through real worker processes and a real SMTP server that crashes and goes down.

The worker is ``python worker.py`` (killed with SIGKILL like a crash), the mail server an aiosmtpd
receiver that counts what it accepted. Whatever happens, every reminder must arrive exactly once.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from temporalio.client import Client

from devtools.smtp import SmtpReceiver
from poradnia.cases.models import Case
from poradnia.events.models import Event
from poradnia.events.reminders import REMINDER_KIND
from poradnia.outbox.models import OutboxEmail
from poradnia.users.models import User
from tests.support.dbthread import in_db_thread
from workflows.reminders import EventRemindersInput, EventRemindersWorkflow

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CASES = 4  # two staff each, two due events each: 16 reminders


def create_events() -> int:
    client = User.objects.create_user("client")
    now = timezone.now()
    for c in range(CASES):
        case = Case.objects.create(name=f"Case {c}", client=client)
        case.staff.set([User.objects.create_user(f"lawyer{c}-{i}", f"lawyer{c}-{i}@example.org",
                                                 is_staff=True)
                        for i in range(2)])
        for e in range(2):
            Event.objects.create(case=case, time=now + timedelta(hours=e + 1), text=f"Hearing {c}.{e}",
                                 created_by=client)
    return CASES * 2 * 2


def outbox() -> list[tuple[str, str, str]]:
    return list(OutboxEmail.objects.filter(kind=REMINDER_KIND).values_list("to", "subject", "status"))


def assert_each_arrived_once(smtp: SmtpReceiver, rows: list[tuple[str, str, str]], expected: int) -> None:
    assert len(rows) == expected
    assert {status for _, _, status in rows} == {OutboxEmail.Status.SENT}
    assert smtp.counts() == Counter({(to, subject): 1 for to, subject, _ in rows})


async def start_reminders(client: Client, task_queue: str):
    return await client.start_workflow(EventRemindersWorkflow.run, EventRemindersInput(),
                                       id=f"reminders-e2e-{uuid.uuid4().hex[:8]}", task_queue=task_queue)


async def test_worker_killed_between_outbox_write_and_send_loses_and_repeats_nothing(
    worker_process, test_database_url: str, temporal_client: Client, task_queue: str, smtp: SmtpReceiver
) -> None:
    expected = await in_db_thread(create_events)
    smtp.handler.hold_at = 1  # the first message's DATA waits until the worker is dead
    # The dead sender's claim on its row runs out after max(OUTBOX_LEASE_S, 5 x EMAIL_TIMEOUT) = 50 s.
    env = {**smtp.env, "OUTBOX_LEASE_S": "1"}
    first = worker_process(test_database_url, env=env)
    handle = await start_reminders(temporal_client, task_queue)

    assert await asyncio.to_thread(smtp.handler.held.wait, 60), "the worker never started sending"
    rows = await in_db_thread(outbox)
    assert len(rows) == expected and Counter(status for *_, status in rows) == Counter(
        {OutboxEmail.Status.PENDING: expected - 1, OutboxEmail.Status.SENDING: 1})  # the one being sent
    first.kill()
    smtp.handler.release.set()  # the dead sender's message is answered 451 and not delivered
    worker_process(test_database_url, env=env)
    # The send activity is retried once its heartbeat times out (60 s) on the new worker.
    result = await asyncio.wait_for(handle.result(), timeout=240)

    assert_each_arrived_once(smtp, await in_db_thread(outbox), expected)
    assert (result.sent, result.skipped, result.emails_failed) == (expected, 0, 0)


async def test_mail_server_down_for_thirty_seconds_every_email_arrives_once_when_it_is_back(
    worker_process, test_database_url: str, temporal_client: Client, task_queue: str, smtp: SmtpReceiver
) -> None:
    expected = await in_db_thread(create_events)
    smtp.handler.hold_at = 3  # two messages get through, the third is cut off by the outage
    worker_process(test_database_url, env=smtp.env)
    handle = await start_reminders(temporal_client, task_queue)

    assert await asyncio.to_thread(smtp.handler.held.wait, 60), "the worker never started sending"
    await asyncio.to_thread(smtp.stop)
    down_since = time.monotonic()
    await asyncio.sleep(30)
    assert len(smtp.messages) == 2
    pending = [row for row in await in_db_thread(outbox) if row[2] == OutboxEmail.Status.PENDING]
    assert len(pending) == expected - 2
    send = (await handle.describe()).raw_description.pending_activities
    assert send and send[0].activity_type.name == "send_outbox" and send[0].attempt > 1  # backing off
    await asyncio.to_thread(smtp.start)
    result = await asyncio.wait_for(handle.result(), timeout=180)

    assert time.monotonic() - down_since >= 30
    assert_each_arrived_once(smtp, await in_db_thread(outbox), expected)
    assert (result.sent, result.emails_failed) == (expected, 0)
