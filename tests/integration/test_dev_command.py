"""``make dev`` (``python -m devtools.dev``): everything comes up, the demo works offline, Ctrl-C stops it all."""

from __future__ import annotations

import json
import os
import signal
import socket
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
        # One staff member per demo case: one notice per hearing created, one per result the past rows show.
        assert result["sessions_created"] > 0 and result["outcomes_recorded"] > 0
        assert result["emails_sent"] == result["sessions_created"] + result["outcomes_recorded"]
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


# --- ports: each one taken, and all of them moved ------------------------------------------------------------

def _dev(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "devtools.dev", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _ports() -> dict[str, int]:
    temporal = free_port(pair_offset=1000)
    return {"--temporal-port": temporal, "--ui-port": temporal + 1000, "--admin-port": free_port(),
            "--standin-port": free_port()}


@pytest.mark.parametrize(("flag", "make_var"), [("--temporal-port", "TEMPORAL_PORT"), ("--ui-port", "UI_PORT"),
                                                ("--admin-port", "ADMIN_PORT"), ("--standin-port", "STANDIN_PORT")])
def test_dev_with_a_port_taken_exits_1_with_one_line_naming_it(tmp_path: Path, flag: str, make_var: str) -> None:
    ports = _ports()
    env = {**os.environ, "PORADNIA_DATA_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports[flag]))
        squatter.listen()
        done = _dev(["--demo", *(str(x) for pair in ports.items() for x in pair)], env)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"port {ports[flag]}" in lines[0] and f"make demo {make_var}=" in lines[0] and flag in lines[0]
    assert not (tmp_path / "var" / "temporal.sqlite").exists()  # nothing was started


def test_make_dev_passes_the_port_variables_and_fails_when_a_port_is_taken(tmp_path: Path) -> None:
    ports = _ports()
    env = {**os.environ, "PORADNIA_DATA_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports["--admin-port"]))
        squatter.listen()
        done = subprocess.run(["make", "--no-print-directory", "dev", f"TEMPORAL_PORT={ports['--temporal-port']}",
                               f"UI_PORT={ports['--ui-port']}", f"ADMIN_PORT={ports['--admin-port']}"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert f"port {ports['--admin-port']} (the Django admin) is taken: run make dev ADMIN_PORT=" in done.stderr


def test_dev_on_moved_ports_serves_there_and_links_the_web_ui_there(tmp_path: Path) -> None:
    ports = _ports()
    env = {**os.environ, "PORADNIA_DATA_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    env.pop("TEMPORAL_UI_URL", None)
    log = tmp_path / "dev.log"
    out = open(log, "wb")  # noqa: SIM115
    dev = subprocess.Popen([sys.executable, "-m", "devtools.dev", *(str(x) for pair in ports.items() for x in pair)],
                           cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        printed = wait_for_output(dev, log, "Ctrl-C stops everything")
        ui = f"http://127.0.0.1:{ports['--ui-port']}"
        assert ui in printed and f"127.0.0.1:{ports['--temporal-port']}" in printed
        assert urllib.request.urlopen(f"{ui}/", timeout=10).status == 200
        admin = f"http://127.0.0.1:{ports['--admin-port']}"
        assert urllib.request.urlopen(f"{admin}/admin/login/", timeout=10).status == 200
        # The admin process links runs to the moved Web UI (its TEMPORAL_UI_URL came from make dev).
        jobs_page = _logged_in_get(admin, "/admin/jobs/")
        assert f'href="{ui}/namespaces/default/schedules"' in jobs_page
    finally:
        dev.send_signal(signal.SIGINT)
        code = dev.wait(90)
    assert code == 0, log.read_text()


def test_dev_exits_1_when_a_child_dies(tmp_path: Path) -> None:
    """A child that stops by itself stops the rest and makes make dev fail (not exit 0)."""
    ports = _ports()
    env = {**os.environ, "PORADNIA_DATA_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    log = tmp_path / "dev.log"
    out = open(log, "wb")  # noqa: SIM115
    dev = subprocess.Popen([sys.executable, "-m", "devtools.dev", *(str(x) for pair in ports.items() for x in pair)],
                           cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_output(dev, log, "Ctrl-C stops everything")
        admin_pid = _child_pid(dev.pid, "runserver")
        os.kill(admin_pid, signal.SIGKILL)
        code = dev.wait(90)
    finally:
        if dev.poll() is None:
            dev.send_signal(signal.SIGINT)
            dev.wait(90)
    text = log.read_text()
    assert code == 1, text
    assert text.strip().splitlines()[-1].startswith("dev: admin exited with code"), text
    assert "dev: stopped" in text


def _child_pid(parent: int, needle: str) -> int:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(stat[1]) == parent and needle in cmdline:
            return int(entry.name)
    raise AssertionError(f"no child of {parent} running {needle!r}")


def _logged_in_get(base: str, path: str) -> str:
    """GET an admin page as the dev superuser (admin / admin), with the login form's CSRF token."""
    import http.cookiejar
    import re
    import urllib.parse

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = opener.open(f"{base}/admin/login/?next={path}", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "admin", "password": "admin",
                                   "next": path}).encode()
    request = urllib.request.Request(f"{base}/admin/login/?next={path}", data=data,
                                     headers={"Referer": f"{base}/admin/login/"})
    return opener.open(request, timeout=60).read().decode()
