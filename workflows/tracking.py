"""Run history for every job: a JobRun row at start and end, and the alert e-mails a bad end raises."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from poradnia.contracts import EmailKind, RunRecord, RunStatus, run_summary
    from workflows.sending import send_emails
    from workflows.steps import Steps

R = TypeVar("R")
RECORD_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                           maximum_interval=timedelta(seconds=60), maximum_attempts=20)


async def tracked_run(steps: Steps, job: str, body: Callable[[], Awaitable[R]],
                      status_of: Callable[[R], str] = lambda _: RunStatus.SUCCESS, *, alert: bool = True) -> R:
    """Run ``body`` between a JobRun start and end record; a failure is recorded, alerted and re-raised."""
    run = steps.run()
    record = RunRecord(job=job, workflow_id=run.workflow_id, run_id=run.run_id, started=run.started.isoformat(),
                       alert=alert)
    options: dict[str, Any] = {"start_to_close_timeout": timedelta(seconds=60), "retry_policy": RECORD_RETRY}
    await steps.activity("record_run_start", record, **options)
    try:
        result = await body()
    except Exception as exc:
        record.status, record.error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
        record.finished = steps.now().isoformat()
        await _end(steps, record, options)
        raise
    record.status, record.summary = status_of(result), run_summary(result)
    record.finished = steps.now().isoformat()
    await _end(steps, record, options)
    return result


async def _end(steps: Steps, record: RunRecord, options: dict[str, Any]) -> None:
    queued = await steps.activity("record_run_end", record, result_type=int, **options)
    if queued:
        await send_emails(steps, EmailKind.ALERT)
