"""Names shared by every layer: run statuses, e-mail kinds, the local time zone and two small helpers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

# Poland's wall-clock time: hearing dates, reminder days, the months reported and the schedules.
WARSAW_TZ_NAME = "Europe/Warsaw"
WARSAW = ZoneInfo(WARSAW_TZ_NAME)


class RunStatus(StrEnum):
    """How a job run ended, as recorded in JobRun.status and returned in the workflow results."""

    RUNNING = "running"
    SUCCESS = "completed_success"
    PARTIAL = "completed_partial"
    NO_COURTS = "completed_no_courts"
    FAILED_ALL = "failed_all_courts"
    FAILED = "failed"


# Statuses that need an admin's look (they raise the job's alert) and those that clear it.
ALERTING_STATUSES = frozenset({RunStatus.PARTIAL, RunStatus.FAILED_ALL, RunStatus.FAILED})
CLEAN_STATUSES = frozenset({RunStatus.SUCCESS, RunStatus.NO_COURTS})


class EmailKind(StrEnum):
    """The outbox row kinds: each job sends its own kind (and the alerts it raised)."""

    COURT_SESSION = "courtsession"
    EVENT_REMINDER = "event_reminder"
    OLD_CASES = "old_cases"
    ALERT = "alert"


def courts_status(total: int, succeeded: int, failed: bool) -> RunStatus:
    """The status of a run over courts: none to do, all failed, some failed, or all fine."""
    if total == 0:
        return RunStatus.NO_COURTS
    if succeeded == 0:
        return RunStatus.FAILED_ALL
    return RunStatus.PARTIAL if failed else RunStatus.SUCCESS


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none): one line for a log or UI."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class InvalidTimestamp(ValueError):
    """A timestamp that is not ISO 8601 or lacks its UTC offset."""


def parse_aware(value: str, name: str = "time") -> datetime:
    """An ISO 8601 timestamp with a UTC offset; anything else raises InvalidTimestamp naming ``name``."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidTimestamp(f"{name} {value!r} is not an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        raise InvalidTimestamp(f"{name} {value!r} needs a UTC offset, e.g. 2025-06-01T08:00:00+02:00")
    return moment
