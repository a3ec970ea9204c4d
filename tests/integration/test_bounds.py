"""Every setting and argument has a range: outside it, one clear line and a non-zero exit (no traceback, no spin)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.watching import manage

pytestmark = pytest.mark.real_clock  # manage.py and worker.py child processes

ONE_LINE = {"DJANGO_SETTINGS_MODULE": "poradnia.settings.dev"}


def refused(done, *expected: str) -> str:  # noqa: ANN001 - a CompletedProcess
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(("var", "value", "expected"), [
    ("WATCH_INTERVAL_S", "0", "WATCH_INTERVAL_S=0.0 is out of range: use a number from 1 to 86400"),
    ("WATCH_INTERVAL_S", "-5", "WATCH_INTERVAL_S=-5.0 is out of range"),
    ("EWOKANDA_TOTAL_TIMEOUT", "inf", "EWOKANDA_TOTAL_TIMEOUT=inf is out of range: use a number from 0.1 to 3600"),
    ("EWOKANDA_TOTAL_TIMEOUT", "nan", "EWOKANDA_TOTAL_TIMEOUT=nan is out of range"),
    ("EWOKANDA_TOTAL_TIMEOUT", "-1", "EWOKANDA_TOTAL_TIMEOUT=-1.0 is out of range"),
    ("COURT_SYNC_MAX_ATTEMPTS", "0", "COURT_SYNC_MAX_ATTEMPTS=0 is out of range"),
])
def test_a_setting_out_of_range_stops_every_entry_point_with_one_line(var: str, value: str, expected: str) -> None:
    for entry in (["check"],):
        line = refused(manage(*entry, env={**ONE_LINE, var: value}), expected)
        assert line.startswith("ImproperlyConfigured: ")


def test_the_worker_refuses_a_setting_out_of_range_with_one_line() -> None:
    import subprocess
    import sys

    from tests.support.watching import ROOT

    done = subprocess.run([sys.executable, str(ROOT / "worker.py")], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**__import__("os").environ, **ONE_LINE, "WATCH_INTERVAL_S": "0"})
    refused(done, "WATCH_INTERVAL_S=0.0 is out of range")


@pytest.mark.parametrize(("args", "expected"), [
    (["watch", "--interval", "0"], "--interval 0 is out of range: use a number from 1 to 86400"),
    (["watch", "--interval", "-5"], "--interval -5 is out of range"),
    (["schedules", "pause", "court-session-parser", "--note", "x" * 100_000], "--note has 100000 characters"),
    (["schedules", "backfill", "court-session-parser", "--start", "0001-01-01T00:30", "--end", "0001-01-02T00:00"],
     "is outside the backfill window"),
    (["schedules", "backfill", "court-session-parser", "--start", "0001-01-01T00:30+01:00", "--end",
      "0001-01-02T00:00+01:00"], "is outside the backfill window"),
    (["outbox", "retry", "--since", "0001-01-01T00:30+01:00"], "--since '0001-01-01T00:30+01:00' is outside"),
    (["outbox", "retry", "--since", "0001-01-01T00:30"], "--since '0001-01-01T00:30' is outside"),
    (["send_event_reminders", "--inline", "--workflow-id", "w" * 2000], "--workflow-id has 2000 characters"),
    (["view_court_sessions", "--parser", "WSA_Opole", "--file", "/dev/zero"], "/dev/zero: not a regular file"),
])
def test_an_argument_out_of_range_is_one_line_and_exit_1(args: list[str], expected: str, tmp_path: Path) -> None:
    env = {**ONE_LINE, "DATABASE_URL": f"sqlite:///{tmp_path / 'bounds.sqlite3'}",
           "TEMPORAL_ADDRESS": "127.0.0.1:9"}  # nothing listens: a check that needs Temporal would say so instead
    manage("migrate", "-v", "0", env=env)
    refused(manage(*args, env=env, timeout=60), expected)


def test_a_saved_page_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "big.html"
    page.write_bytes(b" " * 2048)
    env = {**ONE_LINE, "DATABASE_URL": f"sqlite:///{tmp_path / 'bounds.sqlite3'}", "EWOKANDA_MAX_BYTES": "1024"}
    manage("migrate", "-v", "0", env=env)
    refused(manage("view_court_sessions", "--parser", "WSA_Opole", "--file", str(page), env=env),
            "is larger than EWOKANDA_MAX_BYTES (1024 bytes)")
