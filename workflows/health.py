"""HealthCheckWorkflow: proves the worker, Temporal and the database work together; scheduled hourly."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from poradnia.contracts import HEALTH_CHECK, HealthCheckResult, RunStatus
    from workflows.steps import Steps, WorkflowSteps
    from workflows.tracking import tracked_run


async def health_check_run(steps: Steps) -> HealthCheckResult:
    # A failed check ends the run "failed", which raises the health alert (and a good one resolves it).
    # A health check that retries for an hour would hide the outage it exists to report.
    return await tracked_run(steps, HEALTH_CHECK.id, lambda: steps.activity(
        "check_health", result_type=HealthCheckResult,
        start_to_close_timeout=timedelta(seconds=30),
        retry_policy=RetryPolicy(maximum_attempts=3, initial_interval=timedelta(seconds=2)),
    ), lambda r: RunStatus.SUCCESS if r.ok else RunStatus.FAILED)


@workflow.defn
class HealthCheckWorkflow:
    @workflow.run
    async def run(self) -> HealthCheckResult:
        return await health_check_run(WorkflowSteps())
