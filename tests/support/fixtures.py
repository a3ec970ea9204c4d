"""Fixtures shared by several test modules, registered for the whole suite in tests/conftest.py.

A fixture that only sets up one module's scenario stays in that module; one used by two or more lives here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.devserver import TemporalDevServer
from devtools.smtp import SmtpReceiver
from devtools.standin import StandIn
from tests.support.browser import chromium
from tests.support.paths import SHARED
from tests.support.schedulesupport import app_namespace


@pytest.fixture
def real_standin(settings):
    if not (SHARED / "pages").is_dir():
        pytest.skip("../shared/ewokanda is not available")
    with StandIn(pages_dir=SHARED / "pages") as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        yield standin


@pytest.fixture
def fast_retries(settings):
    settings.COURT_SYNC_RETRY_INITIAL_S = 0.1
    settings.COURT_SYNC_RETRY_MAX_INTERVAL_S = 0.5


@pytest.fixture
def schedule_namespace(temporal_server: TemporalDevServer, settings, task_queue: str) -> Iterator[str]:
    with app_namespace(temporal_server, settings, task_queue) as namespace:
        yield namespace


@pytest.fixture
def smtp(settings) -> Iterator[SmtpReceiver]:
    """A real SMTP receiver: this process's settings point at it; worker subprocesses get ``smtp.env``."""
    receiver = SmtpReceiver().start()
    receiver.apply(settings)
    yield receiver
    receiver.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator:
    """Headless Chromium as a Polish member of staff's browser (tests/support/browser.py)."""
    with chromium(tmp_path) as driver:
        yield driver
