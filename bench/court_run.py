"""``court-run``: the full CourtSessionSyncWorkflow on the stand-in vs the same work inline, court after court."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import uuid
from pathlib import Path
from typing import Any

from .env import DEFAULT_PAGES, load_pages, now, peak_rss_mb, temporal_and_worker, track_sample


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--latency-ms", type=float, default=300)
    parser.add_argument("--bandwidth-kbps", type=int, default=None, help="per connection, kilobits/s")
    parser.add_argument("--tracked", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from django.conf import settings
    from django.core.management import CommandError, call_command

    from devtools.standin import StandIn
    from poradnia.contracts import COURT_SESSIONS, CourtSessionSyncInput, CourtSessionSyncResult, RunStatus
    from poradnia.events.models import Event
    from poradnia.judgements.models import Court, CourtSession
    from poradnia.outbox.models import OutboxEmail

    pages = load_pages(args.pages)
    expected_rows = track_sample(pages, args.tracked)
    court_ids = list(Court.objects.filter(parser_key__in=list(pages)).values_list("pk", flat=True))
    job = CourtSessionSyncInput(court_ids=court_ids)
    with StandIn(pages, latency_ms=args.latency_ms, bandwidth_kbps=args.bandwidth_kbps) as standin:
        env = {"EWOKANDA_BASE_URL": standin.base_url, "COURT_SYNC_CONCURRENCY": str(args.concurrency)}
        with temporal_and_worker(workdir, env) as (server, worker):
            async def execute():
                from temporalio.client import Client

                client = await Client.connect(server.address)
                return await client.execute_workflow(COURT_SESSIONS.workflow, job, id=f"bench-{uuid.uuid4()}",
                                                     task_queue="bench", result_type=CourtSessionSyncResult)

            started = now()
            result = asyncio.run(execute())
            wall = now() - started
            rss = peak_rss_mb(worker.process.pid)
        fetched = sum(standin.fetch_count(key) for key in pages)
        # The same work again, in-process and sequential (the --inline path), from the same empty state.
        OutboxEmail.objects.all().delete()
        CourtSession.objects.all().delete()
        Event.objects.all().delete()
        settings.EWOKANDA_BASE_URL = standin.base_url
        # Through the command as an operator runs it (bench/ does not reach into a command's module).
        out = io.StringIO()
        started = now()
        try:
            call_command("run_court_session_parser", "--inline", *(f"--court={pk}" for pk in court_ids), stdout=out)
        except CommandError as exc:
            raise SystemExit(f"the inline run did not succeed: {exc}\n{out.getvalue()}") from None
        inline_wall = now() - started
        inline = json.loads(out.getvalue())
    if result.status != RunStatus.SUCCESS or inline["status"] != RunStatus.SUCCESS:
        raise SystemExit(f"runs did not succeed: {result.status} {result.errors} / {inline['status']} "
                         f"{inline['errors']}")
    return {
        "wall_s": round(wall, 3),
        "pages_fetched": fetched,
        "sessions_created": result.sessions_created,
        "expected_sessions": expected_rows,
        "worker_peak_rss_mb": rss,
        "inline_wall_s": round(inline_wall, 3),
        "inline_sessions_created": inline["sessions_created"],
        "ratio": round(inline_wall / wall, 2),
        "courts": len(pages),
        "tracked": args.tracked,
        "latency_ms": args.latency_ms,
        "bandwidth_kbps": args.bandwidth_kbps,
        "concurrency": args.concurrency,
    }
