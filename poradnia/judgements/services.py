"""The court-session run as a use case, once: what the workflow's activities and ``--inline`` both call.

* ``court_selection`` picks the courts and reads the run's knobs from settings;
* ``run_court`` fetches, parses and writes one court, keeps its page stats (row count, dates covered,
  bytes; drift alerts) through the ``PageLog`` it is given and counts its metrics; it raises
  FetchError / ParseError and the caller decides what is retried.

The run's order (select, each court, send, record) is the workflow's flow, ``court_session_run`` in
workflows/court_sessions.py, which ``--inline`` runs too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import Any, Protocol

from django.conf import settings

from poradnia.contracts import (
    CourtRef,
    CourtSelection,
    CourtSyncSummary,
)
from poradnia.metrics import count

from .fetcher import FetchError
from .models import Court, CourtSessionChange
from .parser import ParseError
from .sync import PageCoverage, fetch_court, selected_courts, sync_court_rows, tracked_cases

log = logging.getLogger(__name__)


class PageLog(Protocol):
    """Where a court run keeps its page's stats (row count, dates, bytes; the drift and unreadable-row alerts).

    The caller passes it in (poradnia.monitoring.pagestats.CourtPageLog): monitoring reads the court app for
    its parser monitor, so the court app must not import monitoring back.
    """

    def drifted(self, court: Court, run_id: str, rows_seen: int) -> bool:
        """Whether ``rows_seen`` trips the drift alert against the court's last good page."""

    def record(self, *, court: Court, run_id: str, now: datetime, ok: bool, **stats: Any) -> Sequence[Any]:
        """Keep the page's stats and raise or resolve its alerts; returns the alerts raised (``.new``: first time)."""

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
    pages: PageLog,
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
            pages.record(court=court, run_id=run_id, now=now, ok=False, error=str(exc), alert_parse=False)
        raise
    parsed, first, last = page.parsed, page.first_date, page.last_date
    complete = not parsed.truncated and not pages.drifted(court, run_id, parsed.rows_seen)
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
        raised = pages.record(court=court, run_id=run_id, now=now, ok=True, rows_seen=summary.rows_seen,
                              tracked_rows=summary.tracked_rows, bad_rows=summary.bad_rows,
                              unreadable=summary.unreadable, first_date=first, last_date=last,
                              bytes_fetched=page.bytes_fetched)
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
