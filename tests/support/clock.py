"""The suite's clock: ``pytest --clock=<ISO 8601 instant with offset>`` and the ``real_clock`` marker.

``--clock`` moves this process's clock (``datetime``, ``time`` and Django's ``timezone.now``, through
time-machine) to the instant for the whole session, ticking from there, so that the suite can be run on a
DST-change night, a leap day or New Year's Eve. A Temporal server (dev or time-skipping) and child processes
(worker subprocesses, ``manage.py``, the codec server) keep the real clock, so a test that talks to one of
them is marked ``real_clock`` and skipped under ``--clock``: automatically when it uses one of
REAL_CLOCK_FIXTURES, explicitly (``@pytest.mark.real_clock``) otherwise.

A test that depends on "now" takes the ``now`` fixture: the clock stands still at the current instant (the
``--clock`` one, or the real one) for the test, and every date and hour of the test is built from it.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

# Fixtures that start or reach a process whose clock --clock cannot move.
REAL_CLOCK_FIXTURES = frozenset({
    "temporal_server", "temporal_client", "run_worker", "worker_process", "test_database_url",
    "schedule_namespace",
})
_TRAVELLER = pytest.StashKey[time_machine.travel]()


def instant(value: str) -> datetime:
    """An ISO 8601 instant; an offset is required, since a wall time alone is ambiguous around DST changes."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {value!r}") from exc
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} has no UTC offset (write e.g. 2027-03-28T01:59:30+01:00)")
    return moment


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--clock", type=instant, default=None, metavar="INSTANT",
                     help="run with this process's clock moved to INSTANT (ISO 8601 with offset), ticking; "
                          "tests marked real_clock are skipped")


def pytest_configure(config: pytest.Config) -> None:
    if not any(line.startswith("real_clock:") for line in config.getini("markers")):  # pyproject registers it
        config.addinivalue_line("markers", "real_clock: talks to a Temporal server or a child process")
    moment = config.getoption("clock")
    if moment is not None:
        # Started before collection: module-level constants built from "now" see the moved clock too.
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        config.stash[_TRAVELLER] = traveller


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    moment = config.getoption("clock")
    if moment is None:
        return None
    return f"clock: moved to {moment.isoformat()} ({moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC), ticking"


@pytest.hookimpl(tryfirst=True)  # before -m selects on the markers added here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    moment = config.getoption("clock")
    for item in items:
        if REAL_CLOCK_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.real_clock)
    if moment is None:
        return
    skip = pytest.mark.skip(reason="real_clock: talks to a Temporal server or a child process, whose clock "
                                   "--clock does not move")
    for item in items:
        if item.get_closest_marker("real_clock") is not None:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if config.getoption("clock") is None:
        return
    stats = terminalreporter.stats
    ran = sum(len(stats.get(key, [])) for key in ("passed", "failed", "error", "xfailed", "xpassed"))
    skipped = len(stats.get("skipped", []))
    total = ran + skipped
    if total:
        terminalreporter.write_line(f"--clock {config.getoption('clock').isoformat()}: {ran} of {total} tests ran "
                                    f"({100 * ran / total:.0f}%), {skipped} skipped")


@pytest.fixture
def now() -> Iterator[datetime]:
    """The current instant (the --clock one, or the real one), standing still for the test; UTC."""
    moment = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        yield moment
