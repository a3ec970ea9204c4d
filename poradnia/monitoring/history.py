"""Job-run history: a JobRun row per run (workflow or ``--inline``) and the alert a bad end raises."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from poradnia.contracts import ALERTING_STATUSES, CLEAN_STATUSES, RunStatus

from .alerts import AlertKind, Raised, raise_alert, resolve_alert
from .models import JobRun


def record_start(*, job: str, workflow_id: str, run_id: str, started: datetime) -> JobRun:
    run, _ = JobRun.objects.get_or_create(run_id=run_id, defaults={"job": job, "workflow_id": workflow_id,
                                                                    "started": started})
    return run


def record_end(*, job: str, workflow_id: str, run_id: str, started: datetime, finished: datetime, status: str,
               summary: dict[str, Any], error: str = "", alert: bool = True) -> list[Raised]:
    """Close the run (idempotent: a run already closed is left alone) and raise or resolve its alert.

    ``alert=False`` for runs whose findings raise their own alerts (the parser monitor) and dry runs.
    """
    with transaction.atomic():
        run = record_start(job=job, workflow_id=workflow_id, run_id=run_id, started=started)
        if run.finished is not None:
            return []
        JobRun.objects.filter(pk=run.pk).update(status=status, finished=finished, summary=summary, error=error)
        key = f"job:{job}:failed"
        if not alert:
            return []
        if status in ALERTING_STATUSES:
            details = error or "\n".join(
                f"{e.get('court')}: {e.get('type')}: {e.get('message')}" for e in summary.get("errors", []))
            return [raise_alert(key, f"{job} run ended {status}", f"Run {workflow_id} / {run_id}\n{details}",
                                now=finished, kind=AlertKind.JOB_FAILED,
                                facts={"job": job, "status": status, "workflow_id": workflow_id, "run_id": run_id,
                                       "details": details})]
        if status in CLEAN_STATUSES:
            resolve_alert(key, now=finished)
        return []


def close_failed(*, run_id: str, error: str, finished: datetime) -> bool:
    """Close a run still recorded as running as failed (the flow ended by something no step recorded: Ctrl-C,
    a crash of the recording itself). One UPDATE, so it may still get through when a full record cannot."""
    return bool(JobRun.objects.filter(run_id=run_id, finished__isnull=True).update(
        status=RunStatus.FAILED, finished=finished, error=error[:2000]))
