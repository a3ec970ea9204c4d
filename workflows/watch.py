"""WatchProbeWorkflow: started by ``manage.py watch`` (not by a schedule) to time how long work waits for a worker."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy


@workflow.defn
class WatchProbeWorkflow:
    @workflow.run
    async def run(self) -> float:
        # No retries: a probe that failed tells nothing; the watch starts a new one next round.
        return await workflow.execute_activity(
            "watch_probe", result_type=float, start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=1))
