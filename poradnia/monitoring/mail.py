"""The "mail is not going out" alert, around the outbox's sending step.

The alert's record is its ``Alert`` row (the admin's *Alerts*), written whether or not mail goes out;
its e-mail to ADMINS waits in the outbox like every other and arrives once the relay takes mail again.
It resolves itself on the first message the relay accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils import timezone

from poradnia.contracts import SendSummary
from poradnia.outbox.services import RelayUnavailable, send_pending

from .alerts import AlertKind, raise_alert, resolve_alert

MAIL_DOWN_KEY = "outbox:mail-not-going-out"


def send_and_watch(*, kinds: Iterable[str] | None = None, on_progress: Callable[[SendSummary], None] | None = None,
                summary: SendSummary | None = None) -> SendSummary:
    """``send_pending`` that raises the alert when the mail server refuses us and resolves it when it is back."""
    sent_before = summary.sent if summary is not None else 0
    try:
        result = send_pending(kinds=kinds, on_progress=on_progress, summary=summary)
    except RelayUnavailable as exc:
        raise_alert(MAIL_DOWN_KEY, "E-mail is not going out",
                    f"The mail server refuses every e-mail ({exc}). Nothing is lost: every e-mail stays pending "
                    "and goes out, once, when the server takes mail again. Check the relay's settings "
                    "(EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_USE_TLS) and its logs.", now=timezone.now(),
                    kind=AlertKind.MAIL_DOWN, facts={"error": str(exc)})
        raise
    if result.sent > sent_before:
        resolve_alert(MAIL_DOWN_KEY, now=timezone.now())
    return result
