"""view_court_sessions and run_court_session_parser --inline (the workflow's flow, in-process) from the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from devtools.standin import StandIn
from devtools.synthetic import SyntheticRow, generate_page
from poradnia.judgements.models import Court, CourtSession
from poradnia.monitoring.models import Alert, CourtPageStat, JobRun
from poradnia.outbox.models import OutboxEmail
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


def test_inline_runs_the_workflows_flow_recorded_like_a_workflow_run(settings, mailoutbox: list) -> None:
    """Three courts, one of whose pages has no table: the workflow's flow in-process, each court's activity once.

    What a workflow run leaves behind: sessions and their e-mails for the good courts, the failed court named in
    the result by its error type, page stats for every court (the failed one's too), a JobRun ended
    ``completed_partial`` with the result as its summary, and the job's alert, sent with the hearings.
    """
    settings.ADMINS = [("Ops", "ops@example.org")]
    first, second = make_case("Rozbiórka", staff=2), make_case("Podatek", staff=1)
    track(first.case, "WSA_Opole", "II SA/Op 1/26")
    track(second.case, "WSA_Kielce", "I SA/Ke 5/26")
    track(second.case, "WSA_Lodz", "II SA/Łd 1/26")
    pages = {
        "WSA_Opole": generate_page([SyntheticRow("II SA/Op 1/26", "2026-12-01", "10:00"),
                                    SyntheticRow("II SA/Op 1/26", "2026-12-01", "12:30"),
                                    SyntheticRow("II SA/Op 9/26", "2026-12-02", "09:00")]),
        "WSA_Kielce": generate_page([SyntheticRow("I SA/Ke 5/26", "2026-12-03", "11:15")]),
        "WSA_Lodz": generate_page([SyntheticRow("II SA/Łd 1/26", "2026-12-01", "10:00")], table=False),
    }
    ids = list(Court.objects.filter(parser_key__in=pages).values_list("pk", flat=True))
    out = io.StringIO()
    with StandIn(pages) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        with pytest.raises(CommandError, match="completed_partial"):
            call_command("run_court_session_parser", "--inline", *(f"--court={i}" for i in ids),
                         "--workflow-id", "court-session-parser-manual-test", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["status"], result["sessions_created"], result["courts_total"]) == ("completed_partial", 3, 3)
    assert [(e["court"], e["type"]) for e in result["errors"]] == [("WSA_Lodz", "ParseError")]
    assert sorted(c["parser_key"] for c in result["courts"]) == ["WSA_Kielce", "WSA_Opole"]

    run = JobRun.objects.get()
    assert (run.job, run.workflow_id, run.status) == ("court-session-parser", "court-session-parser-manual-test",
                                                      "completed_partial")
    assert run.run_id.startswith("inline-") and run.finished is not None
    assert {k: run.summary[k] for k in ("status", "sessions_created", "errors")} == {
        k: result[k] for k in ("status", "sessions_created", "errors")}
    assert sorted(CourtPageStat.objects.values_list("court__parser_key", "ok", "run_id")) == [
        ("WSA_Kielce", True, run.run_id), ("WSA_Lodz", False, run.run_id), ("WSA_Opole", True, run.run_id)]
    assert Alert.objects.filter(dedupe_key="job:court-session-parser:failed", resolved_at=None).exists()
    assert CourtSession.objects.count() == 3
    kinds = sorted(OutboxEmail.objects.values_list("kind", "status"))
    assert kinds == [("alert", "sent")] + [("courtsession", "sent")] * 5  # 2 hearings x 2 lawyers, 1 x 1
    assert result["emails_sent"] == len(mailoutbox) - 1  # the alert is sent by the run's end, after the result

