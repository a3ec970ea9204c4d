"""What every e-mail about a case carries: the case's address, its link and its reference.

Lawyers reply into the case and click through to it, so each case e-mail is sent with ``Reply-To``
set to the case's own address (``CASE_EMAIL_TEMPLATE``, e.g. ``sprawa-%(id)s@porady.example.org``;
empty: DEFAULT_FROM_EMAIL), ``From`` set to it as well when ``CASE_EMAIL_FROM`` is on, the link
``PORADNIA_BASE_URL`` + ``CASE_URL_PATH`` in its body, and a subject starting with the case reference.
"""

from __future__ import annotations

from email.utils import formataddr

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _fill(template: str, setting: str, case_id: int) -> str:
    try:
        return template % {"id": case_id}
    except (KeyError, TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"{setting}={template!r}: use %(id)s for the case number ({exc})") from None


def check_case_mail_settings() -> None:
    """Raise ImproperlyConfigured, naming the setting, when a template does not take ``%(id)s``."""
    for setting in ("CASE_EMAIL_TEMPLATE", "CASE_URL_PATH"):
        _fill(getattr(settings, setting), setting, 1)


def case_email_address(case_id: int) -> str:
    template = settings.CASE_EMAIL_TEMPLATE
    return _fill(template, "CASE_EMAIL_TEMPLATE", case_id) if template else settings.DEFAULT_FROM_EMAIL


def case_headers(case_id: int) -> dict[str, str]:
    """The headers an e-mail about the case is stored with (see ``poradnia.outbox.queueing``)."""
    address = case_email_address(case_id)
    if settings.CASE_EMAIL_TEMPLATE:  # the case's own mailbox: name it, so the inbox shows which case replies go to
        address = formataddr((f"Poradnia, sprawa #{case_id}", address))
    return {"From": address if settings.CASE_EMAIL_FROM else settings.DEFAULT_FROM_EMAIL, "Reply-To": address}


def case_url(case_id: int) -> str:
    return settings.PORADNIA_BASE_URL.rstrip("/") + _fill(settings.CASE_URL_PATH, "CASE_URL_PATH", case_id)


def case_reference(case_id: int) -> str:
    """Starts every case e-mail's subject, so a mailbox sorts and threads the mail by case."""
    return f"[Poradnia #{case_id}]"


def case_subject(case_id: int, subject: str) -> str:
    return f"{case_reference(case_id)} {subject}".strip()


def case_context(case_id: int) -> dict[str, object]:
    """Template variables every case e-mail gets (``replies_to_case``: a reply reaches the case file)."""
    return {"case_url": case_url(case_id), "case_email": case_email_address(case_id),
            "case_reference": case_reference(case_id), "replies_to_case": bool(settings.CASE_EMAIL_TEMPLATE)}
