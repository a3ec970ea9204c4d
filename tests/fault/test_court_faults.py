"""Crash, resume and drain of the court-session parser with real worker processes."""

from __future__ import annotations

import asyncio
import signal
import uuid

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from devtools.standin import StandIn
from devtools.synthetic import generate_page, random_rows
from poradnia.judgements.models import CourtSession
from poradnia.outbox.models import OutboxEmail
from tests.support.courtdata import (
    FOUR_COURTS as COURTS,
)
from tests.support.courtdata import (
    court_ids,
    downloading,
    duplicates,
    make_case,
    synthetic_courts,
    track,
    upcoming_start,
    wait_for_running_activity,
)
from tests.support.dbthread import in_db_thread
from workflows.court_sessions import CourtSessionSyncInput, CourtSessionSyncWorkflow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]



async def test_sigkill_during_a_court_then_second_worker_finishes(
    worker_process, test_database_url: str, temporal_client: Client, task_queue: str
) -> None:
    pages, expected = await in_db_thread(lambda: synthetic_courts(COURTS))
    with StandIn(pages, bandwidth_kbps=800) as standin:
        env = {"EWOKANDA_BASE_URL": standin.base_url, "COURT_SYNC_CONCURRENCY": "1",
               "COURT_SYNC_HEARTBEAT_TIMEOUT_S": "2", "COURT_SYNC_RETRY_INITIAL_S": "0.2"}
        first = worker_process(test_database_url, env=env)
        handle = await temporal_client.start_workflow(
            CourtSessionSyncWorkflow.run, CourtSessionSyncInput(court_ids=await in_db_thread(court_ids, *COURTS)),
            id=f"court-{uuid.uuid4()}", task_queue=task_queue)
        # Courts run in parser-key order, one at a time: kill while the second one is in flight,
        # after the first one has finished.
        await wait_for_running_activity(handle, "court-WSA_Poznan")
        await asyncio.wait_for(downloading(standin, "WSA_Poznan"), 30)  # the download (~2.5 s) has begun
        await asyncio.sleep(0.5)
        first.kill()
        in_flight_fetches = standin.request_count("WSA_Poznan")
        worker_process(test_database_url, env=env)
        result = await asyncio.wait_for(handle.result(), 180)

    assert result.status == "completed_success", result.errors
    assert {c.parser_key for c in result.courts} == set(COURTS)
    assert result.sessions_created == expected
    assert standin.request_count("WSA_Opole") == 1  # finished before the crash: never fetched again
    assert in_flight_fetches == 1 and standin.request_count("WSA_Poznan") <= 2  # in flight: at most once more
    assert standin.request_count("WSA_Rzeszow") == standin.request_count("WSA_Szczecin") == 1
    poznan = next(c for c in result.courts if c.parser_key == "WSA_Poznan")
    assert poznan.attempt == 2

    def check() -> None:
        assert CourtSession.objects.count() == expected
        assert duplicates() == {"sessions": 0, "events": 0, "emails": 0}
        assert OutboxEmail.objects.filter(status="sent").count() == expected

    await in_db_thread(check)


async def test_sigterm_drains_the_activity_in_flight(
    worker_process, test_database_url: str, temporal_client: Client, task_queue: str
) -> None:
    tracked = await in_db_thread(make_case)
    await in_db_thread(track, tracked.case, "WSA_Opole", "II SA/Op 1/26")
    rows = random_rows(50, seed=1, court_code="Op", start=upcoming_start())
    with StandIn({"WSA_Opole": generate_page(rows)}, latency_ms=3000) as standin:
        env = {"EWOKANDA_BASE_URL": standin.base_url}
        proc = worker_process(test_database_url, env=env)
        handle = await temporal_client.start_workflow(
            CourtSessionSyncWorkflow.run, CourtSessionSyncInput(parser_key="WSA_Opole"),
            id=f"court-{uuid.uuid4()}", task_queue=task_queue)
        await wait_for_running_activity(handle, "court-WSA_Opole")
        proc.signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 60) == 0
        assert "draining in-flight work" in proc.output()
        history = await handle.fetch_history()
        scheduled = {e.event_id: e.activity_task_scheduled_event_attributes.activity_type.name
                     for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED}
        completed = [scheduled[e.activity_task_completed_event_attributes.scheduled_event_id]
                     for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED]
        assert "sync_court" in completed  # the court in flight finished on the draining worker
        worker_process(test_database_url, env=env)
        result = await asyncio.wait_for(handle.result(), 60)
    assert result.status == "completed_success"
    assert result.courts[0].attempt == 1 and standin.request_count("WSA_Opole") == 1
