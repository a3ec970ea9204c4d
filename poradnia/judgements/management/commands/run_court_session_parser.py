"""Run the court-session parser now: on Temporal (default) or in-process (``--inline``).

``--inline`` is the fallback for when Temporal is down: the workflow's own flow (``court_session_run``) in this
process, its activities called once each, one court after another, recorded in the job history with the
same page stats and alerts. Running it while a scheduled run is in progress
creates no duplicates (unique constraints and conditional updates in poradnia.judgements.sync, not luck).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from poradnia.contracts import CLEAN_STATUSES, COURT_SESSIONS, CourtSessionSyncInput, CourtSessionSyncResult
from poradnia.jobs.command import JobCommand


class Command(JobCommand):
    help = "Fetch the eWokanda pages of the courts and sync tracked court cases' hearings into events."
    job = COURT_SESSIONS
    result_type = CourtSessionSyncResult

    def add_job_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--court", type=int, action="append", dest="court_ids", metavar="ID",
                            help="court id (repeatable); default: every active court")
        parser.add_argument("--parser", dest="parser_key", metavar="KEY", help="court parser key, e.g. WSA_Gliwice")
        parser.add_argument("--dry-run", action="store_true", help="write nothing; show what would change")

    def job_input(self, *, court_ids: list[int] | None = None, parser_key: str | None = None,
                  dry_run: bool = False, **options: Any) -> CourtSessionSyncInput:
        return CourtSessionSyncInput(court_ids=court_ids, parser_key=parser_key, dry_run=dry_run)

    def run_inline(self, job_input: CourtSessionSyncInput, *, workflow_id: str, run_id: str
                   ) -> CourtSessionSyncResult:
        from activities.inline import run_inline
        from workflows.court_sessions import court_session_run

        return run_inline(lambda steps: court_session_run(steps, job_input), workflow_id=workflow_id,
                          run_id=run_id)

    def check_result(self, result: CourtSessionSyncResult) -> None:
        if result.status not in CLEAN_STATUSES:
            raise CommandError(f"court-session parser finished with status {result.status}")
