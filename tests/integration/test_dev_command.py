"""``make dev`` (``python -m devtools.dev``): everything comes up, the demo works offline, Ctrl-C stops it all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from devtools.devserver import bundled_binary, free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.real_clock]  # a Temporal dev server and child processes


def wait_for_output(proc: subprocess.Popen, log: Path, text: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = log.read_text(errors="replace")
        if text in out:
            return out
        assert proc.poll() is None, f"dev exited early:\n{out}"
        time.sleep(0.2)
    raise TimeoutError(f"{text!r} not printed:\n{log.read_text(errors='replace')}")


def start_dev(tmp_path: Path, env: dict[str, str], temporal_port: int, admin_port: int, log: Path):
    out = open(log, "wb")  # noqa: SIM115
    return subprocess.Popen([sys.executable, "-m", "devtools.dev", "--demo", "--temporal-port", str(temporal_port),
                             "--admin-port", str(admin_port)], cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


def test_dev_demo_brings_everything_up_and_stops(tmp_path: Path) -> None:
    temporal_port, admin_port = free_port(pair_offset=1000), free_port()
    env = {**os.environ, "PORADNIA_DATA_DIR": str(tmp_path / "var"), "EWOKANDA_DEMO_PORT": str(free_port())}
    env.pop("DATABASE_URL", None)
    log = tmp_path / "dev.log"
    dev = start_dev(tmp_path, env, temporal_port, admin_port, log)
    try:
        out = wait_for_output(dev, log, "Ctrl-C stops everything")
        assert "created dev superuser admin" in out and "demo: eWokanda stand-in" in out
        wait_for_output(dev, log, "worker connected")
        assert urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/admin/login/", timeout=10).status == 200
        assert urllib.request.urlopen(f"http://127.0.0.1:{temporal_port + 1000}/", timeout=10).status == 200
        cli = [str(bundled_binary("temporal")), "--address", f"127.0.0.1:{temporal_port}"]
        deadline = time.monotonic() + 60
        while True:  # the worker syncs the schedules at start
            listed = subprocess.run([*cli, "schedule", "list", "--output", "json"], capture_output=True, text=True)
            ids = {s.get("scheduleId") for s in json.loads(listed.stdout or "[]")} if listed.returncode == 0 else set()
            if len(ids) >= 6 or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert {"court-session-parser", "event-reminders", "old-cases-reminder", "clear-sessions",
                "court-parser-monitor", "health-check"} <= ids
        run = subprocess.run([sys.executable, "manage.py", "run_court_session_parser"], cwd=ROOT, capture_output=True,
                             text=True, timeout=300, env={**env, "TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}"})
        assert run.returncode == 0, run.stderr[-2000:]
        result = json.loads(run.stdout)
        assert result["status"] == "completed_success" and result["courts_total"] == 17
        assert result["sessions_created"] > 0 and result["emails_sent"] == result["sessions_created"]
    finally:
        dev.send_signal(signal.SIGINT)  # Ctrl-C
        code = dev.wait(90)
    assert code == 0 and "dev: stopped" in log.read_text()
    # A second run reuses the state: the database and its superuser are still there.
    log2 = tmp_path / "dev2.log"
    dev = start_dev(tmp_path, env, temporal_port, admin_port, log2)
    try:
        out = wait_for_output(dev, log2, "Ctrl-C stops everything")
        assert "superuser exists" in out
    finally:
        dev.send_signal(signal.SIGINT)
        assert dev.wait(90) == 0
