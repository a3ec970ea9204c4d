"""CourtSessionSyncWorkflow: the nightly court-session parser, one activity per court.

``court_session_run`` is the job's flow, once: the workflow runs it on Temporal, and
``run_court_session_parser --inline`` runs it in-process (workflows/steps.py).

Finished courts are never redone after a crash (their activity results are in history), the court
in flight resumes from its last heartbeat, and one broken court never fails the others.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from poradnia.contracts import (
        COURT_SESSIONS,
        CourtError,
        CourtProgress,
        CourtRef,
        CourtSelection,
        CourtSessionSyncInput,
        CourtSessionSyncResult,
        CourtSyncSummary,
        EmailKind,
        SelectCourtsInput,
        SyncCourtInput,
        finish_court_run,
    )
    from workflows.sending import send_emails
    from workflows.steps import Steps, WorkflowSteps
    from workflows.tracking import tracked_run

__all__ = ["CourtError", "CourtProgress", "CourtSessionSyncInput", "CourtSessionSyncResult",
           "CourtSessionSyncWorkflow", "court_session_run"]


def _root_cause(exc: BaseException) -> tuple[str, str]:
    cause: BaseException = exc
    while isinstance(cause, ActivityError) and cause.cause is not None:
        cause = cause.cause
    if isinstance(cause, ApplicationError):
        return cause.type or "ApplicationError", cause.message
    return type(cause).__name__, str(cause)


async def court_session_run(steps: Steps, input: CourtSessionSyncInput | None = None,
                            progress: dict[str, CourtProgress] | None = None) -> CourtSessionSyncResult:
    """The court-session run, recorded in the job history: select the courts, run each one (at most
    ``COURT_SYNC_CONCURRENCY`` at once), send the e-mails, record the result.

    ``progress`` (the workflow's ``progress`` query) is kept up to date with each court's state.
    """
    input = input or CourtSessionSyncInput()
    progress = {} if progress is None else progress
    return await tracked_run(steps, COURT_SESSIONS.id, lambda: _courts(steps, input, progress), lambda r: r.status,
                             alert=not input.dry_run)


async def _courts(steps: Steps, input: CourtSessionSyncInput,
                  progress: dict[str, CourtProgress]) -> CourtSessionSyncResult:
    selection = await steps.activity(
        "select_courts",
        SelectCourtsInput(court_ids=input.court_ids, parser_key=input.parser_key),
        result_type=CourtSelection,
        start_to_close_timeout=timedelta(seconds=60),
        retry_policy=RetryPolicy(initial_interval=timedelta(seconds=2), maximum_attempts=10),
    )
    result = CourtSessionSyncResult(courts_total=len(selection.courts), dry_run=input.dry_run)
    if not selection.courts:
        return result
    progress.update({c.parser_key: CourtProgress() for c in selection.courts})
    limit = asyncio.Semaphore(selection.concurrency)
    retry = RetryPolicy(
        initial_interval=timedelta(seconds=selection.retry_initial_s),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(seconds=selection.retry_max_interval_s),
        maximum_attempts=selection.max_attempts,
    )

    async def one(court: CourtRef) -> None:
        async with limit:
            state = progress[court.parser_key]
            state.state = "running"
            try:
                summary = await steps.activity(
                    "sync_court",
                    SyncCourtInput(court_id=court.id, dry_run=input.dry_run),
                    result_type=CourtSyncSummary,
                    activity_id=f"court-{court.parser_key}",
                    start_to_close_timeout=timedelta(seconds=selection.start_to_close_s),
                    heartbeat_timeout=timedelta(seconds=selection.heartbeat_timeout_s),
                    retry_policy=retry,
                )
            except ActivityError as exc:
                kind, message = _root_cause(exc)
                state.state, state.error = "failed", f"{kind}: {message}"
                result.errors.append(CourtError(court=court.parser_key, type=kind, message=message))
                return
            state.state = "done"
            state.sessions_created = summary.sessions_created
            state.sessions_updated = summary.sessions_updated
            result.courts.append(summary)

    await asyncio.gather(*(one(court) for court in selection.courts))
    if not input.dry_run:
        # Always run the sending step: it also delivers rows a previous run could not send.
        try:
            # With the drift alerts the courts raised.
            sent = await send_emails(steps, EmailKind.COURT_SESSION, EmailKind.ALERT)
            result.emails_sent, result.emails_failed = sent.sent, sent.failed
        except ActivityError as exc:
            kind, message = _root_cause(exc)
            result.errors.append(CourtError(court="outbox", type=kind, message=message))
    return finish_court_run(result)


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
        return await court_session_run(WorkflowSteps(), input, self._progress)
