"""Monitoring use cases: the weekly live check of a court's page and the health check's database part."""

from __future__ import annotations

import time
from datetime import datetime

from django.db import close_old_connections, connection

from poradnia.contracts import CourtCheck, HealthCheckResult
from poradnia.judgements.fetcher import FetchError
from poradnia.judgements.models import Court
from poradnia.judgements.parser import ParseError
from poradnia.judgements.sync import fetch_and_parse
from poradnia.metrics import count

from .alerts import Raised
from .models import CourtPageStat, HealthCheck
from .pagestats import record_court_page


def check_court_page(court_id: int, *, run_id: str, now: datetime, last_attempt: bool) -> CourtCheck:
    """Fetch and fully parse a court's live page; record its rows; alert when it fails or has none.

    A retryable FetchError is re-raised unless this is the last attempt; then it becomes a recorded
    failure like a parse error, so the weekly report always covers every court.
    """
    court = Court.objects.get(pk=court_id)
    try:
        parsed = fetch_and_parse(court, None)
    except FetchError as exc:
        if exc.retryable and not last_attempt:
            raise
        return _failed(court, run_id, now, f"{type(exc).__name__} ({exc.kind}): {exc}")
    except ParseError as exc:
        count("poradnia_parse_errors", 1, {"court": court.parser_key})
        return _failed(court, run_id, now, f"ParseError: {exc}")
    raised = record_court_page(court=court, run_id=run_id, source=CourtPageStat.Source.MONITOR,
                               now=now, ok=True, rows_seen=parsed.rows_seen, bad_rows=parsed.bad_rows)
    count("poradnia_rows_parsed", parsed.rows_seen, {"court": court.parser_key})
    count("poradnia_alerts_raised", sum(r.new for r in raised))
    error = "" if parsed.rows_seen else "the page lists no hearings"
    return CourtCheck(court.parser_key, ok=parsed.rows_seen > 0, rows=parsed.rows_seen, headers=parsed.headers,
                      error=error, alert_emails_queued=_notifications(raised))


def _failed(court: Court, run_id: str, now: datetime, error: str) -> CourtCheck:
    raised = record_court_page(court=court, run_id=run_id, source=CourtPageStat.Source.MONITOR, now=now, ok=False,
                               error=error)
    count("poradnia_alerts_raised", sum(r.new for r in raised))
    return CourtCheck(court.parser_key, ok=False, error=error,
                      alert_emails_queued=_notifications(raised))


def record_health_check(temporal_ok: bool, temporal_ms: float | None, errors: list[str],
                        workflow_id: str) -> HealthCheckResult:
    """Time a database round trip and keep the check's row; an unreachable database is a result, not a crash."""
    close_old_connections()
    try:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        db_ms = round((time.perf_counter() - started) * 1000, 3)
        row = HealthCheck.objects.create(
            db_ok=True, db_ms=db_ms, temporal_ok=temporal_ok, temporal_ms=temporal_ms,
            error="; ".join(errors), workflow_id=workflow_id,
        )
        return HealthCheckResult(
            ok=temporal_ok, db_ok=True, db_ms=db_ms, temporal_ok=temporal_ok, temporal_ms=temporal_ms,
            error=row.error, health_check_id=row.pk,
        )
    except Exception as exc:  # noqa: BLE001
        errors.append(f"database: {exc}")
        return HealthCheckResult(
            ok=False, db_ok=False, db_ms=None, temporal_ok=temporal_ok, temporal_ms=temporal_ms,
            error="; ".join(errors), health_check_id=None,
        )
    finally:
        close_old_connections()


def _notifications(raised: list[Raised]) -> int:
    """Alert e-mails and webhook POSTs queued: either makes the run send (the sending step POSTs webhooks)."""
    return sum(r.emails_queued + r.webhooks_queued for r in raised)
