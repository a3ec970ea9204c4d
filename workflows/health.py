"""HealthCheckWorkflow: proves the worker, Temporal and the database work together; scheduled hourly."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from poradnia.contracts import HEALTH_CHECK, HealthCheckResult, RunStatus
    from workflows.tracking import tracked_run


@workflow.defn
class HealthCheckWorkflow:
    @workflow.run
    async def run(self) -> HealthCheckResult:
        # A failed check ends the run "failed", which raises the health alert (and a good one resolves it).
        return await tracked_run(HEALTH_CHECK.id, self._check,
                                 lambda r: RunStatus.SUCCESS if r.ok else RunStatus.FAILED)

    async def _check(self) -> HealthCheckResult:
        # A health check that retries for an hour would hide the outage it exists to report.
        return await workflow.execute_activity(
            "check_health", result_type=HealthCheckResult,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=3, initial_interval=timedelta(seconds=2)),
        )
