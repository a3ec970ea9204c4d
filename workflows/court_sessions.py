"""CourtSessionSyncWorkflow: the nightly court-session parser, one activity per court.

Finished courts are never redone after a crash (their activity results are in history), the court
in flight resumes from its last heartbeat, and one broken court never fails the others.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.court_sessions import (
        CourtRef,
        CourtSelection,
        CourtSyncSummary,
        SelectCourtsInput,
        SyncCourtInput,
        select_courts,
        sync_court,
    )
    from poradnia.judgements.sync import EMAIL_KIND
    from poradnia.monitoring.alerts import ALERT_KIND
    from workflows.sending import send_emails
    from workflows.tracking import tracked_run


@dataclass
class CourtSessionSyncInput:
    court_ids: list[int] | None = None
    parser_key: str | None = None
    dry_run: bool = False


@dataclass
class CourtError:
    court: str
    type: str
    message: str


@dataclass
class CourtProgress:
    state: str = "pending"  # pending | running | done | failed
    sessions_created: int = 0
    sessions_updated: int = 0
    error: str = ""


@dataclass
class CourtSessionSyncResult:
    status: str  # completed_success | completed_partial | failed_all_courts | completed_no_courts
    courts_total: int = 0
    courts_succeeded: int = 0
    courts_failed: int = 0
    sessions_created: int = 0
    sessions_updated: int = 0
    sessions_not_listed: int = 0
    sessions_listed_again: int = 0
    sessions_moved: int = 0
    bytes_fetched: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    dry_run: bool = False
    errors: list[CourtError] = field(default_factory=list)
    courts: list[CourtSyncSummary] = field(default_factory=list)


def finish(result: CourtSessionSyncResult) -> CourtSessionSyncResult:
    """Totals and status from the per-court summaries and errors (shared with the --inline path)."""
    result.courts.sort(key=lambda s: s.parser_key)
    result.errors.sort(key=lambda e: e.court)
    result.courts_succeeded = len(result.courts)
    result.courts_failed = len({e.court for e in result.errors if e.court != "outbox"})
    result.sessions_created = sum(s.sessions_created for s in result.courts)
    result.sessions_updated = sum(s.sessions_updated for s in result.courts)
    result.sessions_not_listed = sum(s.sessions_not_listed for s in result.courts)
    result.sessions_listed_again = sum(s.sessions_listed_again for s in result.courts)
    result.sessions_moved = sum(s.sessions_moved for s in result.courts)
    result.bytes_fetched = sum(s.bytes_fetched for s in result.courts)
    if result.courts_total == 0:
        result.status = "completed_no_courts"
    elif result.courts_succeeded == 0:
        result.status = "failed_all_courts"
    elif result.errors:
        result.status = "completed_partial"
    else:
        result.status = "completed_success"
    return result


def _root_cause(exc: BaseException) -> tuple[str, str]:
    cause: BaseException = exc
    while isinstance(cause, ActivityError) and cause.cause is not None:
        cause = cause.cause
    if isinstance(cause, ApplicationError):
        return cause.type or "ApplicationError", cause.message
    return type(cause).__name__, str(cause)


@workflow.defn
class CourtSessionSyncWorkflow:
    def __init__(self) -> None:
        self._progress: dict[str, CourtProgress] = {}

    @workflow.query
    def progress(self) -> dict[str, CourtProgress]:
        """Each court's state while the run goes on (``temporal workflow query --name progress``)."""
        return self._progress

    @workflow.run
    async def run(self, input: CourtSessionSyncInput | None = None) -> CourtSessionSyncResult:
        input = input or CourtSessionSyncInput()
        return await tracked_run("court-session-parser", lambda: self._sync(input), lambda r: r.status,
                                 alert=not input.dry_run)

    async def _sync(self, input: CourtSessionSyncInput) -> CourtSessionSyncResult:
        selection: CourtSelection = await workflow.execute_activity(
            select_courts,
            SelectCourtsInput(court_ids=input.court_ids, parser_key=input.parser_key),
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=2), maximum_attempts=10),
        )
        result = CourtSessionSyncResult(status="completed_no_courts", courts_total=len(selection.courts),
                                        dry_run=input.dry_run)
        if not selection.courts:
            return result
        self._progress = {c.parser_key: CourtProgress() for c in selection.courts}
        limit = asyncio.Semaphore(selection.concurrency)
        retry = RetryPolicy(
            initial_interval=timedelta(seconds=selection.retry_initial_s),
            backoff_coefficient=2.0,
            maximum_interval=timedelta(seconds=selection.retry_max_interval_s),
            maximum_attempts=selection.max_attempts,
        )

        async def one(court: CourtRef) -> None:
            async with limit:
                progress = self._progress[court.parser_key]
                progress.state = "running"
                try:
                    summary: CourtSyncSummary = await workflow.execute_activity(
                        sync_court,
                        SyncCourtInput(court_id=court.id, dry_run=input.dry_run),
                        activity_id=f"court-{court.parser_key}",
                        start_to_close_timeout=timedelta(seconds=selection.start_to_close_s),
                        heartbeat_timeout=timedelta(seconds=selection.heartbeat_timeout_s),
                        retry_policy=retry,
                    )
                except ActivityError as exc:
                    kind, message = _root_cause(exc)
                    progress.state, progress.error = "failed", f"{kind}: {message}"
                    result.errors.append(CourtError(court=court.parser_key, type=kind, message=message))
                    return
                progress.state = "done"
                progress.sessions_created = summary.sessions_created
                progress.sessions_updated = summary.sessions_updated
                result.courts.append(summary)

        await asyncio.gather(*(one(court) for court in selection.courts))
        if not input.dry_run:
            # Always run the sending step: it also delivers rows a previous run could not send.
            try:
                sent = await send_emails(EMAIL_KIND, ALERT_KIND)  # with drift alerts the courts raised
                result.emails_sent, result.emails_failed = sent.sent, sent.failed
            except ActivityError as exc:
                kind, message = _root_cause(exc)
                result.errors.append(CourtError(court="outbox", type=kind, message=message))
        return finish(result)
