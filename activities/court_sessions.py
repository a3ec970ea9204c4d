"""Court-session parser activities: pick the courts, then fetch, parse and write one court each.

One activity does fetch + parse + write for a court because a page can be 2 MB: passing it between
activities would exceed Temporal's payload limit and store it in history. The activity returns a
small summary and heartbeats its progress (the groups written), which a retry resumes from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.heartbeat import heartbeat_while_blocked
from activities.metrics import count
from poradnia.judgements.fetcher import FetchError
from poradnia.judgements.models import Court
from poradnia.judgements.parser import ParseError
from poradnia.judgements.sync import (
    CourtSyncCounts,
    PlannedChange,
    fetch_and_parse,
    selected_courts,
    sync_court_rows,
    tracked_cases,
)
from poradnia.monitoring.models import CourtPageStat
from poradnia.monitoring.runs import record_court_page

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


@dataclass
class SelectCourtsInput:
    court_ids: list[int] | None = None
    parser_key: str | None = None


@dataclass
class CourtRef:
    id: int
    parser_key: str
    name: str


@dataclass
class CourtSelection:
    """The courts to run plus the run-time knobs, read from settings once per run (the workflow can't)."""

    courts: list[CourtRef]
    concurrency: int
    heartbeat_timeout_s: float
    start_to_close_s: float
    retry_initial_s: float
    retry_max_interval_s: float
    max_attempts: int


@dataclass
class SyncCourtInput:
    court_id: int
    dry_run: bool = False


@dataclass
class CourtSyncSummary:
    court_id: int
    parser_key: str
    rows_seen: int = 0
    tracked_rows: int = 0
    bad_rows: int = 0
    sessions_created: int = 0
    sessions_updated: int = 0
    sessions_unchanged: int = 0
    emails_queued: int = 0
    attempt: int = 1
    resumed_groups: int = 0
    dry_run: bool = False
    planned: list[PlannedChange] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # tracked signatures whose row can't be read


@activity.defn(name="select_courts")
def select_courts(input: SelectCourtsInput) -> CourtSelection:
    courts = selected_courts(input.court_ids, input.parser_key)
    return CourtSelection(
        courts=[CourtRef(c.pk, c.parser_key, c.name) for c in courts],
        concurrency=max(1, settings.COURT_SYNC_CONCURRENCY),
        heartbeat_timeout_s=settings.COURT_SYNC_HEARTBEAT_TIMEOUT_S,
        start_to_close_s=settings.COURT_SYNC_START_TO_CLOSE_S,
        retry_initial_s=settings.COURT_SYNC_RETRY_INITIAL_S,
        retry_max_interval_s=settings.COURT_SYNC_RETRY_MAX_INTERVAL_S,
        max_attempts=settings.COURT_SYNC_MAX_ATTEMPTS,
    )


def error_type(exc: Exception) -> str:
    """The error type name shown in results, the Web UI and alerts."""
    if isinstance(exc, FetchError):
        return FETCH_ERROR_TYPES.get(exc.kind, "FetchError")
    return type(exc).__name__


def run_court(
    court: Court,
    *,
    dry_run: bool,
    counts: CourtSyncCounts | None = None,
    attempt: int = 1,
    on_progress: Callable[[CourtSyncCounts], None] | None = None,
    while_fetching: Callable[[CourtSyncCounts], AbstractContextManager] | None = None,
) -> CourtSyncSummary:
    """Fetch, parse and write one court: the body of the activity and of the ``--inline`` path.

    Raises FetchError / ParseError; the caller decides whether they are retried.
    """
    counts = counts or CourtSyncCounts()
    resumed = len(counts.groups_done)
    tracked = tracked_cases(court)
    with (while_fetching or (lambda _: nullcontext()))(counts):
        parsed = fetch_and_parse(court, list(tracked))
    log.info("court %s: %d rows on page, %d tracked signatures, %d groups already done",
             court.parser_key, parsed.rows_seen, len(tracked), resumed)
    counts = sync_court_rows(court, parsed.rows, dry_run=dry_run, counts=counts, on_progress=on_progress)
    return CourtSyncSummary(
        court_id=court.pk, parser_key=court.parser_key, rows_seen=parsed.rows_seen,
        tracked_rows=counts.tracked_rows, bad_rows=parsed.bad_rows,
        sessions_created=counts.sessions_created, sessions_updated=counts.sessions_updated,
        sessions_unchanged=counts.sessions_unchanged, emails_queued=counts.emails_queued,
        attempt=attempt, resumed_groups=resumed, dry_run=dry_run, planned=counts.planned,
        unreadable=parsed.unreadable,
    )


@activity.defn(name="sync_court")
def sync_court(input: SyncCourtInput) -> CourtSyncSummary:
    """One court; on retry it resumes after the groups its last heartbeat reported as written."""
    info = activity.info()
    counts = CourtSyncCounts.from_heartbeat(info.heartbeat_details[0] if info.heartbeat_details else None)
    try:
        court = Court.objects.get(pk=input.court_id)
    except Court.DoesNotExist:
        raise ApplicationError(f"court {input.court_id} does not exist", type="CourtNotFound",
                               non_retryable=True) from None
    now = datetime.now(UTC)
    try:
        summary = run_court(
            court, dry_run=input.dry_run, counts=counts, attempt=info.attempt,
            on_progress=lambda c: activity.heartbeat(asdict(c)),
            while_fetching=lambda c: heartbeat_while_blocked(asdict(c)),
        )
    except FetchError as exc:
        raise ApplicationError(str(exc), type=error_type(exc), non_retryable=not exc.retryable) from exc
    except ParseError as exc:
        count("poradnia_parse_errors", 1, {"court": court.parser_key})
        if not input.dry_run:
            record_court_page(court=court, run_id=info.workflow_run_id, source=CourtPageStat.Source.SYNC, now=now,
                              ok=False, error=str(exc), alert_parse=False)
        raise ApplicationError(str(exc), type=error_type(exc), non_retryable=True) from exc  # or PageTooComplex
    labels = {"court": court.parser_key}
    count("poradnia_rows_parsed", summary.rows_seen, labels)
    if not input.dry_run:
        count("poradnia_sessions_created", summary.sessions_created, labels)
        count("poradnia_sessions_updated", summary.sessions_updated, labels)
        raised = record_court_page(court=court, run_id=info.workflow_run_id, source=CourtPageStat.Source.SYNC,
                                   now=now, ok=True, rows_seen=summary.rows_seen, tracked_rows=summary.tracked_rows,
                                   bad_rows=summary.bad_rows, unreadable=summary.unreadable)
        count("poradnia_alerts_raised", sum(r.new for r in raised))
    return summary
