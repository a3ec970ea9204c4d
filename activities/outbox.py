"""The sending step of the e-mail outbox, shared by every job that notifies somebody."""

from __future__ import annotations

from dataclasses import asdict

from temporalio import activity
from temporalio.exceptions import ApplicationError

from poradnia.contracts import SendOutboxInput, SendSummary
from poradnia.metrics import count
from poradnia.outbox.services import TemporaryEmailError, send_pending

__all__ = ["SendOutboxInput", "send_outbox"]


@activity.defn(name="send_outbox")
def send_outbox(input: SendOutboxInput) -> SendSummary:
    """Send pending outbox rows. Safe to retry at any point: sent rows are never sent again."""

    def progress(summary: SendSummary) -> None:
        activity.heartbeat(asdict(summary))

    details = activity.info().heartbeat_details
    earlier = SendSummary(**details[0]) if details else None  # dataclasses come back as dicts
    try:
        summary = send_pending(kinds=input.kinds, on_progress=progress, summary=earlier)
    except TemporaryEmailError as exc:
        # Retryable: the activity's retry policy backs off until the mail server is back.
        raise ApplicationError(str(exc), type="TemporaryEmailError") from exc
    # A failed attempt counted nothing: the summary's totals are all uncounted.
    count("poradnia_emails_sent", summary.sent)
    count("poradnia_emails_failed", summary.failed)
    return summary
