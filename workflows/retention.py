"""RetentionWorkflow: the daily purge of old monitoring rows and the scrub of sent e-mails (schedule ``retention``)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from poradnia.contracts import RETENTION, PurgeInput, RetentionInput, RetentionResult
    from workflows.reminders import DB_RETRY, run_time
    from workflows.steps import Steps, WorkflowSteps
    from workflows.tracking import tracked_run


async def retention_run(steps: Steps, input: RetentionInput | None = None) -> RetentionResult:
    """Purge old monitoring rows and scrub sent e-mails as of now; recorded in the job history."""
    now = run_time(steps, (input or RetentionInput()).now)
    return await tracked_run(steps, RETENTION.id, lambda: steps.activity(
        "purge_old_records", PurgeInput(now=now.isoformat()), result_type=RetentionResult,
        start_to_close_timeout=timedelta(hours=2), heartbeat_timeout=timedelta(minutes=2), retry_policy=DB_RETRY))


@workflow.defn
class RetentionWorkflow:
    @workflow.run
    async def run(self, input: RetentionInput | None = None) -> RetentionResult:
        return await retention_run(WorkflowSteps(), input)
