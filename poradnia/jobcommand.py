"""Base of the management commands that run a background job now, on Temporal or in-process.

    python manage.py <job> [--inline] [--now 2025-06-01T08:00:00+02:00]

Without ``--inline`` the job's workflow is started on the configured Temporal task queue (the same
code path as the schedule, visible in the Web UI), the command waits for it and prints its result as
JSON. With ``--inline`` the same domain functions run in this process, including sending the
outbox, and print the same JSON: for when Temporal is down or for a quick check on a laptop.
Running either while a scheduled run is in progress is safe: the jobs' writes are idempotent and
guarded by unique constraints.
"""

from __future__ import annotations

import asyncio
import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from poradnia.jobs.command import TemporalCommand


class JobCommand(TemporalCommand, ABC):
    job: str  # workflow id prefix, e.g. "event-reminders"

    @abstractmethod
    def workflow_run(self) -> Callable[..., Any]:
        """The workflow's run method."""

    @abstractmethod
    def workflow_input(self, now: str | None) -> Any:
        """The workflow's input dataclass."""

    @abstractmethod
    def run_inline(self, now: datetime) -> Any:
        """Run the job in this process; returns the workflow's result dataclass."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--inline", action="store_true",
                            help="run in this process instead of as a workflow on Temporal")
        parser.add_argument("--now", help="decide as of this ISO 8601 time with offset (default: now)")

    def handle(self, *args: Any, inline: bool, now: str | None, **options: Any) -> None:
        if now is not None:
            try:
                parsed = datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now {now!r} is not an ISO 8601 timestamp") from None
            if parsed.tzinfo is None:
                raise CommandError(f"--now {now!r} needs a UTC offset, e.g. 2025-06-01T08:00:00+02:00")
        if inline:
            result = self.run_inline(parsed if now is not None else timezone.now())
        else:
            result = asyncio.run(self.run_on_temporal(now))
        self.stdout.write(json.dumps(asdict(result), indent=2, ensure_ascii=False))

    async def run_on_temporal(self, now: str | None) -> Any:
        client = await self.connect()
        workflow_id = f"{self.job}-cli-{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}"
        self.stderr.write(f"started workflow {workflow_id} on task queue {settings.TEMPORAL_TASK_QUEUE}")
        return await client.execute_workflow(
            self.workflow_run(), self.workflow_input(now), id=workflow_id,
            task_queue=settings.TEMPORAL_TASK_QUEUE,
        )
