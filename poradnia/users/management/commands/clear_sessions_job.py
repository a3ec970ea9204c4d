"""``manage.py clear_sessions_job [--inline] [--now ISO]``: remove expired sessions and print how many."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from poradnia.jobcommand import JobCommand
from poradnia.users.sessions import clear_expired_sessions
from workflows.reminders import ClearSessionsJobInput, ClearSessionsResult, ClearSessionsWorkflow


class Command(JobCommand):
    help = "Delete expired login sessions (ClearSessionsWorkflow); prints the number deleted as JSON."
    job = "clear-sessions"

    def workflow_run(self) -> Callable[..., Any]:
        return ClearSessionsWorkflow.run

    def workflow_input(self, now: str | None) -> ClearSessionsJobInput:
        return ClearSessionsJobInput(now=now)

    def run_inline(self, now: datetime) -> ClearSessionsResult:
        return ClearSessionsResult(now=now.isoformat(), deleted=clear_expired_sessions(now))
