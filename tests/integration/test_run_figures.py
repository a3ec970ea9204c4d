"""A run's result on the admin's run page: labelled figures in the reader's language, the raw record kept."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from bs4 import BeautifulSoup
from django.test import Client as DjangoClient
from django.utils import timezone

from poradnia.contracts import (
    CourtError,
    CourtParserMonitorResult,
    CourtSessionSyncResult,
    EventRemindersResult,
    RetentionResult,
    RunStatus,
)
from poradnia.monitoring.models import JobRun
from poradnia.monitoring.runsummary import LABELS, figures
from tests.integration.test_admin_language import fetch

pytestmark = pytest.mark.django_db


def shown(client: DjangoClient, run: JobRun, language: str) -> dict[str, str]:
    soup = BeautifulSoup(fetch(client, f"/admin/monitoring/jobrun/{run.pk}/change/", language), "lxml")
    return {row.th.get_text(strip=True): row.td.get_text(strip=True) for row in soup.select("table.run-figures tr")}


def a_run(summary: dict, job: str = "court-session-parser", status: str = RunStatus.PARTIAL) -> JobRun:
    now = timezone.now()
    return JobRun.objects.create(job=job, workflow_id=f"{job}-1", run_id=f"r-{job}", status=status, started=now,
                                 finished=now, summary=summary)


def test_a_court_run_reads_as_figures_in_polish_and_in_english(admin_client: DjangoClient) -> None:
    result = CourtSessionSyncResult(
        status=RunStatus.PARTIAL, courts_total=9, courts_succeeded=8, courts_failed=1, sessions_created=12,
        sessions_moved=1, outcomes_recorded=3, bytes_fetched=1_234_567, emails_sent=14,
        errors=[CourtError(court="WSA_Opole", type="timeout", message="read timed out")])
    run = a_run(asdict(result))
    polish = shown(admin_client, run, "pl")
    assert polish["wynik"] == "częściowo"
    assert (polish["sądy do odczytania"], polish["sądy odczytane"], polish["sądy z błędem"]) == ("9", "8", "1")
    assert polish["dodane posiedzenia"] == "12" and polish["zapisane rozstrzygnięcia sądu"] == "3"
    assert polish["pobrane bajty"].replace("\xa0", " ") == "1 234 567"  # Polish grouping
    assert polish["próba na sucho"] == "nie" and polish["błędy"] == "1"
    english = shown(admin_client, run, "en")
    assert english["hearings added"] == "12" and english["bytes fetched"] == "1,234,567" and english["dry run"] == "no"
    # The raw record stays on the page for support, under its contract names.
    assert "sessions_created" in fetch(admin_client, f"/admin/monitoring/jobrun/{run.pk}/change/", "pl")


def test_every_jobs_result_field_has_a_label() -> None:
    """A field added to a result contract without a label would show its English name to a Polish reader."""
    from poradnia.contracts import (
        ClearSessionsResult,
        HealthCheckResult,
        OldCasesReminderResult,
    )
    from poradnia.monitoring.runsummary import DETAILS

    for contract in (CourtSessionSyncResult, EventRemindersResult, OldCasesReminderResult, ClearSessionsResult,
                     CourtParserMonitorResult, RetentionResult, HealthCheckResult):
        for name in contract.__dataclass_fields__:
            assert name in LABELS or name in DETAILS, f"{contract.__name__}.{name} has no label"


def test_nested_figures_and_unknown_fields(admin_client: DjangoClient) -> None:
    retention = RetentionResult(now="2026-12-01T03:00:00+00:00", deleted={"job_runs": 3, "resolved_alerts": 0},
                                scrubbed_emails=2, batches=4)
    polish = shown(admin_client, a_run(asdict(retention), job="retention", status=RunStatus.SUCCESS), "pl")
    assert polish["usunięte"] == "przebiegi zadań: 3, rozwiązane alerty: 0"
    assert "now" not in polish and polish["wyczyszczone wysłane e-maile"] == "2"
    assert [f.label for f in figures({"new_field": 1})] == ["new_field"]  # never hidden
    monitor = CourtParserMonitorResult(status=RunStatus.PARTIAL, courts_total=9, courts_ok=7,
                                       failed=["WSA_Opole", "WSA_Lodz"])
    assert {f.key: f.value for f in figures(asdict(monitor))}["failed"] == "WSA_Opole, WSA_Lodz"
