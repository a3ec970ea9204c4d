"""Poradnia's schedules, built from the job registry (``JOBS`` in poradnia.contracts).

The registry is the only place a job's timing lives.
``apply_schedules`` makes the Temporal server match it without undoing what operators do there: a
pause and its note survive every apply and every deploy.

Times are wall-clock times in Europe/Warsaw, so a job keeps its local hour across the DST changes.
Every schedule skips a start while its previous run is still going (overlap SKIP), and catches up
at most one period after a server outage: one missed run is started, not a year of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.client import ScheduleCalendarSpec, ScheduleOverlapPolicy

from poradnia.contracts import JOBS, SUNDAY, WARSAW_TZ_NAME, Job, at, hourly

__all__ = ["MANAGED_BY", "MANAGED_BY_KEY", "SCHEDULES", "SUNDAY", "TIME_ZONE", "ScheduleEntry", "at", "hourly",
           "declared_schedules", "find_entry"]

TIME_ZONE = WARSAW_TZ_NAME
MANAGED_BY_KEY = "managed-by"
MANAGED_BY = "poradnia"


@dataclass(frozen=True)
class ScheduleEntry:
    """One declared schedule: what runs, when, and what happens to overlapping or missed runs.

    The action's workflow id is the schedule id (Temporal appends the scheduled time), so every
    run of a job is found by one id prefix in the Web UI and in ``temporal workflow list``.
    """

    id: str
    workflow: str  # workflow type name, as registered by the worker
    description: str
    calendar: ScheduleCalendarSpec
    catchup_window: timedelta
    input: Any = None  # the workflow's single argument; None starts it without arguments
    overlap: ScheduleOverlapPolicy = ScheduleOverlapPolicy.SKIP
    time_zone: str = TIME_ZONE

    def memo(self) -> dict[str, str]:
        """The schedule's memo: the mark that lets ``--prune`` tell our schedules from anyone else's."""
        return {MANAGED_BY_KEY: MANAGED_BY, "description": self.description}


    @classmethod
    def of(cls, job: Job) -> ScheduleEntry:
        return cls(id=job.id, workflow=job.workflow, description=job.description, calendar=job.calendar,
                   catchup_window=job.catchup_window, input=job.default_input())


# One schedule per registered job (poradnia.contracts.JOBS holds their ids, timing and inputs).
SCHEDULES: list[ScheduleEntry] = [ScheduleEntry.of(job) for job in JOBS]


def declared_schedules() -> list[ScheduleEntry]:
    """The declared list, read at call time (tests replace ``SCHEDULES`` to change a spec in code)."""
    return list(SCHEDULES)


def find_entry(schedule_id: str) -> ScheduleEntry | None:
    """The declared entry with this id, or None for a schedule that is not ours."""
    return next((entry for entry in declared_schedules() if entry.id == schedule_id), None)
