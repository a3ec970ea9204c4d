"""Inputs and results of the court-session parser and the weekly parser monitor."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from .common import RunStatus, courts_status


@dataclass
class CourtSessionSyncInput:
    court_ids: list[int] | None = None
    parser_key: str | None = None
    dry_run: bool = False


@dataclass
class SelectCourtsInput:
    court_ids: list[int] | None = None
    parser_key: str | None = None


@dataclass
class CourtRef:
    id: int
    parser_key: str
    name: str


@dataclass
class CourtSelection:
    """The courts to run plus the run-time knobs, read from settings once per run (the workflow can't)."""

    courts: list[CourtRef]
    concurrency: int
    heartbeat_timeout_s: float
    start_to_close_s: float
    retry_initial_s: float
    retry_max_interval_s: float
    max_attempts: int


@dataclass
class SyncCourtInput:
    court_id: int
    dry_run: bool = False


@dataclass
class PlannedChange:
    action: str  # "create" | "update"
    signature: str
    date: str
    slot: int
    time: str
    case_id: int


@dataclass
class CourtSyncSummary:
    """What one court's sync did: the activity's result, and while it runs its heartbeat (with groups_done).

    ``groups_done`` ("<signature key>|<date>" already written) lets a retried attempt resume; it is
    emptied in the result, which needs only the counts.
    """

    court_id: int = 0
    parser_key: str = ""
    rows_seen: int = 0
    tracked_rows: int = 0
    bad_rows: int = 0
    sessions_created: int = 0
    sessions_updated: int = 0
    sessions_unchanged: int = 0
    emails_queued: int = 0
    attempt: int = 1
    resumed_groups: int = 0
    dry_run: bool = False
    planned: list[PlannedChange] = field(default_factory=list)
    groups_done: list[str] = field(default_factory=list)

    @classmethod
    def from_heartbeat(cls, details: dict[str, Any] | None) -> CourtSyncSummary:
        """The summary a previous attempt heartbeated (a plain dict), or a fresh one."""
        if not details:
            return cls()
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in details.items() if k in known}
        values["planned"] = [PlannedChange(**p) for p in values.get("planned", [])]
        return cls(**values)


@dataclass
class CourtError:
    court: str  # parser key, or "outbox" for the sending step
    type: str
    message: str


@dataclass
class CourtProgress:
    state: str = "pending"  # pending | running | done | failed
    sessions_created: int = 0
    sessions_updated: int = 0
    error: str = ""


@dataclass
class CourtSessionSyncResult:
    status: str = RunStatus.NO_COURTS
    courts_total: int = 0
    courts_succeeded: int = 0
    courts_failed: int = 0
    sessions_created: int = 0
    sessions_updated: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    dry_run: bool = False
    errors: list[CourtError] = field(default_factory=list)
    courts: list[CourtSyncSummary] = field(default_factory=list)


def finish_court_run(result: CourtSessionSyncResult) -> CourtSessionSyncResult:
    """Totals and status from the per-court summaries and errors (the workflow's and --inline's)."""
    result.courts.sort(key=lambda s: s.parser_key)
    result.errors.sort(key=lambda e: e.court)
    result.courts_succeeded = len(result.courts)
    result.courts_failed = len({e.court for e in result.errors if e.court != "outbox"})
    result.sessions_created = sum(s.sessions_created for s in result.courts)
    result.sessions_updated = sum(s.sessions_updated for s in result.courts)
    result.status = courts_status(result.courts_total, result.courts_succeeded, bool(result.errors))
    return result


@dataclass
class CourtParserMonitorInput:
    court_ids: list[int] | None = None
    parser_key: str | None = None


@dataclass
class CheckCourtInput:
    court_id: int
    now: str  # ISO 8601, fixed by the workflow


@dataclass
class CourtCheck:
    parser_key: str
    ok: bool
    rows: int = 0
    headers: list[str] = field(default_factory=list)
    error: str = ""
    alert_emails_queued: int = 0


@dataclass
class CourtParserMonitorResult:
    status: str  # a RunStatus
    courts_total: int = 0
    courts_ok: int = 0
    failed: list[str] = field(default_factory=list)
    checks: list[CourtCheck] = field(default_factory=list)


def monitor_result(checks: list[CourtCheck]) -> CourtParserMonitorResult:
    ok = [c for c in checks if c.ok]
    failed = sorted(c.parser_key for c in checks if not c.ok)
    return CourtParserMonitorResult(status=courts_status(len(checks), len(ok), bool(failed)),
                                    courts_total=len(checks), courts_ok=len(ok), failed=failed, checks=checks)
