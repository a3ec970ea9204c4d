"""Headless Chromium (Debian's chromium + chromium-driver) for the admin's browser tests.

Without the browser a test skips on a laptop and fails under CI=true (a silently skipped browser test proves nothing).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
         "--window-size=1280,1600")


def require_chromium(chromium: Path = CHROMIUM, chromedriver: Path = CHROMEDRIVER) -> None:
    """Skip without the browser on a laptop; fail under CI=true, where the browser test must run."""
    missing = [str(path) for path in (chromium, chromedriver) if not path.exists()]
    if missing:
        reason = f"{' and '.join(missing)} missing: run `make browser` (apt-get install -y chromium chromium-driver)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@contextmanager
def chromium(profile_dir: Path, language: str = "pl") -> Iterator:
    """The browser of a Polish member of staff by default: it asks for ``language`` pages (Accept-Language)."""
    require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile_dir / 'chromium-profile'}", f"--lang={language}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(profile_dir / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
