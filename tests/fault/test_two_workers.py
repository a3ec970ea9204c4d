"""The production topology natively: one Temporal server, two worker processes, the app database.

Both workers poll the same task queue, so a court run spreads over them; SIGKILL one while it has a
court in flight and the other must finish the run, with every session written exactly once. The
suite runs this on SQLite and again on PostgreSQL (it is marked ``postgres``: row locks).
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.client import Client, WorkflowHandle

from devtools.processes import WorkerProcess
from devtools.standin import StandIn
from poradnia.judgements.models import CourtSession
from poradnia.outbox.models import OutboxEmail
from tests.support.courtdata import court_ids, duplicates, synthetic_courts
from tests.support.dbthread import in_db_thread
from workflows.court_sessions import CourtSessionSyncInput, CourtSessionSyncWorkflow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.postgres]  # row locks

COURTS = {"WSA_Bialystok": "Bk", "WSA_Bydgoszcz": "Bd", "WSA_Gdansk": "Gd", "WSA_Gliwice": "Gl",
          "WSA_Kielce": "Ke", "WSA_Krakow": "Kr"}
# ~105 kB pages at 800 kbit/s: each download takes about a second, under the 2 s heartbeat timeout
# (the fetch heartbeats only at its start) yet long enough to kill a worker in the middle of one.
ROWS, TRACKED, BANDWIDTH_KBPS = 300, 40, 800


def courts_with_tracked_cases() -> tuple[dict[str, bytes], int]:
    return synthetic_courts(COURTS, rows=ROWS, tracked_per_court=TRACKED, seed=100)


async def court_in_flight(handle: WorkflowHandle, standin: StandIn, workers: dict[str, WorkerProcess],
                          timeout: float = 90) -> tuple[str, WorkerProcess]:
    """A court whose activity runs on one of ``workers`` (by identity ``pid@host``) and whose download began."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        description = await handle.describe()
        for pending in description.raw_description.pending_activities:
            pid = pending.last_worker_identity.partition("@")[0]
            court = pending.activity_id.removeprefix("court-")
            if (pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED and pid in workers
                    and court in COURTS and standin.request_count(court) > 0):
                return court, workers[pid]
        await asyncio.sleep(0.02)
    raise TimeoutError(f"no court download started on a worker within {timeout}s")


async def completing_identity(handle: WorkflowHandle, activity_id: str) -> str:
    """The identity of the worker whose attempt completed the activity."""
    events = (await handle.fetch_history()).events
    scheduled = {e.event_id for e in events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
                 and e.activity_task_scheduled_event_attributes.activity_id == activity_id}
    started = {e.event_id: e.activity_task_started_event_attributes.identity for e in events
               if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED}
    (completed,) = [e.activity_task_completed_event_attributes for e in events
                    if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
                    and e.activity_task_completed_event_attributes.scheduled_event_id in scheduled]
    return started[completed.started_event_id]


async def test_two_workers_share_a_run_and_one_finishes_it_after_the_other_is_killed(
    worker_process, test_database_url: str, temporal_client: Client, task_queue: str
) -> None:
    pages, expected = await in_db_thread(courts_with_tracked_cases)
    with StandIn(pages, bandwidth_kbps=BANDWIDTH_KBPS) as standin:
        env = {"EWOKANDA_BASE_URL": standin.base_url, "COURT_SYNC_CONCURRENCY": "2",
               "COURT_SYNC_HEARTBEAT_TIMEOUT_S": "2", "COURT_SYNC_RETRY_INITIAL_S": "0.2"}
        workers = [worker_process(test_database_url, env=env), worker_process(test_database_url, env=env)]
        by_pid = {str(w.process.pid): w for w in workers if w.process is not None}
        handle = await temporal_client.start_workflow(
            CourtSessionSyncWorkflow.run, CourtSessionSyncInput(court_ids=await in_db_thread(court_ids, *COURTS)),
            id=f"court-{uuid.uuid4()}", task_queue=task_queue)
        court, victim = await court_in_flight(handle, standin, by_pid)
        victim.kill()
        survivor = next(w for w in workers if w is not victim)
        result = await asyncio.wait_for(handle.result(), 180)
        finisher = await completing_identity(handle, f"court-{court}")

    assert result.status == "completed_success", result.errors
    assert {c.parser_key for c in result.courts} == set(COURTS)
    assert result.sessions_created == expected
    killed = next(c for c in result.courts if c.parser_key == court)
    assert killed.attempt >= 2  # the attempt on the killed worker never finished
    assert finisher.partition("@")[0] == str(survivor.process.pid)
    assert survivor.process.poll() is None  # still serving

    def check() -> None:
        assert CourtSession.objects.count() == expected
        assert duplicates() == {"sessions": 0, "events": 0, "emails": 0}
        assert OutboxEmail.objects.filter(status="sent").count() == expected

    await in_db_thread(check)
