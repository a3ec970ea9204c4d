"""The sending step of the e-mail outbox, shared by every job that notifies somebody."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError, CancelledError

from poradnia.contracts import SendOutboxInput, SendSummary
from poradnia.metrics import count
from poradnia.monitoring.mail import send_and_watch
from poradnia.outbox.services import TemporaryEmailError, redact, waiting

__all__ = ["SendOutboxInput", "send_outbox"]


@activity.defn(name="send_outbox")
def send_outbox(input: SendOutboxInput) -> SendSummary:
    """Send pending outbox rows. Safe to retry at any point: sent rows are never sent again.

    Errors leave as ApplicationErrors without a cause and with address-free messages: Temporal keeps
    failures (and the worker logs them) with their whole cause chain.
    """

    def progress(summary: SendSummary) -> None:
        activity.heartbeat(asdict(summary))

    details = activity.info().heartbeat_details
    earlier = SendSummary(**details[0]) if details else None  # dataclasses come back as dicts
    try:
        summary = send_and_watch(kinds=input.kinds, on_progress=progress, summary=earlier)
    except TemporaryEmailError as exc:
        # Retryable: the activity's retry policy backs off until the mail server is back.
        raise ApplicationError(str(exc), type=type(exc).__name__) from None
    except CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - a database error may quote a row: never let its text out raw
        raise ApplicationError(redact(f"{type(exc).__name__}: {exc}"), type=type(exc).__name__) from None
    # Rows deferred (a 4xx for their recipient) or held by a sender that may have died: come back for them.
    rest = waiting(kinds=input.kinds)
    if rest is not None:
        activity.heartbeat(asdict(summary))
        raise ApplicationError(f"{rest.count} e-mail(s) wait for a later attempt (in {rest.seconds:.0f} s)",
                               type="EmailsDeferred", next_retry_delay=timedelta(seconds=max(1.0, rest.seconds)))
    # A failed attempt counted nothing: the summary's totals are all uncounted.
    count("poradnia_emails_sent", summary.sent)
    count("poradnia_emails_failed", summary.failed)
    return summary
