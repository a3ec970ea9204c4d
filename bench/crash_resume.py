"""``crash-resume``: SIGKILL the worker mid-run, start another, and measure what the crash cost."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .env import DEFAULT_PAGES, load_pages, now, track_sample


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction of courts done when the worker dies")
    parser.add_argument("--tracked", type=int, default=200)
    parser.add_argument("--bandwidth-kbps", type=int, default=1000, help="slows pages so a court is in flight")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--heartbeat-timeout-s", type=float, default=5.0)


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from temporalio.api.enums.v1 import PendingActivityState
    from temporalio.client import Client

    from devtools.audit import duplicate_counts
    from devtools.devserver import TemporalDevServer
    from devtools.processes import WorkerProcess
    from devtools.smtp import SmtpReceiver
    from devtools.standin import StandIn
    from poradnia.judgements.models import Court, CourtSession
    from workflows.court_sessions import CourtSessionSyncInput, CourtSessionSyncWorkflow

    pages = load_pages(args.pages)
    expected = track_sample(pages, args.tracked)
    job = CourtSessionSyncInput(court_ids=list(Court.objects.filter(parser_key__in=list(pages))
                                               .values_list("pk", flat=True)))
    kill_after = max(1, math.floor(args.kill_at * len(pages)))
    smtp = SmtpReceiver().start()
    server = TemporalDevServer(db_filename=workdir / "temporal.sqlite", log_file=workdir / "temporal.log").start()
    with StandIn(pages, bandwidth_kbps=args.bandwidth_kbps) as standin:
        env = {"DATABASE_URL": os.environ["DATABASE_URL"], "TEMPORAL_ADDRESS": server.address,
               "TEMPORAL_TASK_QUEUE": "bench", "EWOKANDA_BASE_URL": standin.base_url,
               "EWOKANDA_ALLOW_LOOPBACK": "true", "COURT_SYNC_CONCURRENCY": str(args.concurrency),
               "COURT_SYNC_HEARTBEAT_TIMEOUT_S": str(args.heartbeat_timeout_s), "COURT_SYNC_RETRY_INITIAL_S": "1",
               **smtp.env}
        workers = [WorkerProcess(env, workdir / "worker-1.log").start()]

        async def scenario() -> tuple[Any, float, float, float]:
            client = await Client.connect(server.address)
            handle = await client.start_workflow(CourtSessionSyncWorkflow.run, job, id=f"bench-{uuid.uuid4()}",
                                                 task_queue="bench")
            while True:  # wait for enough finished courts and one in flight
                progress = await handle.query(CourtSessionSyncWorkflow.progress)
                states = [p.state for p in progress.values()]
                if not states:  # the courts are not selected yet
                    await asyncio.sleep(0.05)
                    continue
                if states.count("done") >= kill_after and "running" in states:
                    break
                if "pending" not in states and "running" not in states:
                    raise SystemExit("the run ended before the kill point: slow the pages (--bandwidth-kbps)")
                await asyncio.sleep(0.05)
            workers[0].kill()
            killed_at, killed_wall = now(), datetime.now(UTC)
            workers.append(WorkerProcess(env, workdir / "worker-2.log").start())
            resumed = None
            result_task = asyncio.ensure_future(handle.result())
            while resumed is None and not result_task.done():
                for pending in (await handle.describe()).raw_description.pending_activities:
                    started = pending.last_started_time.ToDatetime(tzinfo=UTC)
                    if (pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
                            and started > killed_wall):
                        resumed = (started - killed_wall).total_seconds()
                await asyncio.sleep(0.05)
            result = await result_task
            return result, now() - killed_at, resumed if resumed is not None else float("nan"), killed_at

        try:
            result, kill_to_finish, kill_to_resume, _ = asyncio.run(scenario())
        finally:
            for worker in workers:
                worker.stop()
            server.stop()
        requests = sum(standin.request_count(key) for key in pages)
    smtp.stop()
    dupes = duplicate_counts()
    received = smtp.counts()
    return {
        "extra_fetches": requests - len(pages),
        "duplicate_events": dupes["events"],
        "duplicate_sessions": dupes["sessions"],
        "duplicate_emails": sum(n - 1 for n in received.values() if n > 1) + dupes["emails"],
        "kill_to_finish_s": round(kill_to_finish, 3),
        "kill_to_resume_s": round(kill_to_resume, 3),
        "status": result.status,
        "sessions": CourtSession.objects.count(),
        "expected_sessions": expected,
        "emails_received": sum(received.values()),
        "courts": len(pages),
        "killed_after_courts": kill_after,
        "heartbeat_timeout_s": args.heartbeat_timeout_s,
    }
