"""The sending step of the e-mail outbox, as every workflow runs it: one retry policy for one mail server."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from poradnia.contracts import SendOutboxInput, SendSummary

# TemporaryEmailError (connection refused, timeouts, 4xx) is retried with backoff; 30 attempts
# capped at 60 s apart outlast a mail-server outage of about 25 minutes.
SMTP_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                         maximum_interval=timedelta(seconds=60), maximum_attempts=30)
# Longer than EMAIL_TIMEOUT (30 s by default): one slow SMTP exchange must not look like a dead worker.
SEND_HEARTBEAT = timedelta(seconds=60)


async def send_emails(*kinds: str) -> SendSummary:
    """Send the pending outbox rows of these kinds (this run's, plus any an earlier run left pending)."""
    return await workflow.execute_activity(
        "send_outbox", SendOutboxInput(kinds=list(kinds)), result_type=SendSummary,
        start_to_close_timeout=timedelta(hours=1), heartbeat_timeout=SEND_HEARTBEAT, retry_policy=SMTP_RETRY,
    )
