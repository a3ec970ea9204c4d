"""``manage.py apply_schedules [--dry-run] [--prune]``: make Temporal hold the schedules declared in code.

Safe to run on every deploy: operators' pauses and notes are kept, unchanged schedules are left
alone, and ``--prune`` deletes only schedules marked as ours that the code no longer declares.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from poradnia.jobs.command import TemporalCommand
from schedules.apply import apply_schedules


class Command(TemporalCommand):
    help = "Create or update the declared schedules on Temporal, keeping operators' pauses and notes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="change nothing; report what would change")
        parser.add_argument("--prune", action="store_true",
                            help="delete schedules marked as ours that are no longer declared")

    def handle(self, *args: Any, dry_run: bool, prune: bool, **options: Any) -> None:
        async def run() -> None:
            client = await self.connect()
            for line in await apply_schedules(client, task_queue=settings.TEMPORAL_TASK_QUEUE, dry_run=dry_run,
                                               prune=prune):
                self.stdout.write(str(line))

        self.run_async(run())
