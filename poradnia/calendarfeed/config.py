"""The feed's setting, checked at start (poradnia.apps): a typo would otherwise hand out addresses that go nowhere."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def check_feed_settings() -> None:
    value = settings.CALENDAR_FEED_BASE_URL
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(f"CALENDAR_FEED_BASE_URL={value!r}: use the scheme and host calendar apps reach "
                                   "this app at, e.g. https://jobs.poradnia.example.org")
