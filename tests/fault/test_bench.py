"""Every benchmark runs from a clean checkout and prints one JSON object with its keys on its last line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import SHARED

pytestmark = pytest.mark.bench
ROOT = Path(__file__).resolve().parents[2]


def bench(*args: str, timeout: float = 300) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    return json.loads(last)


def needs_pages() -> None:
    if not (SHARED / "pages").is_dir():
        pytest.skip("../shared/ewokanda is not available")


def test_parse_benchmark() -> None:
    needs_pages()
    figures = bench("parse", "--repeat", "1")
    assert {"pages", "bytes", "rows", "full_parse_s", "rows_per_s", "full_vs_lxml"} <= set(figures)
    assert (figures["pages"], figures["rows"]) == (9, 4186)
    assert figures["full_parse_s"] > 0 and figures["rows_per_s"] > 0


def test_reminders_benchmark() -> None:
    figures = bench("reminders", "--events", "2000", "--staff", "50")
    assert {"events", "staff", "seconds", "sql_queries", "peak_rss_mb"} <= set(figures)
    assert (figures["events"], figures["staff"]) == (2000, 50) and figures["sql_queries"] > 0


def test_calendar_feed_benchmark() -> None:
    figures = bench("calendar-feed", "--events", "1000")
    assert {"events", "first_poll_s", "poll_s", "poll_sql_queries", "not_modified_s", "not_modified_sql_queries",
            "body_bytes"} <= set(figures)
    assert figures["events"] == 1000 and figures["body_bytes"] > 0
    # A feed's queries do not grow with its events (a tenth of the events: the same count).
    assert figures["poll_sql_queries"] == figures["poll_sql_queries_small"] == figures["not_modified_sql_queries"]


@pytest.mark.slow
def test_court_run_benchmark() -> None:
    needs_pages()
    figures = bench("court-run", "--latency-ms", "0", "--tracked", "30")
    assert {"wall_s", "pages_fetched", "sessions_created", "worker_peak_rss_mb", "inline_wall_s", "ratio"} <= set(
        figures)
    assert figures["pages_fetched"] == 9
    assert figures["sessions_created"] == figures["expected_sessions"] == figures["inline_sessions_created"] > 0


@pytest.mark.slow
def test_crash_resume_benchmark() -> None:
    needs_pages()
    figures = bench("crash-resume", "--kill-at", "0.5", "--tracked", "40", timeout=600)
    assert {"extra_fetches", "duplicate_events", "duplicate_sessions", "duplicate_emails", "kill_to_finish_s",
            "kill_to_resume_s"} <= set(figures)
    assert figures["duplicate_events"] == figures["duplicate_sessions"] == figures["duplicate_emails"] == 0
    assert figures["status"] == "completed_success" and figures["sessions"] == figures["expected_sessions"]
    assert 0 < figures["extra_fetches"] <= 2  # the courts in flight (concurrency 2), at most once more each


def test_parse_hostile_benchmark() -> None:
    needs_pages()
    figures = bench("parse-hostile", "--sizes", "1", "--repeat", "1")
    assert {"s_per_mb", "outcomes", "real_s_per_mb", "worst_hostile", "worst_vs_real"} <= set(figures)
    assert figures["outcomes"]["real"] == figures["outcomes"]["irregular_rows_under_budget"] == "parsed"
    assert figures["outcomes"]["irregular_rows"] == figures["outcomes"]["leaking_rows"] == "PageTooComplex"
    assert set(figures["s_per_mb"]) >= {"real", "unclosed_table_tags", "unclosed_tr_tags", "deep_nesting",
                                        "wide_plain_row"}
