"""``--inline``'s steps: the flow's activities run once each, in the calling thread, and fail as in a workflow."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.exceptions import ActivityError, ApplicationError

from activities.inline import InlineSteps, run_inline


@activity.defn(name="double")
def double(value: int) -> dict[str, Any]:
    info = activity.info()
    return {"value": 2 * value, "thread": threading.get_ident(), "workflow_id": info.workflow_id,
            "run_id": info.workflow_run_id, "attempt": info.attempt}


@activity.defn(name="refuse")
def refuse(kind: str) -> None:
    if kind == "application":
        raise ApplicationError("page too complex", type="PageTooComplex", non_retryable=True)
    raise ValueError("no such court")


ACTIVITIES = {"double": double, "refuse": refuse}


def test_each_step_runs_once_in_the_calling_thread_with_the_runs_identity() -> None:
    calls: list[str] = []

    async def flow(steps: InlineSteps) -> tuple[Any, ...]:
        calls.append("flow")
        done = await steps.activity("double", 21, start_to_close_timeout=None)
        return done, steps.run().workflow_id, steps.patched("any-patch")

    done, workflow_id, patched = run_inline(flow, workflow_id="job-manual-1", run_id="inline-1",
                                            activities=ACTIVITIES)
    assert calls == ["flow"] and patched is True and workflow_id == "job-manual-1"
    assert done == {"value": 42, "thread": threading.get_ident(), "workflow_id": "job-manual-1",
                    "run_id": "inline-1", "attempt": 1}


def test_a_failed_step_reaches_the_flow_as_in_a_workflow() -> None:
    async def flow(steps: InlineSteps) -> list[tuple[str, str, str]]:
        seen = []
        for kind in ("application", "other"):
            try:
                await steps.activity("refuse", kind)
            except ActivityError as exc:
                cause = exc.cause
                assert isinstance(cause, ApplicationError)
                seen.append((exc.activity_type, cause.type or "", cause.message))
        return seen

    assert run_inline(flow, workflow_id="w", run_id="r", activities=ACTIVITIES) == [
        ("refuse", "PageTooComplex", "page too complex"), ("refuse", "ValueError", "no such court")]


def test_what_the_flow_raises_the_caller_gets() -> None:
    async def flow(steps: InlineSteps) -> None:
        await steps.activity("refuse", "other")

    with pytest.raises(ActivityError) as raised:
        run_inline(flow, workflow_id="w", run_id="r", activities=ACTIVITIES)
    assert isinstance(raised.value.cause, ApplicationError) and "no such court" in str(raised.value.cause)


@dataclass
class Sent:
    sent: int = 0
    failed: int = 0


@activity.defn(name="send_later")
def send_later(rows: int) -> Sent:
    activity.heartbeat({"sent": rows, "failed": 0})
    raise ApplicationError("1 e-mail(s) wait for a later attempt (in 60 s)", type="EmailsDeferred",
                           next_retry_delay=timedelta(seconds=60))


def test_a_step_that_asks_to_be_called_later_ends_with_its_last_progress() -> None:
    # The outbox's rows that wait for their time stay for the next run: the step reports what it sent.
    async def flow(steps: InlineSteps) -> Sent:
        return await steps.activity("send_later", 3, result_type=Sent)

    assert run_inline(flow, workflow_id="w", run_id="r", activities={"send_later": send_later}) == Sent(sent=3)
