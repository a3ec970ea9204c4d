"""A deliberately non-deterministic edit of HealthCheckWorkflow, for the replay test to catch.

Its own module, importing only temporalio: the workflow sandbox re-imports the module a workflow lives in.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.health import HealthActivities, HealthCheckResult


@workflow.defn(name="HealthCheckWorkflow")
class HealthCheckWithoutRunHistory:
    """The same check with the run-history bookkeeping dropped: other commands than the history holds."""

    @workflow.run
    async def run(self) -> HealthCheckResult:
        return await workflow.execute_activity_method(HealthActivities.check_health,
                                                      start_to_close_timeout=timedelta(seconds=30))
