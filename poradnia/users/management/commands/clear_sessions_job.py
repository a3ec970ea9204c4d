"""``manage.py clear_sessions_job [--inline] [--now ISO]``: remove expired sessions and print how many."""

from __future__ import annotations

from datetime import datetime

from poradnia.contracts import CLEAR_SESSIONS, ClearSessionsResult
from poradnia.jobs.command import TimedJobCommand
from poradnia.users.sessions import clear_expired_sessions


class Command(TimedJobCommand):
    help = "Delete expired login sessions (ClearSessionsWorkflow); prints the number deleted as JSON."
    job = CLEAR_SESSIONS
    result_type = ClearSessionsResult

    def run_at(self, now: datetime) -> ClearSessionsResult:
        return ClearSessionsResult(now=now.isoformat(), deleted=clear_expired_sessions(now))
