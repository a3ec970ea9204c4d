"""Run a job's flow in this process, without Temporal: a command's ``--inline``.

The flow is the workflow's own (workflows/steps.py); ``InlineSteps`` calls the activity functions the worker
registers, by the same names and with the same arguments, so an inline run writes, records and sends what a
workflow run does. What Temporal adds is not here: each step runs once (no retries, no timeouts; the next
scheduled run retries what failed, and e-mails that wait for a later attempt stay in the outbox for it), one
step at a time, and nothing survives a crash of this process.

The flow's asyncio loop runs in a helper thread while the steps run in the calling thread: Django's ORM
refuses to run under an event loop, and the caller's database connection (a test's transaction, say) must
be the one the steps use.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import queue
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from temporalio import activity
from temporalio.exceptions import ActivityError, ApplicationError, RetryState
from temporalio.testing import ActivityEnvironment

from activities import plain_activities
from poradnia.contracts import RunInfo

R = TypeVar("R")
log = logging.getLogger(__name__)


def inline_activities() -> dict[str, Callable[..., Any]]:
    """The activities an inline flow may call, by their registered names (all but the worker-bound health check)."""
    return {activity_name(fn): fn for fn in plain_activities()}


def activity_name(fn: Callable[..., Any]) -> str:
    """The name ``fn`` is registered under (``@activity.defn(name=...)``)."""
    defn = activity._Definition.from_callable(fn)
    if defn is None or defn.name is None:
        raise TypeError(f"{fn!r} is not an activity")
    return defn.name


class InlineSteps:
    """Steps (workflows/steps.py) that call the activity functions here, each once."""

    def __init__(self, work: queue.SimpleQueue, *, workflow_id: str, run_id: str) -> None:
        self._work = work
        self._run = RunInfo(workflow_id, run_id, datetime.now(UTC))

    def run(self) -> RunInfo:
        return self._run

    def now(self) -> datetime:
        return datetime.now(UTC)

    def patched(self, patch_id: str) -> bool:
        return True  # no history to stay compatible with: always the current code

    async def activity(self, name: str, arg: Any = None, *, result_type: type | None = None,
                       **options: Any) -> Any:
        loop = asyncio.get_running_loop()
        done: asyncio.Future = loop.create_future()
        self._work.put((name, arg, result_type, options, loop, done))
        return await done


def run_inline(flow: Callable[[InlineSteps], Awaitable[R]], *, workflow_id: str, run_id: str,
               activities: dict[str, Callable[..., Any]] | None = None) -> R:
    """Run ``flow`` (a job's flow over Steps) here; returns its result or raises what it raised.

    ``activities``: the activities by registered name (default: ``inline_activities()``).
    """
    registered = inline_activities() if activities is None else activities
    work: queue.SimpleQueue = queue.SimpleQueue()
    steps = InlineSteps(work, workflow_id=workflow_id, run_id=run_id)
    outcome: dict[str, Any] = {}

    def drive() -> None:
        try:
            outcome["result"] = asyncio.run(flow(steps))
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread, which raises it
            outcome["error"] = exc
        finally:
            work.put(None)

    thread = threading.Thread(target=drive, name="inline-flow", daemon=True)
    thread.start()
    try:
        while (item := work.get()) is not None:
            name, arg, result_type, options, loop, done = item
            try:
                value = _call(registered[name], name, arg, result_type, options, steps.run())
            except BaseException as exc:  # noqa: BLE001 - the flow sees it as a workflow would
                loop.call_soon_threadsafe(_settle, done, None, _activity_error(name, options, exc))
            else:
                loop.call_soon_threadsafe(_settle, done, value, None)
        thread.join()
    except BaseException as exc:  # Ctrl-C between steps: the flow never gets to record its end
        _close_run(run_id, exc)
        raise
    if "error" in outcome:
        _close_run(run_id, outcome["error"])
        raise outcome["error"]
    return outcome["result"]


def _close_run(run_id: str, exc: BaseException) -> None:
    """A run that ends by an exception is recorded as failed, whatever the exception: the flow records the
    failures it sees (Exception), not Ctrl-C, SIGTERM as SystemExit, or a failure of the recording itself."""
    from poradnia.monitoring.history import close_failed

    try:
        close_failed(run_id=run_id, error=f"{type(exc).__name__}: {exc}", finished=datetime.now(UTC))
    except Exception:  # noqa: BLE001 - e.g. a full disk: the watch flags the run as running too long
        log.exception("run %s: could not record its failure", run_id)


def _call(fn: Callable[..., Any], name: str, arg: Any, result_type: type | None, options: dict[str, Any],
          run: RunInfo) -> Any:
    """One attempt of the activity here.

    An activity that did what it could now and asks to be called again later (an ApplicationError with
    ``next_retry_delay``: the outbox's rows that wait for their time) ends the step with the progress it last
    heartbeated: an inline run has no later, and the next scheduled run picks up what waits.
    """
    env = ActivityEnvironment()
    beats: list[Any] = []
    env.on_heartbeat = lambda *details: beats.append(details)
    env.info = dataclasses.replace(
        env.info, activity_type=name, activity_id=options.get("activity_id") or name, workflow_id=run.workflow_id,
        workflow_run_id=run.run_id, heartbeat_timeout=options.get("heartbeat_timeout"),
        start_to_close_timeout=options.get("start_to_close_timeout"), retry_policy=options.get("retry_policy"),
        started_time=datetime.now(UTC))
    try:
        return env.run(fn) if arg is None else env.run(fn, arg)
    except ApplicationError as exc:
        progress = beats[-1][0] if beats and beats[-1] else None
        if exc.next_retry_delay is None or not isinstance(progress, dict) or result_type is None \
                or not dataclasses.is_dataclass(result_type):
            raise
        return result_type(**progress)


def _activity_error(name: str, options: dict[str, Any], exc: BaseException) -> BaseException:
    """The failure as a workflow sees it: an ActivityError caused by an ApplicationError."""
    if not isinstance(exc, Exception):
        return exc  # KeyboardInterrupt and the like end the run as they are
    cause = exc if isinstance(exc, ApplicationError) else ApplicationError(str(exc), type=type(exc).__name__)
    error = ActivityError("Activity task failed", scheduled_event_id=0, started_event_id=0, identity="inline",
                          activity_type=name, activity_id=options.get("activity_id") or name,
                          retry_state=RetryState.MAXIMUM_ATTEMPTS_REACHED)
    error.__cause__ = cause
    if cause is not exc:
        cause.__cause__ = exc
    return error


def _settle(done: asyncio.Future, value: Any, error: BaseException | None) -> None:
    if error is None:
        done.set_result(value)
    else:
        done.set_exception(error)
