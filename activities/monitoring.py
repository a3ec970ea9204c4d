"""Run history, alerts and the weekly live parser monitor."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from temporalio import activity

from poradnia.judgements.fetcher import FetchError
from poradnia.judgements.models import Court
from poradnia.judgements.parser import ParseError
from poradnia.judgements.sync import fetch_and_parse
from poradnia.monitoring.models import CourtPageStat
from poradnia.monitoring.runs import record_court_page, record_end, record_start

from .metrics import count


@dataclass
class RunRecord:
    job: str
    workflow_id: str
    run_id: str
    started: str  # ISO 8601
    finished: str | None = None
    status: str = "running"
    summary: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    alert: bool = True  # False: the run's findings alert on their own (monitor), or a dry run


@activity.defn(name="record_run_start")
def record_run_start(input: RunRecord) -> None:
    record_start(job=input.job, workflow_id=input.workflow_id, run_id=input.run_id,
                 started=datetime.fromisoformat(input.started))


@activity.defn(name="record_run_end")
def record_run_end(input: RunRecord) -> int:
    """Closes the run and raises or resolves its alert; returns how many alert e-mails were queued."""
    raised = record_end(job=input.job, workflow_id=input.workflow_id, run_id=input.run_id,
                        started=datetime.fromisoformat(input.started),
                        finished=datetime.fromisoformat(input.finished or input.started),
                        status=input.status, summary=input.summary, error=input.error, alert=input.alert)
    count("poradnia_alerts_raised", sum(r.new for r in raised))
    return sum(r.emails_queued for r in raised)


@dataclass
class CheckCourtInput:
    court_id: int
    now: str  # ISO 8601, fixed by the workflow


@dataclass
class CourtCheck:
    parser_key: str
    ok: bool
    rows: int = 0
    headers: list[str] = field(default_factory=list)
    error: str = ""
    alert_emails_queued: int = 0


@activity.defn(name="check_court_page")
def check_court_page(input: CheckCourtInput) -> CourtCheck:
    """Fetch and fully parse a court's live page; record its rows; alert when it fails or has none.

    Retryable fetch errors are retried by the activity's policy; on the last attempt they become a
    recorded failure like a parse error, so the weekly report always covers every court.
    """
    info = activity.info()
    court = Court.objects.get(pk=input.court_id)
    now = datetime.fromisoformat(input.now)
    try:
        parsed = fetch_and_parse(court, None)
    except FetchError as exc:
        last_attempt = info.retry_policy is None or (
            info.retry_policy.maximum_attempts and info.attempt >= info.retry_policy.maximum_attempts)
        if exc.retryable and not last_attempt:
            raise
        return _failed(court, info.workflow_run_id, now, f"{type(exc).__name__} ({exc.kind}): {exc}")
    except ParseError as exc:
        count("poradnia_parse_errors", 1, {"court": court.parser_key})
        return _failed(court, info.workflow_run_id, now, f"ParseError: {exc}")
    raised = record_court_page(court=court, run_id=info.workflow_run_id, source=CourtPageStat.Source.MONITOR,
                               now=now, ok=True, rows_seen=parsed.rows_seen, bad_rows=parsed.bad_rows)
    count("poradnia_rows_parsed", parsed.rows_seen, {"court": court.parser_key})
    count("poradnia_alerts_raised", sum(r.new for r in raised))
    error = "" if parsed.rows_seen else "the page lists no hearings"
    return CourtCheck(court.parser_key, ok=parsed.rows_seen > 0, rows=parsed.rows_seen, headers=parsed.headers,
                      error=error, alert_emails_queued=sum(r.emails_queued for r in raised))


def _failed(court: Court, run_id: str, now: datetime, error: str) -> CourtCheck:
    raised = record_court_page(court=court, run_id=run_id, source=CourtPageStat.Source.MONITOR, now=now, ok=False,
                               error=error)
    count("poradnia_alerts_raised", sum(r.new for r in raised))
    return CourtCheck(court.parser_key, ok=False, error=error,
                      alert_emails_queued=sum(r.emails_queued for r in raised))

