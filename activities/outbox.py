"""The sending step of the e-mail outbox, shared by every job that notifies somebody."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.metrics import count
from poradnia.outbox.services import SendSummary, TemporaryEmailError, send_pending


@dataclass
class SendOutboxInput:
    kinds: list[str] | None = None  # None: every pending e-mail


@activity.defn(name="send_outbox")
def send_outbox(input: SendOutboxInput) -> SendSummary:
    """Send pending outbox rows. Safe to retry at any point: sent rows are never sent again."""

    def progress(summary: SendSummary) -> None:
        activity.heartbeat(asdict(summary))

    try:
        summary = send_pending(kinds=input.kinds, on_progress=progress)
    except TemporaryEmailError as exc:
        # Retryable: the activity's retry policy backs off until the mail server is back.
        raise ApplicationError(str(exc), type="TemporaryEmailError") from exc
    count("poradnia_emails_sent", summary.sent)
    count("poradnia_emails_failed", summary.failed)
    return summary
