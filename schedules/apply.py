"""Make the Temporal server hold the declared schedules, without undoing what operators did there.

django-celery-beat restored the code's schedule over an admin's change on every restart; here a
applying only touches what the code declares (action, spec, policies) and keeps each schedule's state:
a paused schedule stays paused with its note, through any number of applies and deploys. Updating a
schedule replaces its whole state, so the update is built from the server's current description
(``handle.update``) with that description's state carried over.

``prune`` deletes only schedules that carry our memo mark and are no longer declared; anything
someone else created in the namespace is never touched.

Django-free like the rest of schedules/: the caller passes the task queue (settings.TEMPORAL_TASK_QUEUE).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from temporalio.client import (
    Client,
    ScheduleAlreadyRunningError,
    ScheduleDescription,
    ScheduleHandle,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

from schedules.build import build_schedule, normalise
from schedules.declared import MANAGED_BY, MANAGED_BY_KEY, ScheduleEntry, declared_schedules


@dataclass(frozen=True)
class ApplyLine:
    """One schedule's outcome: created / updated / unchanged / would create / would update /
    deleted / would delete; ``detail`` names the parts that differed."""

    schedule_id: str
    outcome: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.schedule_id}: {self.outcome}" + (f" ({self.detail})" if self.detail else "")


async def apply_schedules(
    client: Client,
    *,
    task_queue: str,
    dry_run: bool = False,
    prune: bool = False,
    entries: Iterable[ScheduleEntry] | None = None,
) -> list[ApplyLine]:
    """Create missing schedules, update differing ones, optionally prune ours that are gone from the code.
    Every schedule starts its workflow on ``task_queue``."""
    entries = declared_schedules() if entries is None else list(entries)
    lines = [await apply_one(client, entry, task_queue, dry_run=dry_run) for entry in entries]
    if prune:
        lines += await prune_undeclared(client, {entry.id for entry in entries}, dry_run=dry_run)
    return lines


async def describe_or_none(handle: ScheduleHandle) -> ScheduleDescription | None:
    """The schedule's description, or None when the server has no schedule with that id."""
    try:
        return await handle.describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise


async def apply_one(client: Client, entry: ScheduleEntry, task_queue: str, *, dry_run: bool) -> ApplyLine:
    desired = build_schedule(entry, task_queue)
    handle = client.get_schedule_handle(entry.id)
    described = await describe_or_none(handle)
    if described is None:
        if dry_run:
            return ApplyLine(entry.id, "would create")
        try:
            await client.create_schedule(entry.id, desired, memo=entry.memo())
            return ApplyLine(entry.id, "created")
        except ScheduleAlreadyRunningError:
            # Another worker starting with --apply-schedules created it a moment ago: compare with theirs.
            described = await handle.describe()

    wanted = await normalise(client, desired)
    differences = wanted.differences(await normalise(client, described.schedule))
    if not differences:
        return ApplyLine(entry.id, "unchanged")
    if dry_run:
        return ApplyLine(entry.id, "would update", ", ".join(differences))

    updated = False

    async def updater(update: ScheduleUpdateInput) -> ScheduleUpdate | None:
        nonlocal updated
        current = update.description.schedule
        if not wanted.differences(await normalise(client, current)):
            updated = False  # someone else synced in between (this may run again on a conflict)
            return None
        updated = True
        # Carry over paused, note and remaining actions: the update replaces the whole state.
        return ScheduleUpdate(schedule=dataclasses.replace(desired, state=current.state))

    await handle.update(updater)
    return ApplyLine(entry.id, "updated", ", ".join(differences)) if updated else ApplyLine(entry.id, "unchanged")


async def is_ours(description: ScheduleDescription) -> bool:
    """Whether the schedule carries our memo mark; a memo we cannot decode is someone else's."""
    try:
        return await description.memo_value(MANAGED_BY_KEY, None) == MANAGED_BY
    except Exception:  # noqa: BLE001 - a foreign encoding or codec: not ours, leave it alone
        return False


async def prune_undeclared(client: Client, declared_ids: set[str], *, dry_run: bool) -> list[ApplyLine]:
    """Delete (or, with dry_run, report) our schedules that the code no longer declares."""
    listed = [schedule.id async for schedule in await client.list_schedules()]
    lines = []
    for schedule_id in sorted(set(listed) - declared_ids):
        handle = client.get_schedule_handle(schedule_id)
        # The list is eventually consistent and its memo may lag: decide on a fresh description.
        description = await describe_or_none(handle)
        if description is None or not await is_ours(description):
            continue
        if dry_run:
            lines.append(ApplyLine(schedule_id, "would delete"))
            continue
        await handle.delete()
        lines.append(ApplyLine(schedule_id, "deleted"))
    return lines
