"""Sentry gets an activity's final failure once, never its retries: a local HTTP receiver stands in as the DSN."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from datetime import timedelta

import pytest
import sentry_sdk
from temporalio import activity, workflow
from temporalio.client import Client, WorkflowFailureError
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from poradnia.sentry import SentryInterceptor, init_sentry
from tests.support.watching import Receiver

ATTEMPTS: dict[str, int] = {}


@activity.defn
def flaky(fail_times: int) -> str:
    key = activity.info().workflow_id
    ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
    if ATTEMPTS[key] <= fail_times:
        raise RuntimeError(f"eWokanda answered 503 (attempt {ATTEMPTS[key]})")
    return "ok"


@activity.defn
def refuses() -> str:
    raise ApplicationError("page cannot be parsed", type="ParseError", non_retryable=True)


@workflow.defn(sandboxed=False)
class FlakyWorkflow:
    @workflow.run
    async def run(self, fail_times: int) -> str:
        if fail_times < 0:
            return await workflow.execute_activity(refuses, start_to_close_timeout=timedelta(seconds=10))
        return await workflow.execute_activity(
            flaky, fail_times, start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=100), backoff_coefficient=1.0,
                                     maximum_attempts=4))


def events(receiver: Receiver) -> list[dict]:
    """The error events in the envelopes the SDK posted (sessions and client reports are not events)."""
    found = []
    for request in receiver.requests:
        body = request["body"]
        if request["headers"].get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        lines = body.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


@pytest.fixture
def sentry_receiver():
    with Receiver() as receiver:
        host = receiver.url.removeprefix("http://")
        assert init_sentry(f"http://publickey@{host}/42")
        yield receiver
        sentry_sdk.init()  # no DSN: reporting off again for the rest of the session


async def run(client: Client, task_queue: str, fail_times: int) -> str:
    return await client.execute_workflow(FlakyWorkflow.run, fail_times, id=f"flaky-{uuid.uuid4()}",
                                         task_queue=task_queue)


async def test_retries_are_not_reported_the_final_failure_is_once(
    temporal_client: Client, task_queue: str, sentry_receiver: Receiver
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        worker = Worker(temporal_client, task_queue=task_queue, workflows=[FlakyWorkflow],
                        activities=[flaky, refuses], activity_executor=pool, interceptors=[SentryInterceptor()],
                        workflow_runner=SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default))
        async with worker:
            assert await run(temporal_client, task_queue, 3) == "ok"  # fails 3 times, then succeeds
            sentry_sdk.flush(timeout=5)
            assert events(sentry_receiver) == []

            with pytest.raises(WorkflowFailureError):
                await run(temporal_client, task_queue, 10)  # exhausts its 4 attempts
            sentry_sdk.flush(timeout=5)
            reported = events(sentry_receiver)
            assert len(reported) == 1
            event = reported[0]
            assert event["tags"]["activity_type"] == "flaky"
            assert event["contexts"]["temporal"]["attempt"] == 4
            assert event["exception"]["values"][-1]["value"] == "eWokanda answered 503 (attempt 4)"

            with pytest.raises(WorkflowFailureError):
                await run(temporal_client, task_queue, -1)  # non-retryable: final on its first attempt
            sentry_sdk.flush(timeout=5)
            time.sleep(0.2)
            reported = events(sentry_receiver)
            assert [e["tags"]["activity_type"] for e in reported] == ["flaky", "refuses"]
            assert reported[1]["contexts"]["temporal"]["attempt"] == 1
    assert all(r["path"] == "/api/42/envelope/" for r in sentry_receiver.requests)


def test_worker_installs_the_reporter_only_with_a_dsn(settings) -> None:
    from worker import default_interceptors

    settings.SENTRY_DSN = ""
    assert default_interceptors() == []
    settings.SENTRY_DSN = "http://k@127.0.0.1:9/1"
    assert [type(i) for i in default_interceptors()] == [SentryInterceptor]
