"""``run_court_session_parser --inline`` and the workflow run leave the same database behind.

Both call poradnia.judgements.services, so the same stand-in pages must give the same sessions,
events, outbox rows, JobRun status and summary, court page stats and alerts (ids, run ids and
timestamps aside), and the same result.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from temporalio.client import Client

from devtools.standin import StandIn
from devtools.synthetic import SyntheticRow, generate_page
from poradnia.contracts import COURT_SESSIONS, CourtSessionSyncInput, CourtSessionSyncResult, RunStatus
from poradnia.events.models import Event
from poradnia.judgements.models import Court, CourtSession
from poradnia.monitoring.models import Alert, CourtPageStat, JobRun
from poradnia.outbox.models import OutboxEmail
from tests.support.courtdata import make_case, track
from tests.support.dbthread import in_db_thread

pytestmark = pytest.mark.django_db(transaction=True)
COURTS = ("WSA_Opole", "WSA_Kielce", "WSA_Lodz")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?")


def pages() -> dict[str, bytes]:
    return {
        "WSA_Opole": generate_page([SyntheticRow("II SA/Op 1/26", "2026-12-01", "10:00"),
                                    SyntheticRow("II SA/Op 1/26", "2026-12-01", "12:30"),
                                    SyntheticRow("II SA/Op 9/26", "2026-12-02", "09:00")]),
        "WSA_Kielce": generate_page([SyntheticRow("I SA/Ke 5/26", "2026-12-03", "11:15")]),
        "WSA_Lodz": generate_page([SyntheticRow("II SA/Łd 1/26", "2026-12-01", "10:00")], table=False),
    }


def tracked_cases() -> list[int]:
    first, second = make_case("Rozbiórka", staff=2), make_case("Podatek", staff=1)
    track(first.case, "WSA_Opole", "II SA/Op 1/26")
    track(second.case, "WSA_Kielce", "I SA/Ke 5/26")
    track(second.case, "WSA_Lodz", "II SA/Łd 1/26")
    return list(Court.objects.filter(parser_key__in=COURTS).order_by("parser_key").values_list("pk", flat=True))


def snapshot() -> dict[str, Any]:
    """What a run wrote, without ids, run ids and times (the alert e-mail names the run and when: masked)."""
    run = JobRun.objects.get()

    def masked(text: str) -> str:
        text = text.replace(run.workflow_id, "<workflow id>").replace(run.run_id, "<run id>")
        return TIMESTAMP.sub("<time>", text)

    return {
        "sessions": sorted((s.court_case_id, s.date.isoformat(), s.slot, s.parser_key, s.revision,
                            s.event.case_id, s.event.time.isoformat(), s.event.text, s.event.created_by.username)
                           for s in CourtSession.objects.select_related("event__created_by")),
        "events": sorted((e.case_id, e.time.isoformat(), e.text, e.deadline) for e in Event.objects.all()),
        "outbox": sorted((key, kind, to, subject, masked(body), status) for key, kind, to, subject, body, status
                         in OutboxEmail.objects.values_list("key", "kind", "to", "subject", "body", "status")),
        "job_run": (run.job, run.status, run.summary, run.error, run.finished is not None),
        "page_stats": sorted(CourtPageStat.objects.values_list("court__parser_key", "source", "ok", "rows_seen",
                                                               "tracked_rows", "bad_rows", "error")),
        "alerts": sorted(Alert.objects.values_list("dedupe_key", "title", "severity", "occurrences", "email_count",
                                                   "resolved_at")),
    }


def forget_the_run() -> None:
    for model in (CourtSession, Event, OutboxEmail, JobRun, CourtPageStat, Alert):
        model.objects.all().delete()


async def test_inline_and_workflow_runs_write_the_same(
    run_worker, temporal_client: Client, task_queue: str, settings, mailoutbox: list
) -> None:
    settings.ADMINS = [("Ops", "ops@example.org")]
    ids = await in_db_thread(tracked_cases)
    with StandIn(pages()) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        async with run_worker():
            workflow_result = await temporal_client.execute_workflow(
                COURT_SESSIONS.workflow, CourtSessionSyncInput(court_ids=ids), id=f"parity-{uuid.uuid4()}",
                task_queue=task_queue, result_type=CourtSessionSyncResult)
        by_workflow = await in_db_thread(snapshot)
        await in_db_thread(forget_the_run)

        out = StringIO()
        args = ["run_court_session_parser", "--inline", *(f"--court={i}" for i in ids)]
        with pytest.raises(CommandError, match="completed_partial"):  # the Łódź page has no table
            await in_db_thread(lambda: call_command(*args, stdout=out))
        by_inline = await in_db_thread(snapshot)

    assert workflow_result.status == RunStatus.PARTIAL and workflow_result.sessions_created == 3
    assert by_workflow["job_run"][1] == RunStatus.PARTIAL
    assert [row[0] for row in by_workflow["page_stats"]] == sorted(COURTS)  # the failed court's page too
    assert any(key == "job:court-session-parser:failed" for key, *_ in by_workflow["alerts"])
    assert len(by_workflow["outbox"]) == 2 * 2 + 1 + 1  # two hearings x two lawyers, one x one, one alert
    assert by_inline == by_workflow
    assert json.loads(out.getvalue()) == asdict(workflow_result)
