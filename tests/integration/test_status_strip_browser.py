"""The admin front page's status strip in a real headless Chromium, narrow and wide, with a long status line.

A row label must stay on one line ("Workery", not a letter per line) and the strip must stay inside the
window however long the watch's line is; screenshots are saved under test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from poradnia.monitoring.alerts import raise_alert
from poradnia.monitoring.models import JobRun, WatchCheck
from poradnia.monitoring.watch import CheckResult

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
# What the watch records when many workers poll: one long line, with identifiers that do not break by themselves.
MANY_WORKERS = CheckResult("pollers", {
    "task_queue": "poradnia", "workers": 12,
    "workflow": [f"{n}@worker-host-{n}.internal.example.org" for n in range(12)],
    "activity": ["-".join(["a-very-long-identifier-without-spaces"] * 6)]})
WIDTHS = (360, 768, 1280, 1920)


LABELS_JS = """
const strip = document.getElementById('status-strip');
return {
  right: Math.max(...Array.from(strip.querySelectorAll('td, td *')).map(e => e.getBoundingClientRect().right)),
  viewport: document.documentElement.clientWidth,
  overflowing: Array.from(strip.querySelectorAll('td')).filter(td => td.scrollWidth > td.clientWidth + 1).length,
  labels: Array.from(strip.querySelectorAll('th')).map(th => {
    const range = document.createRange(); range.selectNodeContents(th);
    const lines = Array.from(range.getClientRects()).map(r => Math.round(r.top));
    return {text: th.innerText, lines: new Set(lines).size, width: th.getBoundingClientRect().width};
  }),
};
"""


@pytest.mark.django_db(transaction=True)
def test_the_strip_reads_well_at_any_width(browser, live_server, django_user_model) -> None:
    now = timezone.now()
    WatchCheck.objects.create(name="pollers", ok=True, checked_at=now, line=MANY_WORKERS.line(),
                              details=MANY_WORKERS.details())
    JobRun.objects.create(job="court-session-parser", workflow_id="court-session-parser-1", run_id="r1",
                          status=JobRun.Status.PARTIAL, started=now)
    raise_alert("watch:x", "x" * 200, "m", now=now)
    django_user_model.objects.create_superuser("operator", "operator@example.org", "operator-pass-1")
    ARTIFACTS.mkdir(exist_ok=True)

    browser.get(f"{live_server.url}/admin/login/?next=/admin/")
    browser.find_element("name", "username").send_keys("operator")
    browser.find_element("name", "password").send_keys("operator-pass-1")
    browser.find_element("css selector", "input[type=submit]").click()
    for width in WIDTHS:
        browser.set_window_size(width, 1200)
        browser.get(f"{live_server.url}/admin/")
        shown = browser.execute_script(LABELS_JS)
        browser.save_screenshot(str(ARTIFACTS / f"status-strip-{width}.png"))
        assert [label["text"] for label in shown["labels"]] == ["Workery", "Ostatnie przebiegi", "Otwarte alerty"]
        for label in shown["labels"]:
            # One line per label ("Ostatnie przebiegi" may wrap at its space on a phone, never per letter).
            assert label["lines"] <= label["text"].count(" ") + 1, (width, label)
            assert label["width"] > 40, (width, label)
        # Nothing runs past its cell or off the window, however long the line.
        assert shown["overflowing"] == 0 and shown["right"] <= shown["viewport"] + 1, (width, shown)
    assert "12 workerów obsługuje kolejkę poradnia" in browser.find_element("id", "status-workers").text
