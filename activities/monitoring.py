"""Run history, alerts and the weekly live parser monitor: thin adapters over poradnia.monitoring."""

from __future__ import annotations

from temporalio import activity

from poradnia.contracts import CheckCourtInput, CourtCheck, RunRecord, parse_aware
from poradnia.metrics import count
from poradnia.monitoring import services
from poradnia.monitoring.history import record_end, record_start

__all__ = ["CheckCourtInput", "CourtCheck", "RunRecord", "check_court_page", "record_run_end", "record_run_start"]


@activity.defn(name="record_run_start")
def record_run_start(input: RunRecord) -> None:
    record_start(job=input.job, workflow_id=input.workflow_id, run_id=input.run_id,
                 started=parse_aware(input.started, "started"))


@activity.defn(name="record_run_end")
def record_run_end(input: RunRecord) -> int:
    """Closes the run and raises or resolves its alert; returns how many alert notifications (e-mails and
    webhook POSTs) were queued: the workflow then runs the sending step, which sends both."""
    raised = record_end(job=input.job, workflow_id=input.workflow_id, run_id=input.run_id,
                        started=parse_aware(input.started, "started"),
                        finished=parse_aware(input.finished or input.started, "finished"),
                        status=input.status, summary=input.summary, error=input.error, alert=input.alert)
    count("poradnia_alerts_raised", sum(r.new for r in raised))
    return sum(r.emails_queued + r.webhooks_queued for r in raised)


@activity.defn(name="check_court_page")
def check_court_page(input: CheckCourtInput) -> CourtCheck:
    """The live check of one court (poradnia.monitoring.services.check_court_page)."""
    info = activity.info()
    policy = info.retry_policy
    last_attempt = policy is None or bool(policy.maximum_attempts and info.attempt >= policy.maximum_attempts)
    return services.check_court_page(input.court_id, run_id=info.workflow_run_id, now=parse_aware(input.now, "now"),
                                     last_attempt=last_attempt)
