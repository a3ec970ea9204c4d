"""Real worker processes for tests: started like an operator would, killed like a crash would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class WorkerProcess:
    """``python worker.py`` in a child process, its output in a log file the test can read."""

    def __init__(self, env: dict[str, str], log_file: Path, args: tuple[str, ...] = ()) -> None:
        self.env = {**os.environ, **env}
        self.log_file = log_file
        self.args = args
        self.process: subprocess.Popen | None = None

    def start(self, wait_ready: bool = True, timeout: float = 60) -> WorkerProcess:
        self._log = open(self.log_file, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "worker.py"), *self.args],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        if wait_ready:
            self.wait_for_log("worker connected", timeout)
        return self

    def output(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def wait_for_log(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"worker exited ({self.process.returncode}) before {text!r}:\n{self.output()}")
            time.sleep(0.1)
        raise TimeoutError(f"worker did not log {text!r} in {timeout}s:\n{self.output()}")

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def kill(self) -> None:
        """SIGKILL: no cleanup, no drain - a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def wait(self, timeout: float = 60) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "_log", None):
            self._log.close()
