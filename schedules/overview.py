"""What an operator wants to see of each declared schedule: state, timing, next and last runs.

Read from the server every time (the server is the only record of state; Django keeps none): the
admin page and ``manage.py schedules list/describe`` show the same facts the Web UI does, with
times in the schedule's own time zone and a link to each run in the Web UI (at ``ui_url``, which the
caller passes from settings.TEMPORAL_UI_URL: schedules/ stays Django-free).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from temporalio.client import Client, ScheduleActionExecutionStartWorkflow, ScheduleDescription
from temporalio.service import RPCError, RPCStatusCode

from schedules.apply import describe_or_none
from schedules.declared import ScheduleEntry, declared_schedules
from schedules.words import ENGLISH, Words, duration_in_words, spec_in_words


@dataclass(frozen=True)
class RunView:
    """One run started by the schedule."""

    workflow_id: str
    run_id: str
    scheduled_at: datetime
    started_at: datetime
    status: str  # running, completed, failed, terminated, ... or "unknown" when the server forgot it
    url: str


@dataclass(frozen=True)
class ScheduleView:
    """One declared schedule as the server holds it (``exists`` False: not synced yet)."""

    entry: ScheduleEntry
    exists: bool
    paused: bool = False
    note: str = ""
    spec: str = ""
    overlap: str = ""
    catchup_window: str = ""  # in words
    next_runs: list[datetime] = field(default_factory=list)
    recent_runs: list[RunView] = field(default_factory=list)  # newest first
    actions: int = 0
    skipped_overlap: int = 0
    missed_catchup_window: int = 0

    @property
    def state(self) -> str:
        if not self.exists:
            return "missing"
        return "paused" if self.paused else "active"


def run_url(ui_url: str, namespace: str, workflow_id: str, run_id: str) -> str:
    """The run's page in the Temporal Web UI at ``ui_url``."""
    base = ui_url.rstrip("/")
    return f"{base}/namespaces/{quote(namespace, safe='')}/workflows/{quote(workflow_id, safe='')}/{run_id}"


async def run_status(client: Client, workflow_id: str, run_id: str) -> str:
    try:
        description = await client.get_workflow_handle(workflow_id, run_id=run_id).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return "unknown"  # past the namespace's retention
        raise
    return description.status.name.lower() if description.status else "unknown"


async def recent_runs(client: Client, description: ScheduleDescription, count: int, ui_url: str) -> list[RunView]:
    tz = ZoneInfo(description.schedule.spec.time_zone_name or "UTC")
    actions = list(reversed(description.info.recent_actions))[:count]
    starts = [a.action for a in actions if isinstance(a.action, ScheduleActionExecutionStartWorkflow)]
    statuses = await asyncio.gather(*(run_status(client, s.workflow_id, s.first_execution_run_id) for s in starts))
    return [
        RunView(
            workflow_id=start.workflow_id,
            run_id=start.first_execution_run_id,
            scheduled_at=action.scheduled_at.astimezone(tz),
            started_at=action.started_at.astimezone(tz),
            status=status,
            url=run_url(ui_url, client.namespace, start.workflow_id, start.first_execution_run_id),
        )
        for action, start, status in zip(actions, starts, statuses, strict=True)
    ]


async def schedule_view(client: Client, entry: ScheduleEntry, *, ui_url: str, next_count: int = 3,
                        run_count: int = 5, words: Words = ENGLISH) -> ScheduleView:
    description = await describe_or_none(client.get_schedule_handle(entry.id))
    if description is None:
        return ScheduleView(entry=entry, exists=False)
    schedule, info = description.schedule, description.info
    tz = ZoneInfo(schedule.spec.time_zone_name or "UTC")
    return ScheduleView(
        entry=entry,
        exists=True,
        paused=schedule.state.paused,
        note=schedule.state.note or "",
        spec=spec_in_words(schedule.spec, words),
        overlap=schedule.policy.overlap.name,
        catchup_window=duration_in_words(schedule.policy.catchup_window, words),
        next_runs=[t.astimezone(tz) for t in info.next_action_times[:next_count]],
        recent_runs=await recent_runs(client, description, run_count, ui_url),
        actions=info.num_actions,
        skipped_overlap=info.num_actions_skipped_overlap,
        missed_catchup_window=info.num_actions_missed_catchup_window,
    )


async def overview(client: Client, *, ui_url: str, entries: list[ScheduleEntry] | None = None, **kwargs: Any
                   ) -> list[ScheduleView]:
    """Every declared schedule's view, fetched concurrently."""
    entries = declared_schedules() if entries is None else entries
    return list(await asyncio.gather(*(schedule_view(client, entry, ui_url=ui_url, **kwargs) for entry in entries)))
