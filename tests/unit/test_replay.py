"""Determinism: recorded histories of every workflow kind replay against today's workflow code.

A change that alters the commands a workflow issues for an existing history (order, type or number of
activities) fails here before it can break a run that is in flight in production.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.support.nondeterministic import HealthCheckWithoutRunHistory
from workflows import WORKFLOWS

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
KINDS = ["CourtSessionSyncWorkflow", "CourtParserMonitorWorkflow", "HealthCheckWorkflow", "EventRemindersWorkflow",
         "OldCasesReminderWorkflow", "ClearSessionsWorkflow", "RetentionWorkflow", "WatchProbeWorkflow"]


def history(kind: str) -> WorkflowHistory:
    path = HISTORIES / f"{kind}.json"
    assert path.exists(), f"{path} missing: record with python -m tests.support.record_histories"
    return WorkflowHistory.from_json(f"replay-{kind}", path.read_text())


@pytest.mark.parametrize("kind", KINDS)
async def test_recorded_history_replays(kind: str) -> None:
    recorded = history(kind)
    assert len(recorded.events) > 10  # a real run with activities, not an empty file
    await Replayer(workflows=WORKFLOWS).replay_workflow(recorded)


async def test_a_non_deterministic_change_is_caught() -> None:
    others = [w for w in WORKFLOWS if w.__name__ != "HealthCheckWorkflow"]
    replayer = Replayer(workflows=[*others, HealthCheckWithoutRunHistory])
    with pytest.raises(workflow.NondeterminismError):
        await replayer.replay_workflow(history("HealthCheckWorkflow"))
