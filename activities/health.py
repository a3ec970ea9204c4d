"""Health-check activity: the first workflow through every layer (Temporal, worker, Django, database)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from django.db import close_old_connections, connection
from temporalio import activity
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client

from poradnia.monitoring.models import HealthCheck


@dataclass
class HealthCheckResult:
    ok: bool
    db_ok: bool
    db_ms: float | None
    temporal_ok: bool
    temporal_ms: float | None
    error: str
    health_check_id: int | None


def _record(temporal_ok: bool, temporal_ms: float | None, errors: list[str], workflow_id: str) -> HealthCheckResult:
    close_old_connections()
    db_ms: float | None = None
    try:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        db_ms = round((time.perf_counter() - started) * 1000, 3)
        row = HealthCheck.objects.create(
            db_ok=True, db_ms=db_ms, temporal_ok=temporal_ok, temporal_ms=temporal_ms,
            error="; ".join(errors), workflow_id=workflow_id,
        )
        return HealthCheckResult(
            ok=temporal_ok, db_ok=True, db_ms=db_ms, temporal_ok=temporal_ok, temporal_ms=temporal_ms,
            error=row.error, health_check_id=row.pk,
        )
    except Exception as exc:  # noqa: BLE001 - an unreachable database is a result, not a crash
        errors.append(f"database: {exc}")
        return HealthCheckResult(
            ok=False, db_ok=False, db_ms=None, temporal_ok=temporal_ok, temporal_ms=temporal_ms,
            error="; ".join(errors), health_check_id=None,
        )
    finally:
        close_old_connections()


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
            _record, temporal_ms is not None, temporal_ms, errors, activity.info().workflow_id
        )
