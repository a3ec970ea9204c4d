"""The court-session parser end to end: real dev server, real eWokanda stand-in, real pages."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connections
from temporalio.client import Client

from devtools.standin import StandIn
from devtools.synthetic import SyntheticRow, generate_page
from poradnia.events.models import Event
from poradnia.judgements.models import Court, CourtSession
from poradnia.outbox.models import OutboxEmail
from tests.support.courtdata import court_ids, duplicates, make_case, run_sync, track
from tests.support.dbthread import in_db_thread
from tests.support.pagecopies import first_date, starting
from tests.support.paths import SHARED
from workflows.court_sessions import CourtSessionSyncInput, CourtSessionSyncWorkflow

pytestmark = pytest.mark.django_db(transaction=True)
WARSAW = ZoneInfo("Europe/Warsaw")
PAGE_KEYS = ["WSA_Bialystok", "WSA_Bydgoszcz", "WSA_Gdansk", "WSA_Gliwice", "WSA_Gorzow", "WSA_Kielce",
             "WSA_Krakow", "WSA_Lublin", "WSA_Olsztyn"]


def real_cases():
    bialystok = make_case("Rozbiórka", staff=2)
    krakow = make_case("Podatek", staff=1)
    gliwice = make_case("Odpowiedzialność", staff=1)
    track(bialystok.case, "WSA_Bialystok", "II SA/Bk 818/21")  # two hearings on 2022-01-18
    track(krakow.case, "WSA_Krakow", "I SA/Kr 736/21")  # two on 2021-12-15, one without an hour
    track(gliwice.case, "WSA_Gliwice", "i sa/gl\u00a0 600/25")  # NBSP and lower case in what staff typed
    return bialystok, krakow, gliwice


@pytest.mark.postgres
async def test_real_pages_end_to_end_idempotent_and_one_update(
    run_worker, temporal_client: Client, task_queue: str, real_standin: StandIn
) -> None:
    bialystok, krakow, gliwice = await in_db_thread(real_cases)
    job = CourtSessionSyncInput(court_ids=await in_db_thread(court_ids, *PAGE_KEYS))
    # Bialystok's hearings moved into the future: a hearing whose date has passed is held, never updated.
    original = (SHARED / "pages" / "WSA_Bialystok.html").read_bytes()
    start = datetime.now(WARSAW).date() + timedelta(days=2)
    page = starting(original, start)
    moved_to = (date(2022, 1, 18) + (start - first_date(original))).isoformat()
    real_standin.set_page("WSA_Bialystok", page)
    async with run_worker():
        first = await run_sync(temporal_client, task_queue, job)
        assert first.status == "completed_success", first.errors
        assert (first.courts_total, first.courts_succeeded, first.sessions_created) == (9, 9, 5)
        # Kraków's and Gliwice's hearings are past and the pages show their results: one e-mail each.
        assert first.outcomes_recorded == 3
        assert first.emails_sent == 2 * 2 + 2 * 1 + 1 * 1 + 3 == len(mail.outbox)

        def check_first() -> None:
            bk = list(CourtSession.objects.filter(court_case__case=bialystok.case).select_related("event"))
            assert [(s.date.isoformat(), s.slot, s.event.time.astimezone(WARSAW).strftime("%H:%M")) for s in bk] == [
                (moved_to, 0, "09:45"), (moved_to, 1, "14:00")]
            kr = list(CourtSession.objects.filter(court_case__case=krakow.case).select_related("event"))
            assert [(s.slot, s.event.time.astimezone(WARSAW).strftime("%H:%M")) for s in kr] == [(0, "00:00"),
                                                                                                   (1, "11:00")]
            gl = CourtSession.objects.select_related("event").get(court_case__case=gliwice.case)
            assert gl.event.time == datetime(2026, 5, 18, 10, 0, tzinfo=WARSAW)
            assert "Sygnatura: I SA/Gl 600/25" in gl.event.text and not gl.event.deadline
            assert gl.event.created_by.username == "JudgementBot"
            assert set(mail.outbox[0].to) <= {u.email for t in (bialystok, krakow, gliwice) for u in t.staff}

        await in_db_thread(check_first)
        fetched = {key: real_standin.fetch_count(key) for key in PAGE_KEYS}
        assert set(fetched.values()) == {1}

        second = await run_sync(temporal_client, task_queue, job)
        assert (second.status, second.sessions_created, second.sessions_updated, second.emails_sent) == (
            "completed_success", 0, 0, 0)
        assert len(mail.outbox) == 10

        row = b"<tr class='alt'><td>II SA/Bk 818/21</td>\n\t<td>" + moved_to.encode() + b"</td>\t\n\t<td>14:00</td>"
        assert page.count(row) == 1
        real_standin.set_page("WSA_Bialystok", page.replace(row, row.replace(b"14:00", b"15:30")))
        third = await run_sync(temporal_client, task_queue, job)
    assert (third.sessions_created, third.sessions_updated, third.emails_sent) == (0, 1, 2)
    assert len(mail.outbox) == 12 and "15:30" in mail.outbox[-1].body

    def check_third() -> None:
        moved = CourtSession.objects.select_related("event").get(court_case__case=bialystok.case, slot=1)
        assert moved.event.time.astimezone(WARSAW).strftime("%H:%M") == "15:30"
        assert moved.event.modified_by.username == "JudgementBot" and moved.revision == 1
        assert duplicates() == {"sessions": 0, "events": 0, "emails": 0}

    await in_db_thread(check_third)


async def test_retries_5xx_and_isolates_a_court_without_table(
    run_worker, temporal_client: Client, task_queue: str, settings, fast_retries
) -> None:
    tracked = await in_db_thread(make_case)
    await in_db_thread(track, tracked.case, "WSA_Opole", "II SA/Op 1/26")
    pages = {
        "WSA_Opole": generate_page([SyntheticRow("II SA/Op 1/26", "2026-12-01", "10:00")]),
        "WSA_Lodz": generate_page([SyntheticRow("II SA/Łd 1/26", "2026-12-01", "10:00")], table=False),
    }
    with StandIn(pages) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        standin.fail_next("WSA_Opole", status=500, times=3)
        async with run_worker():
            result = await run_sync(temporal_client, task_queue, CourtSessionSyncInput(
                court_ids=await in_db_thread(court_ids, "WSA_Opole", "WSA_Lodz")))
        assert result.status == "completed_partial"
        assert (result.courts_succeeded, result.courts_failed, result.sessions_created) == (1, 1, 1)
        assert [(e.court, e.type) for e in result.errors] == [("WSA_Lodz", "ParseError")]
        assert "WSA_Lodz" in result.errors[0].message and "tabela" in result.errors[0].message
        opole = next(c for c in result.courts if c.parser_key == "WSA_Opole")
        assert opole.attempt == 4 and standin.request_count("WSA_Opole") == 4
        assert standin.request_count("WSA_Lodz") == 1  # non-retryable: asked once


async def test_dry_run_writes_nothing(run_worker, temporal_client: Client, task_queue: str, real_standin) -> None:
    await in_db_thread(real_cases)
    async with run_worker():
        result = await run_sync(temporal_client, task_queue, CourtSessionSyncInput(
            parser_key="WSA_Bialystok", dry_run=True))
    assert result.dry_run and result.sessions_created == 2 and result.emails_sent == 0
    planned = result.courts[0].planned
    # The page's dates are past: the first hearing's result ("Zdjęto z wokandy") would be recorded too.
    assert [(p.action, p.signature, p.slot, p.time) for p in planned] == [
        ("create", "II SA/Bk 818/21", 0, "09:45"), ("outcome", "II SA/Bk 818/21", 0, "09:45"),
        ("create", "II SA/Bk 818/21", 1, "14:00")]
    assert result.outcomes_recorded == 1
    assert await in_db_thread(lambda: (CourtSession.objects.count(), Event.objects.count(),
                                       OutboxEmail.objects.count())) == (0, 0, 0)


async def test_no_courts(run_worker, temporal_client: Client, task_queue: str) -> None:
    async with run_worker():
        result = await run_sync(temporal_client, task_queue, CourtSessionSyncInput(parser_key="WSA_Nowhere"))
    assert result.status == "completed_no_courts" and result.courts_total == 0


async def test_progress_query_reports_each_court(run_worker, temporal_client: Client, task_queue: str,
                                                 settings) -> None:
    with StandIn({"WSA_Opole": generate_page([SyntheticRow("II SA/Op 1/26", "2026-12-01")])},
                 latency_ms=1500) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        async with run_worker():
            handle = await temporal_client.start_workflow(
                CourtSessionSyncWorkflow.run, CourtSessionSyncInput(parser_key="WSA_Opole"),
                id=f"court-{uuid.uuid4()}", task_queue=task_queue)
            for _ in range(100):
                progress = await handle.query(CourtSessionSyncWorkflow.progress)
                if progress and progress["WSA_Opole"].state == "running":
                    break
                await asyncio.sleep(0.05)
            assert progress["WSA_Opole"].state == "running"
            await handle.result()
            final = await handle.query(CourtSessionSyncWorkflow.progress)
    assert final["WSA_Opole"].state == "done"


@pytest.mark.postgres
def test_inline_command_and_workflow_in_parallel_create_no_duplicates(
    real_standin, worker_process, test_database_url: str, settings, temporal_server, task_queue: str
) -> None:
    real_cases()
    settings.TEMPORAL_ADDRESS, settings.TEMPORAL_TASK_QUEUE = temporal_server.address, task_queue
    worker_process(test_database_url, env={"EWOKANDA_BASE_URL": real_standin.base_url})
    args = [item for court in court_ids(*PAGE_KEYS) for item in ("--court", str(court))]

    def command(*extra: str) -> dict:
        out = io.StringIO()
        try:
            call_command("run_court_session_parser", *args, *extra, stdout=out, stderr=io.StringIO())
        finally:
            connections.close_all()
        return json.loads(out.getvalue())

    with ThreadPoolExecutor(2) as pool:
        inline = pool.submit(command, "--inline")
        on_temporal = pool.submit(command)
        results = [inline.result(120), on_temporal.result(120)]
    assert [r["status"] for r in results] == ["completed_success", "completed_success"]
    assert sum(r["sessions_created"] for r in results) == 5
    assert CourtSession.objects.count() == 5
    assert duplicates() == {"sessions": 0, "events": 0, "emails": 0}
    # 7 hearings; 5 results of hearings already held (the pages' dates are past): Białystok's first, for its
    # two lawyers, Kraków's two and Gliwice's one.
    assert OutboxEmail.objects.filter(status="sent").count() == 12


@pytest.mark.postgres
@pytest.mark.django_db
def test_sync_court_heartbeats_progress_and_resumes_from_its_details(settings) -> None:
    from dataclasses import replace

    from temporalio.testing import ActivityEnvironment

    from activities.court_sessions import SyncCourtInput, sync_court

    tracked = make_case()
    first = track(tracked.case, "WSA_Opole", "II SA/Op 1/26")
    second = track(tracked.case, "WSA_Opole", "II SA/Op 2/26")
    page = generate_page([SyntheticRow("II SA/Op 1/26", "2026-12-01", "10:00"),
                          SyntheticRow("II SA/Op 2/26", "2026-12-02", "11:00")])
    court_id = Court.objects.get(parser_key="WSA_Opole").pk
    with StandIn({"WSA_Opole": page}) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        # A previous attempt heartbeated that it wrote the first court case and then died; its own
        # transaction had committed, but here we leave it out so that skipping is observable.
        env = ActivityEnvironment()
        env.info = replace(env.info, attempt=2, heartbeat_details=[
            {"groups_done": [str(first.pk)], "sessions_created": 1, "emails_queued": 1}])
        beats: list = []
        env.on_heartbeat = lambda *details: beats.append(details[0])
        summary = env.run(sync_court, SyncCourtInput(court_id=court_id))
    assert (summary.attempt, summary.resumed_groups, summary.sessions_created) == (2, 1, 2)
    assert list(CourtSession.objects.values_list("court_case__signature", flat=True)) == ["II SA/Op 2/26"]
    assert beats[-1]["groups_done"] == [str(first.pk), str(second.pk)]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_retry_after_a_lost_completion_reports_what_the_run_changed(settings) -> None:
    """The first attempt wrote everything but its completion never reached the server (and no heartbeat did):
    the retry finds every hearing in place and still reports the run's two created sessions, not zero."""
    from dataclasses import replace

    from temporalio.testing import ActivityEnvironment

    from activities.court_sessions import SyncCourtInput, sync_court

    tracked = make_case()
    track(tracked.case, "WSA_Opole", "II SA/Op 1/26")
    track(tracked.case, "WSA_Opole", "II SA/Op 2/26")
    page = generate_page([SyntheticRow("II SA/Op 1/26", "2026-12-01", "10:00"),
                          SyntheticRow("II SA/Op 2/26", "2026-12-02", "11:00")])
    court_id = Court.objects.get(parser_key="WSA_Opole").pk
    with StandIn({"WSA_Opole": page}) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        env = ActivityEnvironment()
        env.info = replace(env.info, workflow_id="court-session-parser-lost", attempt=1)
        first = env.run(sync_court, SyncCourtInput(court_id=court_id))
        env.info = replace(env.info, attempt=2, heartbeat_details=[])
        retry = env.run(sync_court, SyncCourtInput(court_id=court_id))
        other = ActivityEnvironment()  # a later run of its own: its changes are its own (none)
        other.info = replace(other.info, workflow_id="court-session-parser-next", attempt=2, heartbeat_details=[])
        next_run = other.run(sync_court, SyncCourtInput(court_id=court_id))
    assert (first.sessions_created, first.sessions_unchanged) == (2, 0)
    assert (retry.attempt, retry.sessions_created, retry.sessions_unchanged) == (2, 2, 0)
    assert (next_run.sessions_created, next_run.sessions_unchanged) == (0, 2)
    assert CourtSession.objects.count() == 2
