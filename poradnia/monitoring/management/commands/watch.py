"""``manage.py watch [--once] [--interval S]``: the watch (poradnia/monitoring/watch.py), run outside the worker.

``--once`` runs every check once, prints one line per check (and one for the notifications sent) and
exits 1 while any alert the watch owns is open, else 0. Without it, a round every WATCH_INTERVAL_S
seconds until SIGTERM / SIGINT; ``--alive-file`` is touched after every round (the container's
healthcheck reads its age).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from poradnia import temporal
from poradnia.jobs.command import TemporalCommand
from poradnia.monitoring.watch import run_round
from schedules.declared import declared_schedules

log = logging.getLogger("poradnia.watch")


class Command(TemporalCommand):
    help = "Watch the workers, the task queue, the schedules and the mail; raise and resolve the alerts."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one round; exit 1 while a watch alert is open")
        parser.add_argument("--interval", type=float, default=None,
                            help="seconds between rounds (default WATCH_INTERVAL_S)")
        parser.add_argument("--task-queue", default=None, help="default TEMPORAL_TASK_QUEUE")
        parser.add_argument("--alive-file", default="", help="touched after every round")

    def handle(self, *args: Any, once: bool, interval: float | None, task_queue: str | None, alive_file: str,
               **options: Any) -> None:
        if interval is not None:  # the setting's own range (0 meant the default, a negative one spun)
            low, high = settings.SETTING_RANGES["WATCH_INTERVAL_S"]
            if not low <= interval <= high:
                raise CommandError(f"--interval {interval:g} is out of range: use a number from {low:g} to {high:g}")
        queue = task_queue or settings.TEMPORAL_TASK_QUEUE
        ids = [entry.id for entry in declared_schedules()]
        if once:
            lines, open_alerts = asyncio.run(run_round(temporal.connect, ids, queue))
            self._print(lines, open_alerts)
            if open_alerts:
                raise SystemExit(1)
            return
        asyncio.run(self._loop(ids, queue, interval if interval is not None else settings.WATCH_INTERVAL_S,
                               alive_file))

    def _print(self, lines: list[str], open_alerts: list) -> None:
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(f"open: {len(open_alerts)} watch alert(s)"
                          + "".join(f" | {a.dedupe_key}" for a in open_alerts))
        self.stdout.flush()

    async def _loop(self, ids: list[str], queue: str, interval: float, alive_file: str) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        self.stdout.write(f"watch: every {interval:g} s, task queue {queue!r}, {len(ids)} schedules")
        while not stop.is_set():
            try:
                lines, open_alerts = await run_round(temporal.connect, ids, queue)
                self._print(lines, open_alerts)
                if alive_file:
                    Path(alive_file).touch()
            except Exception:  # noqa: BLE001 - e.g. the database is down: log it, try again next round
                log.exception("watch round failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass
        self.stdout.write("watch stopped")
