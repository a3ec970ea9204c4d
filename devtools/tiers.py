"""``make test``'s tiers: the unit tier first (fail fast), then two lanes side by side.

Most of the fault tier's time is spent waiting (a database down for a minute, a worker killed and its
activity timing out), not computing, so it runs beside the rest instead of after it: one lane runs the
fault tier, the other the integration tier, the two ``--clock`` passes and the PostgreSQL pass. Each
pytest gets its own ``--basetemp``, and every server a test starts (Temporal, PostgreSQL, SMTP, the
stand-in) takes a free port, so the lanes do not meet. The first failing tier stops the other lane.

The main lane's output streams; the fault lane's is kept in ``var/tiers/fault.log`` and printed when it
ends. Each tier's wall time is printed at the end and kept in ``var/test-tiers.txt``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"
LOGS = VAR / "tiers"
TIMES = VAR / "test-tiers.txt"

# The instants of the --clock passes: Warsaw's spring-forward night and the last seconds of a year.
SPRING = "2027-03-28T01:59:30+01:00"
YEAR_END = "2027-12-31T23:59:30+01:00"

PYTEST = [sys.executable, "-m", "pytest"]


@dataclass(frozen=True)
class Tier:
    name: str
    argv: list[str]

    @property
    def slug(self) -> str:
        return self.name.replace(" ", "-").replace("+", "-")

    def command(self) -> list[str]:
        basetemp = f"--basetemp={LOGS / (self.slug + '-tmp')}"
        if self.argv[:3] == PYTEST:
            return [*self.argv, basetemp]
        return self.argv  # a wrapper (the PostgreSQL cluster) adds its own pytest, with basetemp inside argv


def clock_pass(name: str, instant: str) -> Tier:
    return Tier(name, [*PYTEST, "tests/unit", "tests/integration", "-q", "-m", "not real_clock", f"--clock={instant}"])


UNIT = Tier("unit", [*PYTEST, "tests/unit"])
FAULT = Tier("fault", [*PYTEST, "tests/fault", "--durations=10"])
MAIN_LANE = [
    Tier("integration", [*PYTEST, "tests/integration", "--durations=15"]),
    clock_pass("clock spring-forward", SPRING),
    clock_pass("clock year-end", YEAR_END),
    Tier("postgresql", [sys.executable, "-m", "devtools.pgcluster", "run", "--", *PYTEST,
                        "-m", "postgres and not own_database", "--durations=15",
                        f"--basetemp={LOGS / 'postgresql-tmp'}"]),
]


class Lanes:
    """Runs tiers, records their times, and stops everything once one fails."""

    def __init__(self) -> None:
        self.times: list[str] = []
        self.failed = threading.Event()
        self._procs: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()

    def run(self, tier: Tier, log: Path | None = None) -> bool:
        if self.failed.is_set():
            return False
        started = time.monotonic()
        out = log.open("wb") if log else None
        with self._lock:
            # Its own process group, so that stopping a tier stops the servers its tests started too.
            proc = subprocess.Popen(tier.command(), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT if out else None,
                                    start_new_session=True)
            self._procs.append(proc)
        rc = proc.wait()
        if out:
            out.close()
        seconds = round(time.monotonic() - started)
        stopped = self.failed.is_set() and rc != 0
        status = "" if rc == 0 else " STOPPED (another tier failed)" if stopped else " FAILED"
        with self._lock:
            self.times.append(f"{tier.name}: {seconds} s{status}")
        if rc != 0 and not stopped:
            self.failed.set()
            self.stop_all()
        return rc == 0

    def stop_all(self) -> None:
        with self._lock:
            for proc in self._procs:
                if proc.poll() is None:
                    try:
                        os.killpg(proc.pid, signal.SIGTERM)
                    except ProcessLookupError:
                        pass

    def lane(self, tiers: list[Tier]) -> None:
        for tier in tiers:
            if not self.run(tier):
                return


def main() -> int:
    LOGS.mkdir(parents=True, exist_ok=True)
    lanes = Lanes()
    total = time.monotonic()
    if lanes.run(UNIT):
        fault_log = LOGS / "fault.log"
        side = threading.Thread(target=lanes.run, args=(FAULT, fault_log), name="fault lane")
        side.start()
        try:
            lanes.lane(MAIN_LANE)
            side.join()
        except KeyboardInterrupt:
            lanes.failed.set()
            lanes.stop_all()
            side.join()
            raise
        print(f"\n===== fault tier (ran beside the others; {fault_log.relative_to(ROOT)}) =====", flush=True)
        sys.stdout.write(fault_log.read_text(errors="replace"))
    lanes.times.append(f"total: {round(time.monotonic() - total)} s")
    TIMES.write_text("\n".join(lanes.times) + "\n")
    print("\nmake test: tier wall times\n" + "\n".join(lanes.times), flush=True)
    return 1 if lanes.failed.is_set() else 0


if __name__ == "__main__":
    sys.exit(main())
