"""Run the court-session parser now: on Temporal (default) or in-process (``--inline``).

``--inline`` is the fallback for a legacy cron line: the same domain code, one court after another,
without Temporal. Running it while a scheduled run is in progress creates no duplicates (unique
constraints and conditional updates in poradnia.judgements.sync, not luck).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone

from poradnia.jobs.command import TemporalCommand
from poradnia.judgements.fetcher import FetchError
from poradnia.judgements.parser import ParseError
from poradnia.judgements.sync import EMAIL_KIND, selected_courts
from poradnia.monitoring.mail import send_and_watch
from poradnia.outbox.services import TemporaryEmailError


class Command(TemporalCommand):
    help = "Fetch the eWokanda pages of the courts and sync tracked court cases' hearings into events."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--court", type=int, action="append", dest="court_ids", metavar="ID",
                            help="court id (repeatable); default: every active court")
        parser.add_argument("--parser", dest="parser_key", metavar="KEY", help="court parser key, e.g. WSA_Gliwice")
        parser.add_argument("--dry-run", action="store_true", help="write nothing; show what would change")
        parser.add_argument("--inline", action="store_true", help="run in this process, without Temporal")
        parser.add_argument("--workflow-id", help="workflow id (default: court-session-parser-manual-<time>)")

    def handle(self, *args, court_ids, parser_key, dry_run, inline, workflow_id, **options) -> None:
        from workflows.court_sessions import CourtSessionSyncInput

        job = CourtSessionSyncInput(court_ids=court_ids, parser_key=parser_key, dry_run=dry_run)
        result = run_inline(job) if inline else asyncio.run(self.run_on_temporal(job, workflow_id))
        self.stdout.write(json.dumps(asdict(result), ensure_ascii=False, indent=2))
        if result.status not in {"completed_success", "completed_no_courts"}:
            raise CommandError(f"court-session parser finished with status {result.status}")

    async def run_on_temporal(self, job, workflow_id: str | None):
        from workflows.court_sessions import CourtSessionSyncWorkflow

        client = await self.connect()
        workflow_id = workflow_id or f"court-session-parser-manual-{timezone.now():%Y%m%dT%H%M%S%f}"
        self.stderr.write(f"started workflow {workflow_id} on task queue {settings.TEMPORAL_TASK_QUEUE}")
        return await client.execute_workflow(CourtSessionSyncWorkflow.run, job, id=workflow_id,
                                             task_queue=settings.TEMPORAL_TASK_QUEUE)


def run_inline(job):
    """The workflow's work in-process, one court after another; the same result shape."""
    from activities.court_sessions import error_type, run_court
    from workflows.court_sessions import CourtError, CourtSessionSyncResult, finish

    courts = selected_courts(job.court_ids, job.parser_key)
    result = CourtSessionSyncResult(status="completed_no_courts", courts_total=len(courts), dry_run=job.dry_run)
    for court in courts:
        try:
            result.courts.append(run_court(court, dry_run=job.dry_run))
        except (FetchError, ParseError) as exc:
            result.errors.append(CourtError(court=court.parser_key, type=error_type(exc), message=str(exc)))
    if not job.dry_run and courts:
        try:
            sent = send_and_watch(kinds=[EMAIL_KIND])
            result.emails_sent, result.emails_failed = sent.sent, sent.failed
        except TemporaryEmailError as exc:  # rows stay pending: the next run sends them
            result.errors.append(CourtError(court="outbox", type="TemporaryEmailError", message=str(exc)))
    return finish(result)
