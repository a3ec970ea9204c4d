"""Court-session parser activities: thin adapters over poradnia.judgements.services.

One activity does fetch + parse + write for a court because a page can be 2 MB: passing it between
activities would exceed Temporal's payload limit and store it in history. The activity returns a
small summary and heartbeats its progress (the court cases written), which a retry resumes from.
"""

from __future__ import annotations

from dataclasses import asdict

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.heartbeat import heartbeat_while_blocked
from poradnia.contracts import CourtSelection, CourtSyncSummary, SelectCourtsInput, SyncCourtInput
from poradnia.judgements import services
from poradnia.judgements.fetcher import FetchError
from poradnia.judgements.models import Court
from poradnia.judgements.parser import ParseError
from poradnia.monitoring.pagestats import CourtPageLog

__all__ = ["SelectCourtsInput", "SyncCourtInput", "select_courts", "sync_court"]


@activity.defn(name="select_courts")
def select_courts(input: SelectCourtsInput) -> CourtSelection:
    return services.court_selection(input.court_ids, input.parser_key)


@activity.defn(name="sync_court")
def sync_court(input: SyncCourtInput) -> CourtSyncSummary:
    """One court; on retry it resumes after the court cases its last heartbeat reported as written."""
    info = activity.info()
    resume = CourtSyncSummary.from_heartbeat(info.heartbeat_details[0] if info.heartbeat_details else None)
    try:
        court = Court.objects.get(pk=input.court_id)
    except Court.DoesNotExist:
        raise ApplicationError(f"court {input.court_id} does not exist", type="CourtNotFound",
                               non_retryable=True) from None
    try:
        return services.run_court(
            court, pages=CourtPageLog(), dry_run=input.dry_run, run_id=info.workflow_run_id,
            workflow_id=info.workflow_id, summary=resume,
            attempt=info.attempt,
            on_progress=lambda s: activity.heartbeat(asdict(s)),
            while_fetching=lambda s: heartbeat_while_blocked(asdict(s)),
        )
    except FetchError as exc:
        raise ApplicationError(str(exc), type=services.error_type(exc), non_retryable=not exc.retryable) from exc
    except ParseError as exc:
        raise ApplicationError(str(exc), type=services.error_type(exc), non_retryable=True) from exc  # PageTooComplex
