"""Bases of the management commands that talk to Temporal.

``TemporalCommand`` (the schedule commands) gives one way to connect (one clear line instead of a
traceback when Temporal is down), one way to run an async body from Django's synchronous
``handle``, and a clean exit code. ``JobCommand`` is every command that runs a background job now:

    python manage.py <job command> [--inline] [--workflow-id ID] [job options]

Without ``--inline`` the job's workflow is started by its type name on the configured task queue
(the same code path as the schedule, visible in the Web UI) as ``<job id>-manual-<UTC time>``; the
command waits for it and prints its result as JSON. With ``--inline`` (jobs that have it) the workflow's
own flow runs in this process, calling the same activities once each (activities/inline.py), recorded in
the job history like the workflow's run, and prints the same JSON: for when Temporal is down or for a
quick check on a laptop. Running either while a scheduled run is in progress is safe: the jobs' writes
are idempotent and guarded by unique constraints.
"""

from __future__ import annotations

import asyncio
import json
import traceback
import uuid
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from temporalio.client import Client
from temporalio.exceptions import ActivityError

from poradnia import temporal
from poradnia.contracts import InvalidTimestamp, Job, first_line, parse_aware

CONNECT_TIMEOUT_S = 15
WORKFLOW_ID_MAX = 255  # ours are ~60 characters; Temporal refuses ids over 1,000 with a traceback


class TemporalCommand(BaseCommand):
    def run_from_argv(self, argv: list[str]) -> None:
        """The command-line entry point: once the command has run, exit without interpreter teardown
        (see ``poradnia.temporal.exit_process``); ``call_command`` does not come through here."""
        code = 0
        try:
            super().run_from_argv(argv)
        except SystemExit as exc:  # CommandError: Django printed it and exits 1
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - reported here, since the interpreter will not do it
            traceback.print_exc()
            code = 1
        temporal.exit_process(code)

    def run_async(self, body: Coroutine[Any, Any, None]) -> None:
        asyncio.run(body)

    async def connect(self) -> Client:
        try:
            return await asyncio.wait_for(temporal.connect(), timeout=CONNECT_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - every failure to connect gets the same one line
            raise CommandError(f"cannot connect to Temporal at {settings.TEMPORAL_ADDRESS} "
                               f"(namespace {settings.TEMPORAL_NAMESPACE}): {first_line(exc)}; jobs run without "
                               "Temporal with --inline") from None


def bounded_now(value: str, name: str = "--now", *, real_now: datetime | None = None) -> datetime:
    """``value`` as an aware instant within RUN_NOW_MAX_PAST_DAYS before and RUN_NOW_MAX_FUTURE_DAYS after
    the real clock; anything else raises InvalidTimestamp. A run "as of 2099" would delete every job run
    retention keeps and scrub every sent e-mail; one as of year 1 cannot even be computed."""
    moment = parse_aware(value, name)
    real = real_now or datetime.now(UTC)
    past, ahead = settings.RUN_NOW_MAX_PAST_DAYS, settings.RUN_NOW_MAX_FUTURE_DAYS
    try:
        inside = real - timedelta(days=past) <= moment <= real + timedelta(days=ahead)
    except OverflowError:
        inside = False
    if not inside:
        raise InvalidTimestamp(f"{name} {value!r} is outside the allowed window: from {past:g} days before to "
                               f"{ahead:g} days after the real time ({real:%Y-%m-%d %H:%M} UTC); "
                               "see RUN_NOW_MAX_PAST_DAYS and RUN_NOW_MAX_FUTURE_DAYS", "window")
    return moment


def manual_workflow_id(job: Job, now: datetime | None = None) -> str:
    """``<job id>-manual-<UTC time>``: a run started by hand, found by the job's id prefix like its scheduled runs."""
    return job.manual_workflow_id(f"{(now or datetime.now(UTC)).astimezone(UTC):%Y%m%dT%H%M%S%fZ}")


class JobCommand(TemporalCommand, ABC):
    job: Job  # the registry entry: job id, workflow type, whether it runs --inline
    result_type: type  # the workflow's result dataclass

    def add_job_arguments(self, parser: CommandParser) -> None:
        """The job's own options."""

    @abstractmethod
    def job_input(self, **options: Any) -> Any:
        """The workflow's input dataclass from the command's options."""

    def run_inline(self, job_input: Any, *, workflow_id: str, run_id: str) -> Any:
        """Run the job's workflow flow in this process (``activities.inline.run_inline``); returns its result.

        Defined by the commands of jobs with ``--inline``: as entry points they may import the flow and the
        activities, which this app may not.
        """
        raise NotImplementedError

    def check_result(self, result: Any) -> None:
        """Raise CommandError for a result that must make the command fail (exit 1)."""

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_job_arguments(parser)
        if self.job.inline:
            parser.add_argument("--inline", action="store_true",
                                help="run in this process instead of as a workflow on Temporal")
        parser.add_argument("--workflow-id", help=f"workflow id (default: {self.job.id}-manual-<time>)")

    def handle(self, *args: Any, inline: bool = False, workflow_id: str | None = None, **options: Any) -> None:
        if workflow_id is not None and not 0 < len(workflow_id) <= WORKFLOW_ID_MAX:
            raise CommandError(f"--workflow-id has {len(workflow_id)} characters: from 1 to {WORKFLOW_ID_MAX}")
        job_input = self.job_input(**options)
        workflow_id = workflow_id or manual_workflow_id(self.job)
        try:
            if inline:
                result = self.run_inline(job_input, workflow_id=workflow_id, run_id=f"inline-{uuid.uuid4().hex}")
            else:
                result = asyncio.run(self.run_on_temporal(job_input, workflow_id))
        except CommandError:
            raise
        except ActivityError as exc:  # one line naming the step; the run is recorded in the job history
            raise CommandError(f"{self.job.id} --inline: step {exc.activity_type} failed: "
                               f"{first_line(exc.cause or exc)}") from None
        except Exception as exc:  # noqa: BLE001 - recorded in the job history; the operator gets one line
            cause = getattr(exc, "cause", None) or exc  # a failed workflow: what failed inside it
            raise CommandError(f"{self.job.id} run {workflow_id} failed: {type(cause).__name__}: "
                               f"{first_line(cause)}") from None
        self.stdout.write(json.dumps(asdict(result), indent=2, ensure_ascii=False))
        self.check_result(result)

    async def run_on_temporal(self, job_input: Any, workflow_id: str) -> Any:
        client = await self.connect()
        self.stderr.write(f"started workflow {workflow_id} on task queue {settings.TEMPORAL_TASK_QUEUE}")
        return await client.execute_workflow(self.job.workflow, job_input, id=workflow_id,
                                             task_queue=settings.TEMPORAL_TASK_QUEUE, result_type=self.result_type)


class TimedJobCommand(JobCommand):
    """A job that decides as of a moment: ``--now`` (ISO 8601 with offset), by default when it runs."""

    def add_job_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="decide as of this ISO 8601 time with offset (default: now)")

    def job_input(self, *, now: str | None = None, **options: Any) -> Any:
        if now is not None:
            try:
                bounded_now(now, "--now")
            except InvalidTimestamp as exc:
                raise CommandError(str(exc)) from None
        return self.job.input_type(now=now)
