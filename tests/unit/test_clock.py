"""``pytest --clock``: the process clock moves (and ticks), real-clock tests are skipped, a wall time is refused."""

from __future__ import annotations

import pytest

from tests.support.paths import ROOT

pytest_plugins = ["pytester"]

SUITE = """
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def temporal_server():
    raise AssertionError("set up under --clock")


def test_the_clock_is_moved_and_ticks():
    start = datetime(2028, 2, 29, 11, 0, tzinfo=UTC)  # 12:00 in Warsaw
    first = datetime.now(UTC)
    assert start <= first < start + timedelta(minutes=5)
    assert abs(time.time() - first.timestamp()) < 5 and abs(timezone.now() - first) < timedelta(seconds=5)
    time.sleep(0.05)
    assert datetime.now(UTC) > first


def test_now_stands_still(now):
    assert now.year == 2028 and datetime.now(UTC) == now
    time.sleep(0.05)
    assert datetime.now(UTC) == now


@pytest.mark.real_clock
def test_marked():
    pass


def test_by_fixture(temporal_server):
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_suite=SUITE)
    return pytester


def run(suite: pytest.Pytester, *args: str) -> pytest.RunResult:
    return suite.runpytest_subprocess("-p", "no:django", "-p", "no:cacheprovider", "-p", "tests.support.clock",
                                      "-rs", *args)


def test_clock_moves_the_process_clock_and_skips_real_clock_tests(suite: pytest.Pytester) -> None:
    result = run(suite, "--clock=2028-02-29T12:00:00+01:00")
    result.assert_outcomes(passed=2, skipped=2)
    result.stdout.fnmatch_lines(["--clock 2028-02-29T12:00:00+01:00: 2 of 4 tests ran (50%), 2 skipped",
                                 "*real_clock: talks to a Temporal server or a child process*"])


def test_without_clock_the_real_clock_runs_everything(suite: pytest.Pytester) -> None:
    result = run(suite, "-k", "not moved and not stands_still and not by_fixture")
    result.assert_outcomes(passed=1)


def test_a_wall_time_without_offset_is_refused(suite: pytest.Pytester) -> None:
    result = run(suite, "--clock=2027-10-31T02:30:00")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*has no UTC offset*"])
