"""Shared by the schedule tests: a Temporal namespace of each test's own, the real temporal CLI, waiting.

The dev server is shared by the whole session and ``--prune`` acts on a whole namespace, so every
schedule test gets a fresh namespace (created in ~0.1 s on the dev server) and deletes it at the
end, which also removes its schedules before any of them fires.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

from temporalio.client import Client, ScheduleDescription, ScheduleRange, ScheduleState

from devtools.devserver import TemporalDevServer, bundled_binary

# What schedules/declared.py must declare, for the unit and the dev-server tests alike.
R = ScheduleRange
EVERY = {"second": (R(0),), "day_of_month": (R(1, 31),), "month": (R(1, 12),), "day_of_week": (R(0, 6),)}
# id -> (workflow type, calendar fields that differ from "every", catch-up window)
EXPECTED = {
    "court-session-parser": ("CourtSessionSyncWorkflow", {"hour": (R(23),), "minute": (R(10),)}, timedelta(days=1)),
    "event-reminders": ("EventRemindersWorkflow", {"hour": (R(12),), "minute": (R(0),)}, timedelta(days=1)),
    "old-cases-reminder": ("OldCasesReminderWorkflow",
                           {"hour": (R(6),), "minute": (R(0),), "day_of_month": (R(2),)}, timedelta(days=31)),
    "clear-sessions": ("ClearSessionsWorkflow", {"hour": (R(0),), "minute": (R(0),)}, timedelta(days=1)),
    "court-parser-monitor": ("CourtParserMonitorWorkflow",
                             {"hour": (R(6),), "minute": (R(0),), "day_of_week": (R(0),)}, timedelta(days=7)),
    "health-check": ("HealthCheckWorkflow", {"hour": (R(0, 23),), "minute": (R(0),)}, timedelta(hours=1)),
    "retention": ("RetentionWorkflow", {"hour": (R(3),), "minute": (R(30),)}, timedelta(days=1)),
}

T = TypeVar("T")


def temporal(server: TemporalDevServer, *args: str, check: bool = True) -> str:
    """Run ``temporal <args> --address <test server>``; returns stdout, raises on failure when ``check``."""
    done = subprocess.run([str(bundled_binary("temporal")), *args, "--address", server.address],
                          capture_output=True, text=True, timeout=60)
    assert not check or done.returncode == 0, (
        f"temporal {' '.join(args)} exited {done.returncode}: {done.stdout}{done.stderr}")
    return done.stdout


def temporal_cli(server: TemporalDevServer, namespace: str, *args: str) -> str:
    """Run ``temporal <args>`` in the given namespace of the test server, as an operator would."""
    return temporal(server, *args, "--namespace", namespace)


@contextmanager
def app_namespace(temporal_server: TemporalDevServer, settings: Any, task_queue: str) -> Iterator[str]:
    """A fresh namespace that the app's settings point at (address, namespace, task queue); deleted after."""
    namespace = f"schedules-{uuid.uuid4().hex[:12]}"
    temporal(temporal_server, "operator", "namespace", "create", "--namespace", namespace)
    settings.TEMPORAL_ADDRESS = temporal_server.address
    settings.TEMPORAL_NAMESPACE = namespace
    settings.TEMPORAL_TASK_QUEUE = task_queue
    try:
        yield namespace
    finally:
        temporal(temporal_server, "operator", "namespace", "delete", "--namespace", namespace, "--yes", check=False)


async def connect_to(server: TemporalDevServer, namespace: str) -> Client:
    return await Client.connect(server.address, namespace=namespace)


async def describe(client: Client, schedule_id: str) -> ScheduleDescription:
    return await client.get_schedule_handle(schedule_id).describe()


async def wait_until(probe: Callable[[], Awaitable[T | None]], timeout: float = 30, what: str = "condition") -> T:
    """Poll ``probe`` until it returns something truthy (the scheduler acts asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout}s")
        await asyncio.sleep(0.2)


def server_state(temporal_server: TemporalDevServer, namespace: str, schedule_id: str) -> ScheduleState:
    async def fetch() -> ScheduleState:
        return (await describe(await connect_to(temporal_server, namespace), schedule_id)).schedule.state

    return asyncio.run(fetch())
