"""The court-session run as a use case, once: what the workflow's activities and ``--inline`` both call.

* ``court_selection`` picks the courts and reads the run's knobs from settings;
* ``run_court`` fetches, parses and writes one court, keeps its page stats (row count, dates covered,
  bytes; drift alerts) and counts
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
from poradnia.monitoring.runs import page_drifted, record_court_page, run_inline
from poradnia.outbox.services import TemporaryEmailError

from .fetcher import FetchError
from .models import Court, CourtSessionChange
from .parser import ParseError
from .sync import PageCoverage, fetch_court, selected_courts, sync_court_rows, tracked_cases

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
    workflow_id: str = "",
    summary: CourtSyncSummary | None = None,
    attempt: int = 1,
    on_progress: Callable[[CourtSyncSummary], None] | None = None,
    while_fetching: Callable[[CourtSyncSummary], AbstractContextManager] | None = None,
) -> CourtSyncSummary:
    """Fetch, parse and write one court, then record its page's row count and dates (``run_id``'s CourtPageStat).

    ``summary`` from a previous attempt's heartbeat resumes after the court cases it reports written.
    A page that was cut short or whose row count trips the drift alert still updates what it lists but
    marks nothing not listed: it cannot prove a hearing is gone. A page that cannot be parsed is recorded
    as such (the run's own alert names the court) and the ParseError re-raised; a FetchError is raised as is.
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
            page = fetch_court(court, list(tracked))
    except ParseError as exc:
        count("poradnia_parse_errors", 1, labels)
        if not dry_run:
            record_court_page(court=court, run_id=run_id, source=CourtPageStat.Source.SYNC, now=now, ok=False,
                              error=str(exc), alert_parse=False)
        raise
    parsed, first, last = page.parsed, page.first_date, page.last_date
    complete = not parsed.truncated and not page_drifted(court, run_id, parsed.rows_seen)
    if not complete:
        log.warning("court %s: page cut short or drifted (%d rows): no hearing is marked not listed",
                    court.parser_key, parsed.rows_seen)
    log.info("court %s: %d rows on page (%s..%s), %d tracked signatures, %d court cases already done",
             court.parser_key, parsed.rows_seen, first, last, len(tracked), resumed)
    summary = sync_court_rows(court, parsed.rows, coverage=PageCoverage(first, last, complete), now=now,
                              workflow_id=workflow_id, run_id=run_id, dry_run=dry_run, counts=summary,
                              on_progress=on_progress)
    if attempt > 1 and workflow_id and not dry_run:
        _count_from_history(summary, court, workflow_id)
    summary.rows_seen, summary.bad_rows, summary.resumed_groups = parsed.rows_seen, parsed.bad_rows, resumed
    summary.bytes_fetched, summary.page_complete = page.bytes_fetched, complete
    summary.first_date, summary.last_date = (first.isoformat() if first else ""), (last.isoformat() if last else "")
    summary.unreadable = parsed.unreadable
    summary.groups_done = []  # resume state only: the result needs the counts
    count("poradnia_rows_parsed", summary.rows_seen, labels)
    if not dry_run:
        count("poradnia_sessions_created", summary.sessions_created, labels)
        count("poradnia_sessions_updated", summary.sessions_updated, labels)
        raised = record_court_page(court=court, run_id=run_id, source=CourtPageStat.Source.SYNC, now=now, ok=True,
                                   rows_seen=summary.rows_seen, tracked_rows=summary.tracked_rows,
                                   bad_rows=summary.bad_rows, unreadable=summary.unreadable, first_date=first,
                                   last_date=last, bytes_fetched=page.bytes_fetched)
        count("poradnia_alerts_raised", sum(r.new for r in raised))
    return summary


# Each change writes exactly one history row of its kind, so a run's changes at a court are its rows.
_HISTORY_COUNTS = {
    "sessions_created": [CourtSessionChange.Kind.CREATED],
    "sessions_updated": [CourtSessionChange.Kind.TIME_CHANGED, CourtSessionChange.Kind.TEXT_CHANGED],
    "sessions_not_listed": [CourtSessionChange.Kind.NOT_LISTED],
    "sessions_listed_again": [CourtSessionChange.Kind.LISTED_AGAIN],
    "sessions_moved": [CourtSessionChange.Kind.MOVED],
}


def _count_from_history(summary: CourtSyncSummary, court: Court, workflow_id: str) -> None:
    """A retry's counts from the run's history rows at this court.

    An attempt that wrote court cases after its last heartbeat (or finished, but its completion never reached the
    server) leaves them to the retry, which finds them unchanged: counted from this attempt alone, the run's result
    would under-report what it changed. Workflow ids of court runs are unique per run, so the rows are this run's.
    """
    rows = CourtSessionChange.objects.filter(workflow_id=workflow_id, court_case__court=court)
    for field, kinds in _HISTORY_COUNTS.items():
        recorded = rows.filter(kind__in=kinds).count()
        missing = recorded - getattr(summary, field)
        if missing > 0:
            setattr(summary, field, recorded)
            summary.sessions_unchanged = max(0, summary.sessions_unchanged - missing)


def run_courts_inline(job: CourtSessionSyncInput, *, workflow_id: str, run_id: str) -> CourtSessionSyncResult:
    """The workflow's run in this process, one court after another: the same writes, history and result."""

    def body() -> CourtSessionSyncResult:
        selection = selected_courts(job.court_ids, job.parser_key)
        result = CourtSessionSyncResult(courts_total=len(selection), dry_run=job.dry_run)
        if not selection:
            return result
        for court in selection:
            try:
                result.courts.append(run_court(court, dry_run=job.dry_run, run_id=run_id, workflow_id=workflow_id))
            except Exception as exc:  # noqa: BLE001 - one court's failure, as the workflow counts a failed activity
                if not isinstance(exc, FetchError | ParseError):
                    log.exception("court %s failed", court.parser_key)
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
