"""Optional Sentry reporting (SENTRY_DSN): an activity's *final* failure, once, through a worker interceptor.

An activity that fails and will be retried is not news (eWokanda answered 503, the retry fetched the
page); one that fails for the last time is. The interceptor reports a failure when Temporal will not
retry it: a non-retryable error (``ApplicationError(non_retryable=True)`` or a type the retry policy
lists as non-retryable) or the last of the policy's maximum attempts. A timeout enforced by the
server (heartbeat, start-to-close) never reaches the worker's code and is not reported here; it shows
as the run's failure and its alert.

Sentry is initialised without its default integrations: no logging hook, no excepthook, so nothing
else is sent (no e-mail addresses or case text in log lines leave the building).
"""

from __future__ import annotations

import logging
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

log = logging.getLogger(__name__)


def init_sentry(dsn: str, **options: Any) -> bool:
    """Initialise the SDK when a DSN is configured; True when reporting is on."""
    if not dsn:
        return False
    import sentry_sdk

    sentry_sdk.init(dsn=dsn, default_integrations=False, **options)
    return True


def is_final_failure(exc: BaseException, info: activity.Info) -> bool:
    """True when Temporal will not retry this attempt's failure."""
    if isinstance(exc, ApplicationError) and exc.non_retryable:
        return True
    policy = info.retry_policy
    if policy is None:
        return False
    error_type = exc.type if isinstance(exc, ApplicationError) and exc.type else type(exc).__name__
    if error_type in (policy.non_retryable_error_types or ()):
        return True
    return bool(policy.maximum_attempts) and info.attempt >= policy.maximum_attempts


def report_final_failure(exc: BaseException, info: activity.Info) -> None:
    import sentry_sdk

    with sentry_sdk.new_scope() as scope:
        scope.set_tag("activity_type", info.activity_type)
        scope.set_tag("workflow_type", info.workflow_type)
        scope.set_tag("task_queue", info.task_queue)
        scope.set_context("temporal", {"workflow_id": info.workflow_id, "run_id": info.workflow_run_id,
                                       "activity_id": info.activity_id, "attempt": info.attempt})
        scope.fingerprint = ["temporal-activity", info.activity_type, type(exc).__name__]
        scope.capture_exception(exc)


class _FinalFailureInbound(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            return await super().execute_activity(input)
        except Exception as exc:
            info = activity.info()
            if is_final_failure(exc, info):
                try:
                    report_final_failure(exc, info)
                except Exception:  # noqa: BLE001 - reporting must never change the activity's outcome
                    log.exception("cannot report %s to Sentry", info.activity_type)
            raise


class SentryInterceptor(Interceptor):
    """Worker interceptor: report an activity's final failure to Sentry (the SDK must be initialised)."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _FinalFailureInbound(next)
