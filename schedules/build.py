"""Turn a declared entry into a Temporal ``Schedule`` and compare it with what the server holds.

The server hands back a schedule in its own normal form (ranges with ``end`` and ``step`` filled
in, inputs as encoded payloads, task queue kinds, priorities, ...). Comparing that with the
declared one field by field would report a difference on every apply, so both sides are reduced to
a normalised form made only of the fields we set: the workflow type, its id, task queue and input
(decoded), the spec and the policies. The state (paused, note) is never compared: it belongs to
the operators.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)

from schedules.declared import ScheduleEntry

CALENDAR_FIELDS = ("second", "minute", "hour", "day_of_month", "month", "year", "day_of_week")


def build_schedule(entry: ScheduleEntry, task_queue: str) -> Schedule:
    """The schedule the server should hold for ``entry`` (its state left at the default: active)."""
    args = [] if entry.input is None else [entry.input]
    return Schedule(
        action=ScheduleActionStartWorkflow(entry.workflow, args=args, id=entry.id, task_queue=task_queue),
        spec=ScheduleSpec(calendars=[entry.calendar], time_zone_name=entry.time_zone),
        policy=SchedulePolicy(overlap=entry.overlap, catchup_window=entry.catchup_window),
    )


@dataclass(frozen=True)
class NormalisedSchedule:
    """The comparable part of a schedule; two schedules with equal forms behave the same."""

    workflow: str
    workflow_id: str
    task_queue: str
    input: str  # the decoded arguments as canonical JSON
    spec: tuple
    policy: tuple

    def differences(self, other: NormalisedSchedule) -> list[str]:
        """Names of the parts that differ, for the apply report (e.g. ``["spec", "policy"]``)."""
        parts = ("workflow", "workflow_id", "task_queue", "input", "spec", "policy")
        return [part.replace("_", " ") for part in parts if getattr(self, part) != getattr(other, part)]


def _ranges(ranges: Sequence[ScheduleRange]) -> tuple[tuple[int, int, int], ...]:
    # The server fills end (= start) and step (= 1) when they are left out; so does ScheduleRange.
    return tuple((r.start, max(r.end, r.start), r.step or 1) for r in ranges)


def _calendar(calendar: ScheduleCalendarSpec) -> tuple:
    return tuple(_ranges(getattr(calendar, name)) for name in CALENDAR_FIELDS) + (calendar.comment or "",)


def _duration(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def normalise_spec(spec: ScheduleSpec) -> tuple:
    """Every field of the spec, in a form where the server's defaults equal the client's."""
    return (
        tuple(_calendar(c) for c in spec.calendars),
        tuple((_duration(i.every), _duration(i.offset) or 0.0) for i in spec.intervals),
        tuple(spec.cron_expressions),
        tuple(_calendar(c) for c in spec.skip),
        spec.start_at,
        spec.end_at,
        _duration(spec.jitter) or 0.0,
        spec.time_zone_name or "",
    )


def normalise_policy(policy: SchedulePolicy) -> tuple:
    return (int(policy.overlap), _duration(policy.catchup_window), policy.pause_on_failure)


async def _decoded_args(client: Client, args: Sequence[Any]) -> str:
    """Arguments as canonical JSON, whether they are values (declared) or payloads (described)."""
    payloads = [
        arg if isinstance(arg, Payload) else (await client.data_converter.encode([arg]))[0] for arg in args
    ]
    values = await client.data_converter.decode(payloads) if payloads else []
    return json.dumps(values, sort_keys=True, default=str)


async def normalise(client: Client, schedule: Schedule) -> NormalisedSchedule:
    """The comparable form of a declared or a described schedule."""
    action = schedule.action
    if not isinstance(action, ScheduleActionStartWorkflow):  # the only kind of action there is today
        raise TypeError(f"unsupported schedule action {type(action).__name__}")
    return NormalisedSchedule(
        workflow=action.workflow,
        workflow_id=action.id,
        task_queue=action.task_queue,
        input=await _decoded_args(client, action.args),
        spec=normalise_spec(schedule.spec),
        policy=normalise_policy(schedule.policy),
    )
