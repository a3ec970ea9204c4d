"""``manage.py clear_sessions_job [--inline] [--now ISO]``: remove expired sessions and print how many."""

from __future__ import annotations

from typing import Any

from poradnia.contracts import CLEAR_SESSIONS, ClearSessionsJobInput, ClearSessionsResult
from poradnia.jobs.command import TimedJobCommand


class Command(TimedJobCommand):
    help = "Delete expired login sessions (ClearSessionsWorkflow); prints the number deleted as JSON."
    job = CLEAR_SESSIONS
    result_type = ClearSessionsResult

    def run_inline(self, job_input: ClearSessionsJobInput, *, workflow_id: str, run_id: str) -> Any:
        from activities.inline import run_inline
        from workflows.reminders import clear_sessions_run

        return run_inline(lambda steps: clear_sessions_run(steps, job_input), workflow_id=workflow_id,
                          run_id=run_id)
