"""view_court_sessions and run_court_session_parser --inline from the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from devtools.standin import StandIn
from devtools.synthetic import SyntheticRow, generate_page
from poradnia.judgements.models import CourtSession
from tests.support.courtdata import make_case, track

pytestmark = pytest.mark.django_db

PAGE = generate_page([
    SyntheticRow("II SA/Op 1/26", "2026-12-01", "10:00"),
    SyntheticRow("II SA/Op\u00a01/26", "2026-12-01", ""),
    SyntheticRow("II SA/Op 2/26", "2026-12-02", "09:30"),
])


def test_view_court_sessions_file_json(tmp_path: Path) -> None:
    page = tmp_path / "opole.html"
    page.write_bytes(PAGE)
    out = io.StringIO()
    call_command("view_court_sessions", "--parser", "WSA_Opole", "--file", str(page), "--json",
                 "--signature", "ii sa/op  1/26", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["signature"], r["datetime"]) for r in rows] == [
        ("II SA/Op 1/26", "2026-12-01T10:00:00+01:00"), ("II SA/Op 1/26", "2026-12-01T00:00:00+01:00")]
    assert all("Sygnatura: II SA/Op 1/26" in r["description"] for r in rows)


def test_view_court_sessions_live_page_and_errors(settings, tmp_path: Path) -> None:
    with StandIn({"WSA_Opole": PAGE, "WSA_Lodz": generate_page([], table=False)}) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        out = io.StringIO()
        call_command("view_court_sessions", "--parser", "WSA_Opole", stdout=out)
        assert "3 rows shown, 3 on page" in out.getvalue()
        with pytest.raises(CommandError, match="WSA_Lodz"):
            call_command("view_court_sessions", "--parser", "WSA_Lodz", stdout=io.StringIO())
    with pytest.raises(CommandError, match="unknown parser key"):
        call_command("view_court_sessions", "--parser", "WSA_Atlantis", stdout=io.StringIO())


def test_run_inline_dry_run_then_for_real(settings) -> None:
    tracked = make_case()
    track(tracked.case, "WSA_Opole", "II SA/Op 1/26")
    with StandIn({"WSA_Opole": PAGE}) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        out = io.StringIO()
        call_command("run_court_session_parser", "--parser", "WSA_Opole", "--inline", "--dry-run", stdout=out)
        dry = json.loads(out.getvalue())
        assert dry["sessions_created"] == 2 and CourtSession.objects.count() == 0
        out = io.StringIO()
        call_command("run_court_session_parser", "--parser", "WSA_Opole", "--inline", stdout=out)
        real = json.loads(out.getvalue())
    assert (real["status"], real["sessions_created"], real["emails_sent"]) == ("completed_success", 2, 2)
    assert [s.slot for s in CourtSession.objects.order_by("slot")] == [0, 1]
