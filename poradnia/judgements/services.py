"""The court-session run as a use case, once: what the workflow's activities and ``--inline`` both call.

* ``court_selection`` picks the courts and reads the run's knobs from settings;
* ``run_court`` fetches, parses and writes one court, keeps its page stats (drift alerts) and counts
  its metrics; it raises FetchError / ParseError and the caller decides what is retried;
* ``run_courts_inline`` is the whole run in this process, one court after another, recorded in the
  job history like the workflow's run (same JobRun row, page stats, alerts and result).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime

from django.conf import settings

from poradnia.contracts import (
    COURT_SESSIONS,
    CourtError,
    CourtRef,
    CourtSelection,
    CourtSessionSyncInput,
    CourtSessionSyncResult,
    CourtSyncSummary,
    EmailKind,
    finish_court_run,
)
from poradnia.metrics import count
from poradnia.monitoring.mail import send_and_watch
from poradnia.monitoring.models import CourtPageStat
from poradnia.monitoring.runs import record_court_page, run_inline
from poradnia.outbox.services import TemporaryEmailError

from .fetcher import FetchError
from .models import Court
from .parser import ParseError
from .sync import fetch_and_parse, selected_courts, sync_court_rows, tracked_cases

log = logging.getLogger(__name__)

# Error types as they appear in the workflow result and the Web UI.
FETCH_ERROR_TYPES = {
    "http_5xx": "HttpServerError",
    "http_4xx": "HttpClientError",
    "timeout": "FetchTimeout",
    "connection": "FetchConnectionError",
    "too_large": "PageTooLarge",
    "redirects": "TooManyRedirects",
    "truncated": "TruncatedBody",
    "forbidden_url": "ForbiddenUrl",
}


def error_type(exc: Exception) -> str:
    """The error type name shown in results, the Web UI and alerts."""
    if isinstance(exc, FetchError):
        return FETCH_ERROR_TYPES.get(exc.kind, "FetchError")
    return type(exc).__name__


def court_selection(court_ids: list[int] | None = None, parser_key: str | None = None) -> CourtSelection:
    courts = selected_courts(court_ids, parser_key)
    return CourtSelection(
        courts=[CourtRef(c.pk, c.parser_key, c.name) for c in courts],
        concurrency=max(1, settings.COURT_SYNC_CONCURRENCY),
        heartbeat_timeout_s=settings.COURT_SYNC_HEARTBEAT_TIMEOUT_S,
        start_to_close_s=settings.COURT_SYNC_START_TO_CLOSE_S,
        retry_initial_s=settings.COURT_SYNC_RETRY_INITIAL_S,
        retry_max_interval_s=settings.COURT_SYNC_RETRY_MAX_INTERVAL_S,
        max_attempts=settings.COURT_SYNC_MAX_ATTEMPTS,
    )


def run_court(
    court: Court,
    *,
    dry_run: bool,
    run_id: str,
    summary: CourtSyncSummary | None = None,
    attempt: int = 1,
    on_progress: Callable[[CourtSyncSummary], None] | None = None,
    while_fetching: Callable[[CourtSyncSummary], AbstractContextManager] | None = None,
) -> CourtSyncSummary:
    """Fetch, parse and write one court, then record its page's row count (``run_id``'s CourtPageStat).

    ``summary`` from a previous attempt's heartbeat resumes after the groups it reports written.
    A page that cannot be parsed is recorded as such (the run's own alert names the court) and the
    ParseError re-raised; a FetchError is raised as is.
    """
    summary = summary or CourtSyncSummary()
    summary.court_id, summary.parser_key = court.pk, court.parser_key
    summary.attempt, summary.dry_run = attempt, dry_run
    resumed = len(summary.groups_done)
    now = datetime.now(UTC)
    labels = {"court": court.parser_key}
    tracked = tracked_cases(court)
    try:
        with (while_fetching or (lambda _: nullcontext()))(summary):
            parsed = fetch_and_parse(court, list(tracked))
    except ParseError as exc:
        count("poradnia_parse_errors", 1, labels)
        if not dry_run:
            record_court_page(court=court, run_id=run_id, source=CourtPageStat.Source.SYNC, now=now, ok=False,
                              error=str(exc), alert_parse=False)
        raise
    log.info("court %s: %d rows on page, %d tracked signatures, %d groups already done",
             court.parser_key, parsed.rows_seen, len(tracked), resumed)
    summary = sync_court_rows(court, parsed.rows, dry_run=dry_run, counts=summary, on_progress=on_progress)
    summary.rows_seen, summary.bad_rows, summary.resumed_groups = parsed.rows_seen, parsed.bad_rows, resumed
    summary.unreadable = parsed.unreadable
    summary.groups_done = []  # resume state only: the result needs the counts
    count("poradnia_rows_parsed", summary.rows_seen, labels)
    if not dry_run:
        count("poradnia_sessions_created", summary.sessions_created, labels)
        count("poradnia_sessions_updated", summary.sessions_updated, labels)
        raised = record_court_page(court=court, run_id=run_id, source=CourtPageStat.Source.SYNC, now=now, ok=True,
                                   rows_seen=summary.rows_seen, tracked_rows=summary.tracked_rows,
                                   bad_rows=summary.bad_rows, unreadable=summary.unreadable)
        count("poradnia_alerts_raised", sum(r.new for r in raised))
    return summary


def run_courts_inline(job: CourtSessionSyncInput, *, workflow_id: str, run_id: str) -> CourtSessionSyncResult:
    """The workflow's run in this process, one court after another: the same writes, history and result."""

    def body() -> CourtSessionSyncResult:
        selection = selected_courts(job.court_ids, job.parser_key)
        result = CourtSessionSyncResult(courts_total=len(selection), dry_run=job.dry_run)
        if not selection:
            return result
        for court in selection:
            try:
                result.courts.append(run_court(court, dry_run=job.dry_run, run_id=run_id))
            except (FetchError, ParseError) as exc:
                result.errors.append(CourtError(court=court.parser_key, type=error_type(exc), message=str(exc)))
        if not job.dry_run:
            try:  # with the drift alerts the courts raised, as the workflow's sending step
                sent = send_and_watch(kinds=[EmailKind.COURT_SESSION, EmailKind.ALERT])
                result.emails_sent, result.emails_failed = sent.sent, sent.failed
            except TemporaryEmailError as exc:  # rows stay pending: the next run sends them
                result.errors.append(CourtError(court="outbox", type=type(exc).__name__, message=str(exc)))
        return finish_court_run(result)

    return run_inline(job=COURT_SESSIONS.id, workflow_id=workflow_id, run_id=run_id, body=body,
                      status_of=lambda r: r.status, alert=not job.dry_run)
