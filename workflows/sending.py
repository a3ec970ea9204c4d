"""The sending step of the e-mail outbox, as every workflow runs it: one retry policy for one mail server."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from poradnia.contracts import SendOutboxInput, SendSummary
    from workflows.steps import Steps

# A mail server that refuses us (connection refused, timeouts, 421, a refused sender, login or relaying)
# fails the attempt and is retried with backoff; 30 attempts capped at 60 s apart outlast an outage of
# about 25 minutes, and every row stays pending for the next run after that. Rows deferred by a 4xx for
# their recipient (or claimed by a sender that died) bring the activity back when they are due
# (``next_retry_delay``), until each is sent or failed after OUTBOX_MAX_ATTEMPTS.
SMTP_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                         maximum_interval=timedelta(seconds=60), maximum_attempts=30)
# Longer than EMAIL_TIMEOUT (30 s by default): one slow SMTP exchange must not look like a dead worker.
SEND_HEARTBEAT = timedelta(seconds=60)


async def send_emails(steps: Steps, *kinds: str) -> SendSummary:
    """Send the pending outbox rows of these kinds (this run's, plus any an earlier run left pending)."""
    return await steps.activity(
        "send_outbox", SendOutboxInput(kinds=list(kinds)), result_type=SendSummary,
        start_to_close_timeout=timedelta(hours=1), heartbeat_timeout=SEND_HEARTBEAT, retry_policy=SMTP_RETRY,
    )
