"""Operator actions on our schedules: pause, unpause, trigger now, backfill.

Shared by ``manage.py schedules`` and the admin's Background jobs page, so both act the same way
as ``temporal schedule ...``: the state changes on the server (nothing is stored in Django), and a
trigger or backfill follows the schedule's own overlap policy (SKIP: a start while a run is in
progress is skipped, not stacked) unless an overlap policy is given explicitly.
"""

from __future__ import annotations

from datetime import datetime

from temporalio.client import Client, ScheduleBackfill, ScheduleHandle, ScheduleOverlapPolicy

from schedules.declared import ScheduleEntry, declared_schedules, find_entry


class UnknownSchedule(LookupError):
    """The id is not one of the declared schedules (a typo must never reach someone else's schedule)."""

    def __init__(self, schedule_id: str) -> None:
        known = ", ".join(entry.id for entry in declared_schedules())
        super().__init__(f"unknown schedule {schedule_id!r}; declared: {known}")


def declared(schedule_id: str) -> ScheduleEntry:
    entry = find_entry(schedule_id)
    if entry is None:
        raise UnknownSchedule(schedule_id)
    return entry


def _handle(client: Client, schedule_id: str) -> ScheduleHandle:
    return client.get_schedule_handle(declared(schedule_id).id)


async def pause(client: Client, schedule_id: str, note: str) -> None:
    """Pause; the note is the operators' record of why (kept by every apply_schedules)."""
    await _handle(client, schedule_id).pause(note=note)


async def unpause(client: Client, schedule_id: str, note: str) -> None:
    await _handle(client, schedule_id).unpause(note=note)


async def schedule_overlap(handle: ScheduleHandle) -> ScheduleOverlapPolicy:
    """The overlap policy the server holds for the schedule."""
    return (await handle.describe()).schedule.policy.overlap


async def trigger(client: Client, schedule_id: str, overlap: ScheduleOverlapPolicy | None = None
                  ) -> ScheduleOverlapPolicy:
    """Start the schedule's action now; returns the overlap policy applied."""
    handle = _handle(client, schedule_id)
    overlap = overlap or await schedule_overlap(handle)
    await handle.trigger(overlap=overlap)
    return overlap


async def backfill(client: Client, schedule_id: str, start: datetime, end: datetime,
                   overlap: ScheduleOverlapPolicy | None = None) -> ScheduleOverlapPolicy:
    """Take the actions the spec matches in (start, end] as if that time passed now.

    With the default SKIP policy only the first of several backfilled runs starts when they would
    overlap; pass BUFFER_ALL to run every one of them in turn.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("backfill start and end need a UTC offset")
    if end <= start:
        raise ValueError("backfill end must be after its start")
    handle = _handle(client, schedule_id)
    overlap = overlap or await schedule_overlap(handle)
    await handle.backfill(ScheduleBackfill(start_at=start, end_at=end, overlap=overlap))
    return overlap
