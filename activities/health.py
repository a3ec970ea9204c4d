"""Health-check activity: the first workflow through every layer (Temporal, worker, Django, database)."""

from __future__ import annotations

import asyncio
import time

from temporalio import activity
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client

from poradnia.contracts import HealthCheckResult
from poradnia.monitoring.services import record_health_check

__all__ = ["HealthActivities", "HealthCheckResult"]


class HealthActivities:
    """Holds the worker's client so the activity can time a real round trip to the Temporal frontend."""

    def __init__(self, client: Client) -> None:
        self.client = client

    @activity.defn(name="check_health")
    async def check_health(self) -> HealthCheckResult:
        errors: list[str] = []
        temporal_ms: float | None = None
        try:
            started = time.perf_counter()
            await self.client.workflow_service.get_system_info(GetSystemInfoRequest())
            temporal_ms = round((time.perf_counter() - started) * 1000, 3)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"temporal: {exc}")
        # The ORM is synchronous and its connections are per thread: do the DB part in a thread.
        return await asyncio.to_thread(
            record_health_check, temporal_ms is not None, temporal_ms, errors, activity.info().workflow_id
        )
