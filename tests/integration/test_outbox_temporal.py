"""The outbox's sending step on a real dev server (in-process worker) and a misbehaving SMTP receiver.

A relay that refuses us keeps the step retrying with every row pending and the alert raised; once it is
fixed everything arrives exactly once. No error kind puts a recipient's address into the history
(failures included) or into a log line at INFO or above.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from temporalio.api.history.v1 import History
from temporalio.client import Client, WorkflowHandle

from devtools.smtp import SmtpReceiver
from poradnia.cases.old_cases import OLD_CASES_KIND
from poradnia.monitoring.mail import MAIL_DOWN_KEY
from poradnia.monitoring.models import Alert, JobRun
from poradnia.outbox.models import OutboxEmail
from poradnia.outbox.services import enqueue
from tests.support.dbthread import in_db_thread
from workflows.reminders import OldCasesReminderInput, OldCasesReminderWorkflow

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)  # no case is old then: the run only sends what is queued
ADDRESSES = ["anna.tajna.7311@example.org", "bogdan.tajny.7312@example.org", "celina.tajna.7313@example.org"]
BAD = "jan.kowalski.7314@@example.org"


def queue(addresses: list[str]) -> None:
    OutboxEmail.objects.all().delete()
    for n, to in enumerate(addresses):
        enqueue(key=f"test:{n}:{to}", kind=OLD_CASES_KIND, to=to, subject=f"Wiadomość {n}", body="Treść")


def state() -> tuple[set[tuple[str, int]], Alert | None]:
    return (set(OutboxEmail.objects.values_list("status", "attempts")),
            Alert.objects.filter(dedupe_key=MAIL_DOWN_KEY).first())


async def start(client: Client, task_queue: str) -> WorkflowHandle:
    return await client.start_workflow(OldCasesReminderWorkflow.run, OldCasesReminderInput(now=NOW.isoformat()),
                                       id=f"outbox-test-{uuid.uuid4().hex[:8]}", task_queue=task_queue)


async def retrying(handle: WorkflowHandle, attempt: int = 2, timeout: float = 60) -> str:
    """Wait until the send activity is on ``attempt``; returns its last failure's message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = (await handle.describe()).raw_description.pending_activities
        sends = [p for p in pending if p.activity_type.name == "send_outbox"]
        if sends and sends[0].attempt >= attempt and sends[0].last_failure.message:
            return sends[0].last_failure.message
        await asyncio.sleep(0.3)
    raise TimeoutError("the send step never retried")


async def test_a_relay_refusing_us_then_fixed_delivers_everything_exactly_once(
    run_worker, temporal_client: Client, task_queue: str, smtp: SmtpReceiver
) -> None:
    await in_db_thread(queue, ADDRESSES)
    smtp.handler.mail_reply = "530 5.7.0 Authentication required"
    async with run_worker():
        handle = await start(temporal_client, task_queue)
        failure = await retrying(handle, attempt=3)
        rows, alert = await in_db_thread(state)
        assert rows == {(OutboxEmail.Status.PENDING, 0)}  # nothing failed, no attempt used up
        assert alert is not None and alert.active and alert.occurrences >= 2
        assert "refuses to send" in failure and "SMTP 530 5.7.0" in failure
        assert len(smtp.messages) == 0

        smtp.handler.mail_reply = None  # the relay is fixed
        result = await asyncio.wait_for(handle.result(), timeout=90)

    assert (result.sent, result.failed) == (3, 0)
    assert smtp.counts() == Counter({(to, f"Wiadomość {n}"): 1 for n, to in enumerate(ADDRESSES)})
    rows, alert = await in_db_thread(state)
    assert rows == {(OutboxEmail.Status.SENT, 1)} and not alert.active
    statuses = await in_db_thread(lambda: list(JobRun.objects.values_list("status", flat=True)))
    assert statuses == ["completed_success"]


def refuse_recipients(smtp: SmtpReceiver) -> None:
    smtp.handler.refuse.add(ADDRESSES[0])
    smtp.handler.replies[ADDRESSES[1]] = "452 4.2.2 <{address}>: mailbox full"


def refuse_sender(smtp: SmtpReceiver) -> None:
    smtp.handler.mail_reply = "530 5.7.0 Authentication required"


def refuse_relaying(smtp: SmtpReceiver) -> None:
    smtp.handler.rcpt_reply = "554 5.7.1 <{address}>: Relay access denied"


def be_down(smtp: SmtpReceiver) -> None:
    smtp.stop()


def fix(smtp: SmtpReceiver) -> None:
    smtp.handler.mail_reply = smtp.handler.rcpt_reply = None
    smtp.handler.refuse.clear()
    smtp.handler.replies.clear()
    if smtp.controller is None:
        smtp.start()


@pytest.mark.slow
async def test_no_error_kind_puts_an_address_into_the_history_or_the_logs(
    run_worker, temporal_client: Client, task_queue: str, smtp: SmtpReceiver, settings,
    caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings.OUTBOX_RETRY_INITIAL_S, settings.OUTBOX_MAX_ATTEMPTS = 0.3, 2
    histories: list[bytes] = []
    failures: list[str] = []
    breakages: list[Callable[[SmtpReceiver], None]] = [refuse_recipients, refuse_sender, refuse_relaying, be_down]
    async with run_worker():
        for breakage in breakages:
            fix(smtp)
            await in_db_thread(queue, [*ADDRESSES, BAD])
            breakage(smtp)
            handle = await start(temporal_client, task_queue)
            failures.append(await retrying(handle))  # per-row: the deferred row; else the relay
            if breakage is not refuse_recipients:
                fix(smtp)
            result = await asyncio.wait_for(handle.result(), timeout=90)
            histories.append(History(events=(await handle.fetch_history()).events).SerializeToString())
            if breakage is refuse_recipients:  # 550 and the bad address for good, 452 twice: given up
                assert (result.sent, result.failed) == (1, 3)
            else:
                assert (result.sent, result.failed) == (3, 1)  # the bad address only

    assert "wait for a later attempt" in failures[0] and "refuses to send" in failures[1]
    logged = "\n".join(r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
                       for r in caplog.records if r.levelno >= logging.INFO and not r.name.startswith("mail.log"))
    assert "Completing activity as failed" in logged  # the SDK logged the failures, with tracebacks
    for address in [*ADDRESSES, BAD]:
        local = address.split("@")[0]
        for text in (*failures, logged):
            assert local not in text, text
        for history in histories:
            assert local.encode() not in history
