#!/usr/bin/env python
"""Poradnia's Temporal worker: hosts every workflow and activity of the background jobs.

    python worker.py [--task-queue Q] [--max-concurrent-activities N]

Connects with temporalio's environment configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
TEMPORAL_API_KEY, TEMPORAL_TLS_*). On SIGINT/SIGTERM it stops polling, lets in-flight activities
finish for up to WORKER_GRACEFUL_SHUTDOWN_S seconds and exits 0. When the database or Temporal
cannot be reached at start it prints one line and exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import logging
import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import django
import django.core.exceptions

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poradnia.settings.prod")
try:
    django.setup()
except django.core.exceptions.ImproperlyConfigured as exc:  # a bad setting: one line, not a traceback
    sys.exit(f"ImproperlyConfigured: {exc}")

from django.conf import settings  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from temporalio.client import Client  # noqa: E402
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig  # noqa: E402
from temporalio.worker import Interceptor, Worker  # noqa: E402

from activities import build_activities  # noqa: E402
from poradnia import temporal  # noqa: E402
from poradnia.contracts import first_line  # noqa: E402
from poradnia.sentry import SentryInterceptor, init_sentry  # noqa: E402
from workflows import WORKFLOWS  # noqa: E402

log = logging.getLogger("poradnia.worker")


class DjangoActivityExecutor(ThreadPoolExecutor):
    """Runs sync activities; Django connections are per thread, so each activity starts and ends
    with ``close_old_connections()`` in its own thread (a dead or stale connection is never reused)."""

    def submit(self, fn, /, *args: Any, **kwargs: Any):  # type: ignore[override]
        def run() -> Any:
            close_old_connections()
            try:
                return fn(*args, **kwargs)
            finally:
                close_old_connections()

        return super().submit(run)


def default_interceptors() -> list[Interceptor]:
    """The Sentry reporter of final activity failures, when SENTRY_DSN is set."""
    return [SentryInterceptor()] if settings.SENTRY_DSN else []


def build_worker(
    client: Client,
    task_queue: str,
    executor: ThreadPoolExecutor,
    activities: list[Any] | None = None,
    *,
    max_concurrent_activities: int | None = None,
    graceful_shutdown_s: float = 0.0,
    interceptors: list[Interceptor] | None = None,
) -> Worker:
    """The worker with every workflow and activity; tests build the same one in-process.

    ``interceptors`` default: the Sentry reporter when SENTRY_DSN is set.
    """
    if interceptors is None:
        interceptors = default_interceptors()
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities if activities is not None else build_activities(client),
        activity_executor=executor,
        max_concurrent_activities=max_concurrent_activities or executor._max_workers,
        graceful_shutdown_timeout=timedelta(seconds=graceful_shutdown_s),
        interceptors=interceptors,
    )


def metrics_runtime(bind: str) -> Runtime | None:
    """A Temporal runtime serving Prometheus metrics (the SDK's and our counters) on ``bind``, e.g. 0.0.0.0:9464."""
    if not bind:
        return None
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind)))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task-queue", default=settings.TEMPORAL_TASK_QUEUE)
    parser.add_argument("--max-concurrent-activities", type=int, default=settings.WORKER_MAX_CONCURRENT_ACTIVITIES)
    parser.add_argument("--graceful-shutdown-s", type=float, default=settings.WORKER_GRACEFUL_SHUTDOWN_S)
    parser.add_argument("--apply-schedules", action=argparse.BooleanOptionalAction,
                        default=settings.WORKER_APPLY_SCHEDULES,
                        help="apply the declared schedules to Temporal before polling (env WORKER_APPLY_SCHEDULES)")
    return parser.parse_args(argv)


def check_database() -> None:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()


async def run(args: argparse.Namespace) -> int:
    address = f"{settings.TEMPORAL_ADDRESS} (namespace {settings.TEMPORAL_NAMESPACE})"
    runtime = metrics_runtime(settings.METRICS_BIND)
    try:
        client = await asyncio.wait_for(temporal.connect(**({"runtime": runtime} if runtime else {})), timeout=15)
    except Exception as exc:  # noqa: BLE001
        print(f"worker: cannot connect to Temporal at {address}: {first_line(exc)}", file=sys.stderr)
        return 1

    if args.apply_schedules:
        # Schedules as code (the job registry, schedules/declared.py); operators' pauses and notes survive it.
        from schedules.apply import apply_schedules

        try:
            for line in await apply_schedules(client, task_queue=settings.TEMPORAL_TASK_QUEUE):
                log.info("schedule %s", line)
        except Exception:  # noqa: BLE001 - the jobs already scheduled still need this worker
            log.exception("applying the schedules failed; running with the schedules the server has")

    sentry = init_sentry(settings.SENTRY_DSN)
    activities = build_activities(client)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    with DjangoActivityExecutor(max_workers=args.max_concurrent_activities, thread_name_prefix="activity") as pool:
        worker = build_worker(
            client, args.task_queue, pool, activities,
            max_concurrent_activities=args.max_concurrent_activities,
            graceful_shutdown_s=args.graceful_shutdown_s,
        )
        log.info(
            "worker connected to %s, task queue %r%s; workflows: %s; activities: %s",
            address, args.task_queue,
            (f", metrics on http://{settings.METRICS_BIND}/metrics" if runtime else "")
            + (", final activity failures to Sentry" if sentry else ""),
            ", ".join(w.__name__ for w in WORKFLOWS),
            ", ".join(getattr(a, "__temporal_activity_definition").name for a in activities),
        )
        worker_task = asyncio.create_task(worker.run())
        stop_task = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({worker_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        if stop_task in done:
            log.info("shutdown requested: draining in-flight work (up to %ss)", args.graceful_shutdown_s)
            await worker.shutdown()
        stop_task.cancel()
        await worker_task  # re-raises a fatal worker error
    if sentry:
        import sentry_sdk

        sentry_sdk.flush(timeout=5)  # the process exits without finalizing: send what is queued first
    log.info("worker stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    faulthandler.enable()  # a crash in native code (SDK core, drivers) still leaves a Python traceback
    args = parse_args(argv)
    try:
        check_database()
    except Exception as exc:  # noqa: BLE001
        db = settings.DATABASES["default"]
        where = db.get("HOST") or db["NAME"]
        print(f"worker: cannot reach the database at {where}: {first_line(exc)}", file=sys.stderr)
        return 1
    return asyncio.run(run(args))


if __name__ == "__main__":
    temporal.exit_process(main())
