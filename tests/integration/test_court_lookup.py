"""Lookup on registration: a registered court case gets its hearings from a run started at once.

Real dev server, in-process worker, real stand-in with a shifted copy of a real page.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import Client

from devtools.devserver import free_port
from devtools.standin import StandIn
from poradnia.contracts import CourtLookupResult, lookup_workflow_id
from poradnia.judgements.models import CourtCase, CourtSession
from poradnia.monitoring.models import JobRun
from tests.support import pagecopies
from tests.support.courtdata import make_case, track
from tests.support.dbthread import in_db_thread
from tests.support.paths import SHARED

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.court_lookup]
WARSAW = ZoneInfo("Europe/Warsaw")


def shifted(key: str) -> bytes:
    path = SHARED / "pages" / f"{key}.html"
    if not path.exists():
        pytest.skip("../shared/ewokanda is not available")
    return pagecopies.starting(path.read_bytes(), datetime.now(WARSAW).date() + timedelta(days=2))


@pytest.fixture
def lookup_settings(settings, temporal_server, task_queue: str) -> None:
    settings.TEMPORAL_ADDRESS = temporal_server.address
    settings.TEMPORAL_TASK_QUEUE = task_queue
    settings.COURT_LOOKUP_QUIET_S = 1.0
    settings.COURT_LOOKUP_MAX_WAIT_S = 30.0


def signatures(page: bytes, count: int) -> list[str]:
    seen: list[str] = []
    for row in pagecopies.split(page).rows:
        sig = pagecopies.cells(row)[0]
        if sig not in seen:
            seen.append(sig)
    return seen[:count]


async def lookup_runs(client: Client, workflow_id: str, expected: int) -> int:
    """Executions with that id, as visibility shows them (it may lag a little)."""
    for _ in range(50):
        found = [w async for w in client.list_workflows(f'WorkflowId = "{workflow_id}"')]
        if len(found) >= expected:
            return len(found)
        await asyncio.sleep(0.1)
    return len(found)


async def test_twenty_registrations_start_one_lookup_and_their_hearings_appear(
    run_worker, temporal_client: Client, lookup_settings, settings
) -> None:
    key = "WSA_Bialystok"
    page = shifted(key)
    wanted = signatures(page, 20)
    with StandIn({key: page}) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        async with run_worker():
            def register() -> None:
                tracked = make_case("Dwadzieścia spraw", staff=1)
                for signature in wanted:  # each create commits on its own: twenty on_commit lookups
                    track(tracked.case, key, signature)

            await in_db_thread(register)
            handle = temporal_client.get_workflow_handle(lookup_workflow_id(key), result_type=CourtLookupResult)
            result = await handle.result()
        assert (result.runs, result.requests, result.statuses) == (1, 20, ["completed_success"])
        assert standin.fetch_count(key) == 1
    assert await lookup_runs(temporal_client, lookup_workflow_id(key), 1) == 1
    runs = await in_db_thread(lambda: list(JobRun.objects.filter(job="court-session-parser")
                                           .values_list("workflow_id", "status")))
    assert len(runs) == 1 and runs[0][0].startswith(lookup_workflow_id(key)) and runs[0][1] == "completed_success"
    expected = sum(len(pagecopies.find(page, s)) for s in wanted)
    assert await in_db_thread(lambda: CourtSession.objects.filter(court_case__court__parser_key=key).count()) == (
        expected)
    assert await in_db_thread(lambda: set(CourtSession.objects.values_list("court_case__signature", flat=True))) == (
        set(wanted))


async def test_a_case_registered_while_its_courts_lookup_runs_is_looked_up(
    run_worker, temporal_client: Client, lookup_settings, settings
) -> None:
    key = "WSA_Kielce"
    page = shifted(key)
    first, second = signatures(page, 2)
    # About 2 s per page: the second registration lands while the first run is fetching.
    with StandIn({key: page}, bandwidth_kbps=400) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        async with run_worker():
            tracked = await in_db_thread(make_case, "Wyścig", 1)
            await in_db_thread(track, tracked.case, key, first)
            while standin.request_count(key) == 0:  # the run has read the tracked cases and is fetching
                await asyncio.sleep(0.02)
            await in_db_thread(track, tracked.case, key, second)
            result = await temporal_client.get_workflow_handle(lookup_workflow_id(key),
                                                               result_type=CourtLookupResult).result()
    assert (result.runs, result.requests) == (2, 2)  # the registration during the run got a run of its own
    found = await in_db_thread(lambda: set(CourtSession.objects.values_list("court_case__signature", flat=True)))
    assert found == {first, second}
    assert await lookup_runs(temporal_client, lookup_workflow_id(key), 1) == 1


def test_registration_succeeds_when_temporal_is_unreachable(settings, caplog) -> None:
    settings.TEMPORAL_ADDRESS = f"127.0.0.1:{free_port()}"  # nothing listens there
    tracked = make_case("Bez Temporala", staff=1)
    with caplog.at_level(logging.WARNING, logger="poradnia.judgements.lookup"):
        court_case = track(tracked.case, "WSA_Opole", "II SA/Op 5/26")
    assert CourtCase.objects.filter(pk=court_case.pk).exists()
    assert any("court lookup for WSA_Opole" in r.getMessage() and "nightly run" in r.getMessage()
               for r in caplog.records)


def test_registration_against_a_silent_temporal_waits_only_the_start_timeout(settings, caplog) -> None:
    """A Temporal that takes the connection and never answers (a hung proxy) must not hold the admin's save."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts, never speaks
    try:
        settings.TEMPORAL_ADDRESS = f"127.0.0.1:{listener.getsockname()[1]}"
        settings.COURT_LOOKUP_START_TIMEOUT_S = 0.5
        tracked = make_case("Cichy Temporal", staff=1)
        with caplog.at_level(logging.WARNING, logger="poradnia.judgements.lookup"):
            court_case = track(tracked.case, "WSA_Opole", "II SA/Op 7/26")
    finally:
        listener.close()
    assert CourtCase.objects.filter(pk=court_case.pk).exists()
    warnings = [r.getMessage() for r in caplog.records if "court lookup for WSA_Opole" in r.getMessage()]
    assert warnings and "TimeoutError" in warnings[0]


def test_lookup_can_be_switched_off(settings, caplog) -> None:
    settings.COURT_LOOKUP_ON_REGISTRATION = False
    settings.TEMPORAL_ADDRESS = f"127.0.0.1:{free_port()}"
    tracked = make_case("Wyłączone", staff=1)
    with caplog.at_level(logging.INFO, logger="poradnia.judgements.lookup"):
        track(tracked.case, "WSA_Opole", "II SA/Op 6/26")
    assert not [r for r in caplog.records if r.name == "poradnia.judgements.lookup"]
