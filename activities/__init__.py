"""Activity implementations. Import only after django.setup(): they use the ORM."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio.client import Client


def build_activities(client: Client) -> list[Callable[..., Any]]:
    """Every activity the worker registers; some hold the client (health check, schedules)."""
    from activities.court_sessions import select_courts, sync_court
    from activities.health import HealthActivities
    from activities.monitoring import check_court_page, record_run_end, record_run_start
    from activities.outbox import send_outbox
    from activities.reminders import (
        clear_expired_sessions_activity,
        queue_event_reminders_activity,
        queue_old_cases_reminder_activity,
    )
    from activities.retention import purge_old_records
    from activities.watch import watch_probe

    health = HealthActivities(client)
    return [
        health.check_health,
        send_outbox,
        select_courts,
        sync_court,
        record_run_start,
        record_run_end,
        check_court_page,
        queue_event_reminders_activity,
        queue_old_cases_reminder_activity,
        clear_expired_sessions_activity,
        purge_old_records,
        watch_probe,
    ]
