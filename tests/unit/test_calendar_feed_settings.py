"""CALENDAR_FEED_BASE_URL: a value that cannot start a working address stops the process at start."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from poradnia.apps import check_configuration
from poradnia.calendarfeed.config import check_feed_settings


@pytest.mark.parametrize("value", ["jobs.poradnia.example.org", "ftp://jobs.example.org", "https://", "https://x.org/?a=1"])
def test_a_malformed_feed_base_url_is_refused_naming_the_setting(settings, value: str) -> None:
    settings.CALENDAR_FEED_BASE_URL = value
    with pytest.raises(ImproperlyConfigured, match="CALENDAR_FEED_BASE_URL"):
        check_configuration()


@pytest.mark.parametrize("value", ["https://jobs.poradnia.example.org", "http://localhost:8000", "https://x.org/poradnia/"])
def test_a_scheme_and_host_is_accepted(settings, value: str) -> None:
    settings.CALENDAR_FEED_BASE_URL = value
    check_feed_settings()
