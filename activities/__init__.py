"""Activity implementations. Import only after django.setup(): they use the ORM."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio.client import Client


def build_activities(client: Client) -> list[Callable[..., Any]]:
    """Every activity the worker registers; some hold the client (health check, schedules)."""
    from activities.health import HealthActivities
    from activities.outbox import send_outbox

    health = HealthActivities(client)
    return [
        health.check_health,
        send_outbox,
    ]
