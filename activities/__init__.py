"""Activity implementations. Import only after django.setup(): they use the ORM.

Each activity's Python name is the name it is registered under (``@activity.defn(name=...)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio.client import Client


def plain_activities() -> list[Callable[..., Any]]:
    """The activities that need nothing but the database and settings: what ``--inline`` can call too."""
    from activities.court_sessions import select_courts, sync_court
    from activities.monitoring import check_court_page, record_run_end, record_run_start
    from activities.outbox import send_outbox
    from activities.reminders import clear_expired_sessions, queue_event_reminders, queue_old_cases_reminder
    from activities.retention import purge_old_records
    from activities.watch import watch_probe

    return [
        send_outbox,
        select_courts,
        sync_court,
        record_run_start,
        record_run_end,
        check_court_page,
        queue_event_reminders,
        queue_old_cases_reminder,
        clear_expired_sessions,
        purge_old_records,
        watch_probe,
    ]


def build_activities(client: Client) -> list[Callable[..., Any]]:
    """Every activity the worker registers; the health check holds the client."""
    from activities.health import HealthActivities

    return [HealthActivities(client).check_health, *plain_activities()]
