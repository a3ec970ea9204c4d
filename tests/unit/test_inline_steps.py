"""``--inline``'s steps: the flow's activities run once each, in the calling thread, and fail as in a workflow."""

from __future__ import annotations

import threading
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
