"""The contracts module: statuses agree with the model, the registry is the one source of job ids, helpers."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

from poradnia.contracts import (
    JOBS,
    CourtSyncSummary,
    InvalidTimestamp,
    PlannedChange,
    RunStatus,
    courts_status,
    first_line,
    parse_aware,
)
from poradnia.jobs.command import JobCommand, manual_workflow_id
from poradnia.monitoring.models import JobRun
from schedules.declared import SCHEDULES

ROOT = Path(__file__).resolve().parents[2]


def test_jobrun_statuses_are_the_run_statuses() -> None:
    assert {choice.value for choice in JobRun.Status} == {status.value for status in RunStatus}


def test_every_schedule_and_command_comes_from_the_registry() -> None:
    ids = [job.id for job in JOBS]
    assert len(set(ids)) == len(ids)
    assert [(e.id, e.workflow, e.input) for e in SCHEDULES] == [(j.id, j.workflow, j.default_input()) for j in JOBS]
    commands = get_commands()
    for job in JOBS:
        if job.command is None:
            continue
        command = load_command_class(commands[job.command], job.command)
        assert isinstance(command, JobCommand) and command.job is job
        assert any(a.dest == "inline" for a in command.create_parser("manage.py", job.command)._actions) == job.inline


def test_manual_workflow_id() -> None:
    job = JOBS[0]
    assert manual_workflow_id(job, datetime(2026, 5, 18, 10, 0, 1, 5, tzinfo=UTC)) == (
        f"{job.id}-manual-20260518T100001000005Z")


def test_every_activity_a_workflow_calls_by_name_is_registered() -> None:
    called = set()
    for path in (ROOT / "workflows").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", "") in {"execute_activity", "activity"}
                    and node.args and isinstance(node.args[0], ast.Constant)):
                called.add(node.args[0].value)
    registered = {fn.__temporal_activity_definition.name for fn in import_module("activities").build_activities(None)}
    assert {"select_courts", "sync_court", "send_outbox", "record_run_end", "watch_probe"} <= called
    assert called <= registered, called - registered


def test_each_activity_is_registered_under_its_python_name() -> None:
    # One name per activity: the one in the Web UI, the workflow's call, the code and --inline's lookup.
    pairs = {(fn.__name__, fn.__temporal_activity_definition.name)
             for fn in import_module("activities").build_activities(None)}
    assert {python for python, registered in pairs if python != registered} == set()


def test_parse_aware() -> None:
    assert parse_aware("2025-06-01T08:00:00+02:00") == datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
    with pytest.raises(InvalidTimestamp, match=r"--now '2025-06-01T08:00' needs a UTC offset"):
        parse_aware("2025-06-01T08:00", "--now")
    with pytest.raises(ValueError, match="is not an ISO 8601 timestamp"):
        parse_aware("yesterday")


def test_first_line() -> None:
    assert first_line(OSError("refused\nmore detail")) == "refused"
    assert first_line(TimeoutError()) == "TimeoutError"


@pytest.mark.parametrize(("total", "succeeded", "failed", "status"), [
    (0, 0, False, RunStatus.NO_COURTS), (3, 0, True, RunStatus.FAILED_ALL), (3, 2, True, RunStatus.PARTIAL),
    (3, 3, False, RunStatus.SUCCESS), (3, 3, True, RunStatus.PARTIAL),  # all courts fine, the outbox step failed
])
def test_courts_status(total: int, succeeded: int, failed: bool, status: RunStatus) -> None:
    assert courts_status(total, succeeded, failed) == status


def test_a_heartbeat_of_the_previous_release_still_resumes() -> None:
    # What sync_court heartbeated before the per-court types were merged (no court fields, no rows_seen).
    old = {"tracked_rows": 4, "sessions_created": 2, "sessions_updated": 0, "sessions_unchanged": 1,
           "emails_queued": 2, "groups_done": ["isa1|2026-05-18"],
           "planned": [{"action": "create", "signature": "I SA 1", "date": "2026-05-18", "slot": 0, "time": "10:00",
                        "case_id": 7}]}
    resumed = CourtSyncSummary.from_heartbeat(old)
    assert resumed.groups_done == ["isa1|2026-05-18"] and resumed.sessions_created == 2
    assert resumed.planned == [PlannedChange("create", "I SA 1", "2026-05-18", 0, "10:00", 7)]
    assert CourtSyncSummary.from_heartbeat(None) == CourtSyncSummary()


def test_registry_workflow_types_are_the_workers() -> None:
    from poradnia.contracts import UNSCHEDULED_WORKFLOWS
    from workflows import WORKFLOWS

    assert {job.workflow for job in JOBS} | UNSCHEDULED_WORKFLOWS == {
        w.__temporal_workflow_definition.name for w in WORKFLOWS}
