"""Writing e-mail facts: who can receive mail, and the headers every row stores.

Every job picks its recipients with ``deliverable`` (or ``is_deliverable`` on values it already read),
so that no job mails a deactivated user or an empty address. Each row stores its headers (``From``,
``Reply-To``, ``Message-ID``) as decided when the fact was recorded: a retry, or a send after the
settings changed, sends exactly the same message, and a duplicate from the outbox's one window (see
``services``) carries the same Message-ID, so mail clients show it once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.db.models import QuerySet

from .models import OutboxEmail

log = logging.getLogger(__name__)


def deliverable(users: QuerySet) -> QuerySet:
    """The users of ``users`` that may be e-mailed: active, with an address."""
    return users.filter(is_active=True).exclude(email="").exclude(email__isnull=True)


def is_deliverable(is_active: bool, email: str | None) -> bool:
    """``deliverable`` for a user already read as values."""
    return bool(is_active and email and email.strip())


def stored_headers(headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """The headers a row stores: the given ones, ``From`` defaulting to DEFAULT_FROM_EMAIL, a fresh Message-ID."""
    complete = {"From": settings.DEFAULT_FROM_EMAIL, **(headers or {})}
    if "Message-ID" not in complete:
        domain = parseaddr(complete["From"])[1].rpartition("@")[2] or None
        complete["Message-ID"] = make_msgid(domain=domain)
    return complete


def bulk_enqueue(emails: Iterable[OutboxEmail]) -> int:
    """The batch form of ``services.enqueue``: insert rows whose key is new, ignore the others.

    Call it inside the transaction that records the facts being reported. Rows without an address are
    dropped (nothing could deliver them). Returns how many rows were offered.
    """
    rows = []
    for row in emails:
        if not row.to or not row.to.strip():
            log.warning("outbox: %s has no recipient address, not queued", row.key)
            continue
        row.subject = row.subject[:255]
        row.headers = stored_headers(row.headers)
        rows.append(row)
    OutboxEmail.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
