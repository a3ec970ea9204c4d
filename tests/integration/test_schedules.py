"""Schedules as code against a real dev server: sync, operators' changes kept, CLI, backfill, prune, DST.

Each test works in a namespace of its own (``schedule_namespace``), with the real ``temporal``
binary for the operator's side.
"""

from __future__ import annotations

import asyncio
import dataclasses
import getpass
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from google.protobuf.timestamp_pb2 import Timestamp
from temporalio.api.workflowservice.v1 import ListScheduleMatchingTimesRequest
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleOverlapPolicy,
    ScheduleSpec,
    WorkflowExecutionStatus,
)

from activities.health import HealthCheckResult
from devtools.devserver import TemporalDevServer
from schedules import declared
from schedules.apply import apply_schedules, describe_or_none
from schedules.declared import SCHEDULES, at
from tests.support.schedulesupport import EVERY, EXPECTED, R, connect_to, describe, temporal_cli, wait_until

WARSAW = ZoneInfo("Europe/Warsaw")
@pytest.fixture
async def ns_client(temporal_server: TemporalDevServer, schedule_namespace: str) -> Client:
    """A Temporal client on the test's own namespace."""
    return await connect_to(temporal_server, schedule_namespace)


def outcomes(lines) -> dict[str, str]:
    return {line.schedule_id: line.outcome for line in lines}


async def test_sync_creates_the_declared_schedules_then_changes_nothing(ns_client: Client, task_queue: str) -> None:
    assert outcomes(await apply_schedules(ns_client, task_queue=task_queue)) == dict.fromkeys(EXPECTED, "created")

    for schedule_id, (workflow, calendar, catchup) in EXPECTED.items():
        found = await describe(ns_client, schedule_id)
        spec, action, policy = found.schedule.spec, found.schedule.action, found.schedule.policy
        assert spec.time_zone_name == "Europe/Warsaw"
        assert len(spec.calendars) == 1 and not spec.intervals and not spec.cron_expressions
        for name, ranges in {**EVERY, **calendar}.items():
            assert tuple(getattr(spec.calendars[0], name)) == ranges, (schedule_id, name)
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert (action.workflow, action.id, action.task_queue) == (workflow, schedule_id, task_queue)
        assert policy.overlap == ScheduleOverlapPolicy.SKIP and policy.catchup_window == catchup
        assert await found.memo() == {"managed-by": "poradnia", "description": declared.find_entry(schedule_id)
                                      .description}
        assert not found.schedule.state.paused

    again = await apply_schedules(ns_client, task_queue=task_queue)
    assert [str(line) for line in again] == [f"{i}: unchanged" for i in EXPECTED]


async def test_dry_run_reports_and_changes_nothing(ns_client: Client, task_queue: str) -> None:
    lines = await apply_schedules(ns_client, task_queue=task_queue, dry_run=True)
    assert outcomes(lines) == dict.fromkeys(EXPECTED, "would create")
    assert [s.id async for s in await ns_client.list_schedules()] == []

    await apply_schedules(ns_client, task_queue=task_queue)
    lines = await apply_schedules(ns_client, task_queue="another-queue", dry_run=True)
    assert {str(line) for line in lines} == {f"{i}: would update (task queue)" for i in EXPECTED}
    assert (await describe(ns_client, "health-check")).schedule.action.task_queue == task_queue


async def test_operator_pause_survives_sync_and_a_spec_change(
    ns_client: Client, temporal_server: TemporalDevServer, schedule_namespace: str, monkeypatch: pytest.MonkeyPatch,
    task_queue: str,
) -> None:
    await apply_schedules(ns_client, task_queue=task_queue)
    temporal_cli(temporal_server, schedule_namespace, "schedule", "toggle", "--schedule-id", "court-session-parser",
                 "--pause", "--reason", "eWokanda maintenance until Monday")

    assert outcomes(await apply_schedules(ns_client, task_queue=task_queue)) == dict.fromkeys(EXPECTED, "unchanged")
    state = (await describe(ns_client, "court-session-parser")).schedule.state
    assert state.paused and state.note == "eWokanda maintenance until Monday"

    # The code moves the parser to 22:40 and shortens the reminders' catch-up window.
    changed = {"court-session-parser": {"calendar": at(22, 40)},
               "event-reminders": {"catchup_window": timedelta(hours=6)}}
    monkeypatch.setattr(declared, "SCHEDULES", [dataclasses.replace(e, **changed.get(e.id, {})) for e in SCHEDULES])
    lines = {line.schedule_id: str(line) for line in await apply_schedules(ns_client, task_queue=task_queue)}
    assert lines["court-session-parser"] == "court-session-parser: updated (spec)"
    assert lines["event-reminders"] == "event-reminders: updated (policy)"
    assert lines["health-check"] == "health-check: unchanged"

    parser = await describe(ns_client, "court-session-parser")
    calendar = parser.schedule.spec.calendars[0]
    assert (tuple(calendar.hour), tuple(calendar.minute)) == ((R(22),), (R(40),))
    assert parser.schedule.spec.time_zone_name == "Europe/Warsaw"
    assert parser.schedule.state.paused and parser.schedule.state.note == "eWokanda maintenance until Monday"
    assert {t.astimezone(WARSAW).strftime("%H:%M") for t in parser.info.next_action_times} == {"22:40"}
    reminders = await describe(ns_client, "event-reminders")
    assert reminders.schedule.policy.catchup_window == timedelta(hours=6) and not reminders.schedule.state.paused
    assert outcomes(await apply_schedules(ns_client, task_queue=task_queue)) == dict.fromkeys(EXPECTED, "unchanged")


@pytest.mark.django_db(transaction=True)
async def test_cli_trigger_runs_the_health_check(
    ns_client: Client, temporal_server: TemporalDevServer, schedule_namespace: str, task_queue: str
) -> None:
    from worker import DjangoActivityExecutor, build_worker

    await apply_schedules(ns_client, task_queue=task_queue)
    with DjangoActivityExecutor(max_workers=4) as pool:
        async with build_worker(ns_client, task_queue, pool):
            temporal_cli(temporal_server, schedule_namespace, "schedule", "trigger", "--schedule-id", "health-check")

            async def started():
                return (await describe(ns_client, "health-check")).info.recent_actions

            (action,) = await wait_until(started, what="a triggered action")
            run = ns_client.get_workflow_handle(action.action.workflow_id, run_id=action.action.first_execution_run_id,
                                                result_type=HealthCheckResult)
            result = await asyncio.wait_for(run.result(), timeout=60)
    assert run.id.startswith("health-check-")
    assert isinstance(result, HealthCheckResult) and result.ok and result.db_ok and result.temporal_ok
    assert (await run.describe()).status == WorkflowExecutionStatus.COMPLETED


def run(coro):
    """Drive async checks from a sync test (management commands run their own event loop)."""
    return asyncio.run(coro)


def test_backfill_of_three_days_honours_skip(temporal_server: TemporalDevServer, schedule_namespace: str) -> None:
    call_command("apply_schedules", stdout=StringIO())
    out = StringIO()
    # Three days a month ago (a backfill reaches at most a year back), local midnights built through zoneinfo.
    warsaw = ZoneInfo("Europe/Warsaw")
    first = (datetime.now(warsaw) - timedelta(days=30)).date()
    start = datetime.combine(first, datetime.min.time(), warsaw)
    end = datetime.combine(first + timedelta(days=3), datetime.min.time(), warsaw)
    ran = datetime.combine(first, datetime.min.time().replace(hour=23, minute=10), warsaw).astimezone(UTC)
    # No worker: the first backfilled run stays running, so with SKIP the other two are skipped.
    call_command("schedules", "backfill", "court-session-parser", "--start", f"{first}T00:00",
                 "--end", f"{first + timedelta(days=3)}T00:00", stdout=out)
    assert out.getvalue().strip() == (f"court-session-parser: backfill requested for {start.isoformat()} .. "
                                      f"{end.isoformat()} (overlap SKIP)")

    async def check():
        client = await connect_to(temporal_server, schedule_namespace)

        async def settled():
            info = (await describe(client, "court-session-parser")).info
            return info if info.num_actions + info.num_actions_skipped_overlap >= 3 else None

        info = await wait_until(settled, what="three backfilled runs requested")

        async def listed():
            # Visibility is eventually consistent: the started run is listed a moment after describe counts it.
            ids = [w.id async for w in client.list_workflows('WorkflowType = "CourtSessionSyncWorkflow"')]
            return ids or None

        started = await wait_until(listed, what="the backfilled run listed")
        for workflow_id in started:
            await client.get_workflow_handle(workflow_id).terminate("test over")
        return info, started

    info, started = run(check())
    assert (info.num_actions, info.num_actions_skipped_overlap) == (1, 2)
    # The first of the three (23:10 in Warsaw on the first day) is the one that ran.
    assert [a.scheduled_at for a in info.recent_actions] == [ran]
    assert started == [f"court-session-parser-{ran:%Y-%m-%dT%H:%M:%S}Z"]


def test_prune_deletes_only_our_undeclared_schedules(temporal_server: TemporalDevServer,
                                                     schedule_namespace: str) -> None:
    async def create_extra() -> None:
        client = await connect_to(temporal_server, schedule_namespace)
        action = ScheduleActionStartWorkflow("HealthCheckWorkflow", id="x", task_queue="elsewhere")
        spec = ScheduleSpec(calendars=[at(3, 0)])
        await client.create_schedule("someone-elses-report", Schedule(action=action, spec=spec))
        await client.create_schedule("retired-job", Schedule(action=action, spec=spec),
                                     memo={"managed-by": "poradnia", "description": "gone from the code"})
        await wait_until(lambda: listed(client), what="both schedules listed")

    async def listed(client: Client | None = None) -> set[str]:
        client = client or await connect_to(temporal_server, schedule_namespace)
        return {s.id async for s in await client.list_schedules()}

    call_command("apply_schedules", stdout=StringIO())
    run(create_extra())

    out = StringIO()
    call_command("apply_schedules", "--prune", "--dry-run", stdout=out)
    assert out.getvalue().splitlines() == [f"{i}: unchanged" for i in EXPECTED] + ["retired-job: would delete"]
    assert {"retired-job", "someone-elses-report"} <= run(listed())

    out = StringIO()
    call_command("apply_schedules", "--prune", stdout=out)
    assert out.getvalue().splitlines()[-1] == "retired-job: deleted"
    assert "someone-elses-report" not in out.getvalue()

    async def remaining() -> set[str]:
        client = await connect_to(temporal_server, schedule_namespace)
        candidates = ["retired-job", "someone-elses-report", *EXPECTED]
        return {i for i in candidates if await describe_or_none(client.get_schedule_handle(i)) is not None}

    assert run(remaining()) == {"someone-elses-report", *EXPECTED}
    out = StringIO()
    call_command("apply_schedules", "--prune", stdout=out)
    assert out.getvalue().splitlines() == [f"{i}: unchanged" for i in EXPECTED]


def _timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


@pytest.mark.parametrize("first_day, last_day", [(date(2027, 3, 25), date(2027, 4, 2)),
                                                 (date(2027, 10, 24), date(2027, 11, 1))],
                         ids=["spring-forward", "fall-back"])
async def test_daily_jobs_run_once_per_local_day_across_dst(ns_client: Client, task_queue: str, first_day: date,
                                                            last_day: date) -> None:
    await apply_schedules(ns_client, task_queue=task_queue)
    # The start is exclusive: begin a minute before the first local midnight so 00:00 on day one counts.
    window_start = datetime.combine(first_day, datetime.min.time(), WARSAW) - timedelta(minutes=1)
    window_end = datetime.combine(last_day, datetime.max.time(), WARSAW)
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    daily = {"court-session-parser": "23:10", "event-reminders": "12:00", "clear-sessions": "00:00"}
    for schedule_id, local_time in daily.items():
        response = await ns_client.workflow_service.list_schedule_matching_times(ListScheduleMatchingTimesRequest(
            namespace=ns_client.namespace, schedule_id=schedule_id,
            start_time=_timestamp(window_start), end_time=_timestamp(window_end),
        ))
        times = [t.ToDatetime().replace(tzinfo=UTC).astimezone(WARSAW) for t in response.start_time]
        assert [t.date() for t in times] == days, schedule_id
        assert {t.strftime("%H:%M") for t in times} == {local_time}, schedule_id
    # The offsets really change (Warsaw: CET +01:00 / CEST +02:00), so the server applied the zone, not UTC.
    response = await ns_client.workflow_service.list_schedule_matching_times(ListScheduleMatchingTimesRequest(
        namespace=ns_client.namespace, schedule_id="court-session-parser",
        start_time=_timestamp(window_start), end_time=_timestamp(window_end),
    ))
    utc_times = {t.ToDatetime().strftime("%H:%M") for t in response.start_time}
    assert utc_times == {"21:10", "22:10"}


def test_schedules_command_pause_unpause_trigger_describe(
    temporal_server: TemporalDevServer, schedule_namespace: str
) -> None:
    call_command("apply_schedules", stdout=StringIO())

    def command(*args: str) -> str:
        out = StringIO()
        call_command("schedules", *args, stdout=out)
        return out.getvalue()

    assert command("pause", "event-reminders", "--note", "mail server migration") == "event-reminders: paused\n"
    listing = command("list").splitlines()
    assert len(listing) == len(EXPECTED)
    line = next(line for line in listing if line.startswith("event-reminders "))
    assert " paused " in line and "daily at 12:00 (Europe/Warsaw)" in line
    # Temporal records nobody: the note names who paused it (the watch's paused-too-long alert quotes the note).
    assert f"note: mail server migration (paused by {getpass.getuser()} with manage.py schedules)" in line
    described = command("describe", "event-reminders")
    assert "state        paused - note: mail server migration" in described
    assert "policy       overlap SKIP, catch-up window 1 day" in described

    assert command("unpause", "event-reminders") == "event-reminders: unpaused\n"
    assert command("trigger", "clear-sessions") == "clear-sessions: triggered (overlap SKIP)\n"

    async def check():
        client = await connect_to(temporal_server, schedule_namespace)
        reminders = await describe(client, "event-reminders")

        async def triggered():
            return (await describe(client, "clear-sessions")).info.recent_actions

        (action,) = await wait_until(triggered, what="the triggered run")
        await client.get_workflow_handle(action.action.workflow_id).terminate("test over")
        return reminders.schedule.state, action.action.workflow_id

    state, workflow_id = run(check())
    assert not state.paused and state.note == "unpaused with manage.py schedules"
    assert workflow_id.startswith("clear-sessions-")
    with pytest.raises(CommandError, match="unknown schedule 'clear-session'"):
        command("trigger", "clear-session")


@pytest.mark.django_db(transaction=True)
def test_worker_syncs_schedules_at_start(worker_process, test_database_url: str, temporal_server: TemporalDevServer,
                                         schedule_namespace: str, task_queue: str) -> None:
    proc = worker_process(test_database_url, env={"TEMPORAL_NAMESPACE": schedule_namespace,
                                                  "WORKER_APPLY_SCHEDULES": "true"})
    log = proc.output()
    for schedule_id in EXPECTED:
        assert f"schedule {schedule_id}: created" in log
    assert log.index("schedule health-check: created") < log.index("worker connected")

    async def queues() -> dict[str, str]:
        client = await connect_to(temporal_server, schedule_namespace)
        return {i: (await describe(client, i)).schedule.action.task_queue for i in EXPECTED}

    assert run(queues()) == dict.fromkeys(EXPECTED, task_queue)


async def test_two_syncs_racing_create_each_schedule_once(ns_client: Client, task_queue: str) -> None:
    # Two workers started together with --apply-schedules: the loser of each create compares instead of failing.
    first, second = await asyncio.gather(apply_schedules(ns_client, task_queue=task_queue),
                                         apply_schedules(ns_client, task_queue=task_queue))
    for schedule_id in EXPECTED:
        assert sorted([outcomes(first)[schedule_id], outcomes(second)[schedule_id]]) == ["created", "unchanged"]
    assert outcomes(await apply_schedules(ns_client, task_queue=task_queue)) == dict.fromkeys(EXPECTED, "unchanged")
