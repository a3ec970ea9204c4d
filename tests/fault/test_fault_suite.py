"""The fault suite: malformed pages, misbehaving court servers, killed workers, a restarted Temporal server and a
PostgreSQL outage. Each ends with every expected session present and no duplicate event, session or e-mail."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError

from devtools.devserver import TemporalDevServer
from devtools.processes import WorkerProcess
from devtools.smtp import SmtpReceiver
from devtools.standin import StandIn
from devtools.synthetic import (
    MALFORMED_EXPECTED,
    SyntheticRow,
    generate_page,
    malformed_variants,
    random_rows,
)
from poradnia.judgements.courts import COURTS
from poradnia.judgements.models import Court, CourtSession
from poradnia.judgements.parser import WARSAW, parse_page
from tests.support.courtdata import (
    downloading,
    duplicates,
    four_courts,
    make_case,
    run_sync,
    track,
    upcoming_start,
    wait_for_running_activity,
)
from tests.support.dbthread import in_db_thread
from workflows.court_sessions import CourtSessionSyncInput, CourtSessionSyncWorkflow

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
BASE_SIGNATURES = [f"II SA/Gl {100 + i}/25" for i in range(4)]  # the malformed variants' hearings


def sessions_by_court() -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {}
    for s in CourtSession.objects.select_related("court_case", "event"):
        local = s.event.time.astimezone(WARSAW).isoformat()
        found.setdefault(s.parser_key, set()).add((s.court_case.signature, local))
    return found


async def test_malformed_corpus_fails_cleanly_or_skips_bad_rows(
    run_worker, temporal_client: Client, task_queue: str, settings
) -> None:
    variants = malformed_variants()
    assert len(variants) >= 20
    good_page = generate_page([SyntheticRow("I OSK 1/26", "2026-12-01", "09:00")])
    courts = [key for key, _ in COURTS if key != "NSA"]  # NSA serves a good page in every round
    names = sorted(variants)
    settings.COURT_SYNC_RETRY_INITIAL_S = 0.1

    def prepare(batch: dict[str, str]) -> list[int]:
        from poradnia.events.models import Event
        from poradnia.judgements.models import CourtCase
        from poradnia.outbox.models import OutboxEmail

        for model in (OutboxEmail, CourtSession, Event, CourtCase):  # a fresh round
            model.objects.all().delete()
        tracked = make_case()
        track(tracked.case, "NSA", "I OSK 1/26")
        for court in batch:
            for signature in BASE_SIGNATURES:
                track(tracked.case, court, signature)
        return list(Court.objects.filter(parser_key__in=[*batch, "NSA"]).values_list("pk", flat=True))

    for start in range(0, len(names), len(courts)):
        batch = dict(zip(courts, names[start:start + len(courts)], strict=False))
        ids = await in_db_thread(prepare, batch)
        pages = {court: variants[name] for court, name in batch.items()} | {"NSA": good_page}
        with StandIn(pages) as standin:
            settings.EWOKANDA_BASE_URL = standin.base_url
            async with run_worker():
                result = await run_sync(temporal_client, task_queue, CourtSessionSyncInput(court_ids=ids))
        errors = {e.court: e for e in result.errors}
        found = await in_db_thread(sessions_by_court)
        assert found["NSA"] == {("I OSK 1/26", "2026-12-01T09:00:00+01:00")}, "a good court was affected"
        for court, name in batch.items():
            expected = MALFORMED_EXPECTED[name]
            if expected.error:
                assert errors[court].type == "ParseError" and expected.error in errors[court].message, name
                assert court in errors[court].message and not found.get(court), name
                assert standin.request_count(court) == 1, f"{name}: a parse error must not be retried"
            else:
                assert court not in errors, (name, errors.get(court))
                parsed = parse_page(variants[name], court=court).rows
                rows = {(r.signature, r.time.astimezone(WARSAW).isoformat()) for r in parsed}
                assert len(rows) == expected.rows and found.get(court, set()) == rows, name
                summary = next(c for c in result.courts if c.parser_key == court)
                assert summary.bad_rows == expected.bad_rows, name  # the whole page, parsed once
        assert await in_db_thread(duplicates) == {"sessions": 0, "events": 0, "emails": 0}


async def test_court_server_faults(run_worker, temporal_client: Client, task_queue: str, settings) -> None:
    settings.COURT_SYNC_RETRY_INITIAL_S, settings.COURT_SYNC_MAX_ATTEMPTS = 0.1, 3
    settings.EWOKANDA_READ_TIMEOUT, settings.EWOKANDA_TOTAL_TIMEOUT = 0.5, 1.5
    row = {key: SyntheticRow(f"II SA/{code} 1/26", "2026-12-01", "10:00", subject="Zażółć gęślą jaźń")
           for key, code in [("WSA_Gliwice", "Gl"), ("WSA_Opole", "Op"), ("WSA_Poznan", "Po"),
                             ("WSA_Rzeszow", "Rz"), ("WSA_Szczecin", "Sz"), ("WSA_Warszawa", "Wa"),
                             ("WSA_Wroclaw", "Wr")]}
    tracked = await in_db_thread(make_case)
    for key, r in row.items():
        await in_db_thread(track, tracked.case, key, r.signature)
    pages = {key: generate_page([r]) for key, r in row.items()}
    pages["WSA_Warszawa"] = generate_page([row["WSA_Warszawa"]], encoding="windows-1250", meta_charset=False)
    pages["WSA_Szczecin"] = pages["WSA_Szczecin"] + b" " * (25 * 1024 * 1024)
    ids = await in_db_thread(lambda: list(Court.objects.filter(parser_key__in=list(row)).values_list("pk", flat=True)))
    with StandIn(pages) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        standin.drip("WSA_Opole", bytes_per_s=200)  # past the total deadline, never a read timeout
        standin.truncate("WSA_Poznan", at_bytes=500)
        standin.fail_next("WSA_Rzeszow", status=503, times=2)  # a burst of 503, then the page
        standin.set_page("WSA_Warszawa", pages["WSA_Warszawa"], content_type="text/html; charset=windows-1250")
        standin.redirect_loop("WSA_Wroclaw")
        async with run_worker():
            result = await run_sync(temporal_client, task_queue, CourtSessionSyncInput(court_ids=ids))
        assert standin.request_count("WSA_Szczecin") == 1  # too large: not retried
        assert standin.request_count("WSA_Rzeszow") == 3
    assert {e.court: e.type for e in result.errors} == {
        "WSA_Opole": "FetchTimeout", "WSA_Poznan": "TruncatedBody", "WSA_Szczecin": "PageTooLarge",
        "WSA_Wroclaw": "TooManyRedirects"}
    assert result.status == "completed_partial"
    found = await in_db_thread(sessions_by_court)
    assert set(found) == {"WSA_Gliwice", "WSA_Rzeszow", "WSA_Warszawa"}
    text = await in_db_thread(lambda: CourtSession.objects.select_related("event").get(
        parser_key="WSA_Warszawa").event.text)
    assert "Zażółć gęślą jaźń" in text  # windows-1250 decoded by the HTTP charset
    assert await in_db_thread(duplicates) == {"sessions": 0, "events": 0, "emails": 0}


@pytest.mark.slow
async def test_three_sigkills_during_one_run(
    worker_process, test_database_url: str, temporal_client: Client, task_queue: str
) -> None:
    pages, expected, ids = await in_db_thread(four_courts)
    smtp = SmtpReceiver().start()
    try:
        with StandIn(pages, bandwidth_kbps=800) as standin:
            env = {"EWOKANDA_BASE_URL": standin.base_url, "COURT_SYNC_CONCURRENCY": "1",
                   "COURT_SYNC_HEARTBEAT_TIMEOUT_S": "2", "COURT_SYNC_RETRY_INITIAL_S": "0.2", **smtp.env}
            worker = worker_process(test_database_url, env=env)
            handle = await temporal_client.start_workflow(
                CourtSessionSyncWorkflow.run, CourtSessionSyncInput(court_ids=ids), id=f"court-{uuid.uuid4()}",
                task_queue=task_queue)
            for court in ["WSA_Opole", "WSA_Poznan", "WSA_Rzeszow"]:  # in flight, one after another
                await wait_for_running_activity(handle, f"court-{court}")
                await asyncio.wait_for(downloading(standin, court), 30)
                await asyncio.sleep(0.3)
                worker.kill()
                worker = worker_process(test_database_url, env=env)
            result = await asyncio.wait_for(handle.result(), 240)
            assert all(standin.request_count(c) <= 2 for c in ["WSA_Opole", "WSA_Poznan", "WSA_Rzeszow"])
            assert standin.request_count("WSA_Szczecin") == 1
        assert result.status == "completed_success" and result.sessions_created == expected
        await asyncio.to_thread(smtp.wait_for, expected, 60)
        assert max(smtp.counts().values()) == 1 and len(smtp.messages) == expected
    finally:
        smtp.stop()
    assert await in_db_thread(lambda: CourtSession.objects.count()) == expected
    assert await in_db_thread(duplicates) == {"sessions": 0, "events": 0, "emails": 0}


async def result_across_outages(handle: WorkflowHandle, timeout: float):
    """Wait for the result; a server being restarted answers RPC errors meanwhile."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await handle.result()
        except RPCError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)


@pytest.mark.slow
async def test_dev_server_restart_mid_run(worker_process, test_database_url: str, tmp_path: Path) -> None:
    pages, expected, ids = await in_db_thread(four_courts)
    server = TemporalDevServer(db_filename=tmp_path / "temporal.sqlite", log_file=tmp_path / "server.log").start()
    try:
        with StandIn(pages, bandwidth_kbps=800) as standin:
            env = {"EWOKANDA_BASE_URL": standin.base_url, "COURT_SYNC_CONCURRENCY": "1",
                   "COURT_SYNC_HEARTBEAT_TIMEOUT_S": "5", "COURT_SYNC_RETRY_INITIAL_S": "0.2",
                   "TEMPORAL_ADDRESS": server.address, "TEMPORAL_TASK_QUEUE": "restart"}
            worker = worker_process(test_database_url, env=env)
            client = await Client.connect(server.address)
            handle = await client.start_workflow(CourtSessionSyncWorkflow.run, CourtSessionSyncInput(court_ids=ids),
                                                 id=f"court-{uuid.uuid4()}", task_queue="restart")
            await wait_for_running_activity(handle, "court-WSA_Poznan")
            server.stop()
            await asyncio.sleep(2)
            server.start()  # same port, same SQLite file
            client = await Client.connect(server.address)
            result = await asyncio.wait_for(result_across_outages(
                client.get_workflow_handle_for(CourtSessionSyncWorkflow.run, handle.id), 240), 260)
            assert worker.process.poll() is None, "the worker survived the server restart"
    finally:
        server.stop()
    assert result.status == "completed_success" and result.sessions_created == expected
    assert await in_db_thread(lambda: CourtSession.objects.count()) == expected
    assert await in_db_thread(duplicates) == {"sessions": 0, "events": 0, "emails": 0}


SETUP_SCRIPT = """
import django, json, sys
django.setup()
from tests.support.courtdata import four_courts
pages, expected, ids = four_courts()
print(json.dumps({"expected": expected, "ids": ids}))
"""
CHECK_SCRIPT = """
import django, json
django.setup()
from poradnia.judgements.models import CourtSession
from tests.support.courtdata import duplicates
print(json.dumps({"sessions": CourtSession.objects.count(), "duplicates": duplicates()}))
"""


def in_database(url: str, script: str) -> dict:
    import json

    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "poradnia.settings.dev"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.own_database
async def test_postgres_down_for_60s_mid_run(temporal_client: Client, tmp_path: Path) -> None:
    from devtools.pgcluster import PostgresCluster, find_bindir

    if find_bindir() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PostgreSQL binaries are required in CI")
        pytest.skip("PostgreSQL binaries not found")
    cluster = PostgresCluster().start()  # its own dir: the postgres user cannot enter pytest's tmp_path
    try:
        url = cluster.url
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True, timeout=300,
                       env={**os.environ, "DATABASE_URL": url})
        setup = in_database(url, SETUP_SCRIPT)
        pages = {key: generate_page(random_rows(400, seed=i, court_code=code, start=upcoming_start()))
                 for i, (key, code) in enumerate({"WSA_Opole": "Op", "WSA_Poznan": "Po", "WSA_Rzeszow": "Rz",
                                                  "WSA_Szczecin": "Sz"}.items())}
        queue = f"pg-{uuid.uuid4().hex[:8]}"
        with StandIn(pages, bandwidth_kbps=800) as standin:
            worker = WorkerProcess({"DATABASE_URL": url, "TEMPORAL_ADDRESS": temporal_client.service_client.config
                                   .target_host, "TEMPORAL_TASK_QUEUE": queue, "EWOKANDA_BASE_URL": standin.base_url,
                                    "COURT_SYNC_CONCURRENCY": "1", "COURT_SYNC_RETRY_INITIAL_S": "1",
                                    "COURT_SYNC_RETRY_MAX_INTERVAL_S": "10", "COURT_SYNC_MAX_ATTEMPTS": "20"},
                                   tmp_path / "worker.log").start()
            try:
                handle = await temporal_client.start_workflow(
                    CourtSessionSyncWorkflow.run, CourtSessionSyncInput(court_ids=setup["ids"]),
                    id=f"court-{uuid.uuid4()}", task_queue=queue)
                await wait_for_running_activity(handle, "court-WSA_Poznan")
                cluster.stop("fast")
                await asyncio.sleep(60)
                cluster.start()
                result = await asyncio.wait_for(handle.result(), 300)
            finally:
                worker.stop()
        assert result.status == "completed_success", result.errors
        assert result.sessions_created == setup["expected"]
        check = in_database(url, CHECK_SCRIPT)
        assert check == {"sessions": setup["expected"], "duplicates": {"sessions": 0, "events": 0, "emails": 0}}
    finally:
        cluster.destroy()
