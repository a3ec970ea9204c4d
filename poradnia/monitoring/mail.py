"""The "mail is not going out" alert, around the outbox's sending step.

The alert's record is its ``Alert`` row (the admin's *Alerts*), written whether or not mail goes out;
its e-mail to ADMINS waits in the outbox like every other and arrives once the relay takes mail again.
It resolves itself on the first message the relay accepts.

A sending step that sends alert e-mails first POSTs the due webhook rows (``deliver_pending``, a few at a
time), so an alert a workflow raised reaches the webhook from the raising run, not one watch round
later, and even when SMTP is down; the watch POSTs whatever is left each round.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.utils import timezone

from poradnia.contracts import EmailKind, SendSummary
from poradnia.outbox.services import RelayUnavailable, send_pending

from .alerts import AlertKind, raise_alert, resolve_alert
from .webhook import deliver_pending

MAIL_DOWN_KEY = "outbox:mail-not-going-out"
WEBHOOKS_PER_SEND = 3  # bounded: each POST may take ALERT_WEBHOOK_TIMEOUT_S (10 s) before the first heartbeat (60 s)
log = logging.getLogger(__name__)


def send_and_watch(*, kinds: Iterable[str] | None = None, on_progress: Callable[[SendSummary], None] | None = None,
                summary: SendSummary | None = None, webhooks: bool = True) -> SendSummary:
    """``send_pending`` that raises the alert when the mail server refuses us and resolves it when it is back.

    With alert e-mails among ``kinds`` (and ``webhooks``), the due webhook rows are POSTed first.
    """
    if webhooks and (kinds is None or EmailKind.ALERT in kinds):
        _deliver_webhooks()
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


def _deliver_webhooks() -> None:
    try:
        deliver_pending(timezone.now(), limit=WEBHOOKS_PER_SEND)
    except Exception:  # noqa: BLE001 - the webhook never stops the e-mails; the watch retries it next round
        log.exception("alert webhook delivery failed")
