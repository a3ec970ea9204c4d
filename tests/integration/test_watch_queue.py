"""The watch's backlog and start-latency checks against a real dev server, with and without a worker."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.client import Client

from poradnia.monitoring.models import Alert
from poradnia.monitoring.watch import run_round
from tests.support.dbthread import in_db_thread

pytestmark = pytest.mark.django_db(transaction=True)


async def test_probe_latency_and_backlog(run_worker, temporal_client: Client, task_queue: str, settings) -> None:
    async def connect() -> Client:
        return temporal_client

    latency_key, backlog_key = f"watch:start-latency:{task_queue}", f"watch:backlog:{task_queue}"
    settings.WATCH_START_LATENCY_S = 0.5
    settings.WATCH_BACKLOG_MAX = 2
    lines, _ = await run_round(connect, [], task_queue)  # no worker: the probe is started and waits
    assert "probe started (no result yet)" in next(line for line in lines if line.startswith("backlog:"))
    for _ in range(4):  # work piles up with nobody to take it
        await temporal_client.start_workflow("HealthCheckWorkflow", id=f"pile-{uuid.uuid4()}", task_queue=task_queue)
    for _ in range(30):  # the server caches a queue's stats for a few seconds
        await asyncio.sleep(0.5)
        lines, open_alerts = await run_round(connect, [], task_queue)
        backlog = next(line for line in lines if line.startswith("backlog:"))
        if "backlog: workflow 5," in backlog:
            break
    # Four piled-up runs and the probe's own workflow task.
    assert backlog.startswith("backlog: ALERT: backlog: workflow 5, activity 0; probe waiting "), backlog
    assert {latency_key, backlog_key} <= {a.dedupe_key for a in open_alerts}

    settings.WATCH_START_LATENCY_S = 30
    settings.WATCH_BACKLOG_MAX = 100
    async with run_worker():
        for _ in range(50):  # the worker takes the probe and the piled-up runs
            description = await temporal_client.get_workflow_handle(f"watch-probe-{task_queue}").describe()
            if description.status is not None and description.status.name == "COMPLETED":
                break
            await asyncio.sleep(0.2)
        lines, open_alerts = await run_round(connect, [], task_queue)
        backlog = next(line for line in lines if line.startswith("backlog:"))
        assert backlog.startswith("backlog: ok: ") and "probe start latency " in backlog, backlog
        lines, _ = await run_round(connect, [], task_queue)  # the next probe, taken at once by the live worker
    alerts = await in_db_thread(lambda: {a.dedupe_key: a.active for a in Alert.objects.all()})
    assert alerts[latency_key] is False and alerts[backlog_key] is False
