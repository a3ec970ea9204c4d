"""Where a job's flow runs: each job's flow is written once, over ``Steps``.

A flow (``court_session_run``, ``event_reminders_run``, ...) does its work only through ``steps.activity``
(run this activity with these options), ``steps.now()`` and ``steps.run()``. In a workflow, ``WorkflowSteps``
executes the activities on Temporal; with a command's ``--inline`` (Temporal down, a quick check on a laptop),
``activities.inline.InlineSteps`` calls the same activity functions in this process. One place to read each
job's order of steps, and nothing to keep in step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from poradnia.contracts import RunInfo


class Steps(Protocol):
    def run(self) -> RunInfo:
        """This run's workflow id, run id and start time."""

    def now(self) -> datetime:
        """The current time, deterministic in a workflow."""

    def patched(self, patch_id: str) -> bool:
        """``workflow.patched`` in a workflow; an inline run always takes the new branch (it has no history)."""

    async def activity(self, name: str, arg: Any = None, *, result_type: type | None = None,
                       **options: Any) -> Any:
        """Run the activity registered as ``name`` with ``arg`` (None: no argument) and return its result.

        ``options`` are ``workflow.execute_activity``'s (timeouts, retry policy, activity id). A failure is
        raised as an ``ActivityError`` whose cause is an ``ApplicationError`` both in a workflow and inline.
        """


class WorkflowSteps:
    """The steps of a workflow: each activity is executed by Temporal, with its timeouts and retries."""

    def run(self) -> RunInfo:
        info = workflow.info()
        return RunInfo(info.workflow_id, info.run_id, info.start_time)

    def now(self) -> datetime:
        return workflow.now()

    def patched(self, patch_id: str) -> bool:
        return workflow.patched(patch_id)

    async def activity(self, name: str, arg: Any = None, *, result_type: type | None = None,
                       **options: Any) -> Any:
        args = [] if arg is None else [arg]
        return await workflow.execute_activity(name, args=args, result_type=result_type, **options)
