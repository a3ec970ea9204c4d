"""The Background jobs page in a real headless Chromium: log in, pause with a note, unpause.

The server's state is checked after each click, and screenshots are saved under test-artifacts/.
Chromium comes from Debian (``make browser``); without it the test skips, except under CI=true
where a missing browser is a failure (a silently skipped browser test would prove nothing).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from devtools.devserver import TemporalDevServer
from schedules.apply import apply_schedules
from tests.support.browser import CHROMEDRIVER, require_chromium
from tests.support.schedulesupport import connect_to, server_state

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def test_missing_chromium_fails_under_ci_and_skips_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    absent = tmp_path / "chromium"
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=f"{absent} missing: run `make browser`"):
        require_chromium(absent, CHROMEDRIVER)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=f"{absent} missing: run `make browser`"):
        require_chromium(absent, CHROMEDRIVER)


@pytest.mark.django_db(transaction=True)
def test_operator_pauses_and_unpauses_in_the_browser(
    browser, live_server, django_user_model, temporal_server: TemporalDevServer, schedule_namespace: str,
    task_queue: str,
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    async def sync() -> None:
        await apply_schedules(await connect_to(temporal_server, schedule_namespace), task_queue=task_queue)

    asyncio.run(sync())
    django_user_model.objects.create_superuser("operator", "operator@example.org", "operator-pass-1")
    wait = WebDriverWait(browser, 30)
    ARTIFACTS.mkdir(exist_ok=True)

    browser.get(f"{live_server.url}/admin/login/?next=/admin/jobs/")
    browser.find_element(By.NAME, "username").send_keys("operator")
    browser.find_element(By.NAME, "password").send_keys("operator-pass-1")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait.until(ec.presence_of_element_located((By.ID, "schedule-court-session-parser")))
    assert browser.title.startswith("Zadania w tle")  # a Polish browser gets the Polish admin
    module = browser.find_element(By.ID, "schedule-court-session-parser")
    assert "codziennie o 23:10 (Europe/Warsaw)" in module.text and "aktywny" in module.text

    browser.find_element(By.ID, "pause-court-session-parser").click()
    wait.until(ec.presence_of_element_located((By.ID, "confirm")))
    assert not server_state(temporal_server, schedule_namespace, "court-session-parser").paused
    browser.find_element(By.NAME, "note").send_keys("eWokanda down, back Monday")
    browser.find_element(By.ID, "confirm").click()
    wait.until(ec.presence_of_element_located((By.ID, "unpause-court-session-parser")))
    state = server_state(temporal_server, schedule_namespace, "court-session-parser")
    assert state.paused and state.note == "eWokanda down, back Monday"
    module = browser.find_element(By.ID, "schedule-court-session-parser")
    assert "wstrzymany" in module.text and "eWokanda down, back Monday" in module.text
    assert "Wstrzymano harmonogram court-session-parser" in browser.find_element(By.CSS_SELECTOR, "ul.messagelist").text
    browser.save_screenshot(str(ARTIFACTS / "background-jobs-paused.png"))

    browser.find_element(By.ID, "unpause-court-session-parser").click()
    wait.until(ec.presence_of_element_located((By.ID, "confirm")))
    browser.find_element(By.NAME, "note").send_keys("eWokanda back")
    browser.find_element(By.ID, "confirm").click()
    wait.until(ec.presence_of_element_located((By.ID, "pause-court-session-parser")))
    state = server_state(temporal_server, schedule_namespace, "court-session-parser")
    assert not state.paused and state.note == "eWokanda back"
    browser.save_screenshot(str(ARTIFACTS / "background-jobs-unpaused.png"))
    assert (ARTIFACTS / "background-jobs-paused.png").stat().st_size > 10_000
