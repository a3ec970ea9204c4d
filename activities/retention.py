"""The retention activity: a thin caller of poradnia.monitoring.retention.purge."""

from __future__ import annotations

from datetime import datetime

from temporalio import activity

from poradnia.contracts import PurgeInput, RetentionResult
from poradnia.monitoring.retention import purge


@activity.defn(name="purge_old_records")
def purge_old_records(input: PurgeInput) -> RetentionResult:
    """Idempotent: a retry after a crash deletes what is still there, batches already done are gone."""
    return purge(datetime.fromisoformat(input.now), on_batch=activity.heartbeat)
