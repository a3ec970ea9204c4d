"""Run history, alerts with dedupe and cooldown, drift, the live parser monitor, metrics and logs."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from datetime import date, timedelta

import pytest
from django.core import mail
from temporalio.client import Client

from devtools.devserver import free_port
from devtools.standin import StandIn
from devtools.synthetic import SyntheticRow, generate_page, random_rows
from poradnia.judgements.models import Court
from poradnia.monitoring.models import Alert, CourtPageStat, HealthCheck, JobRun
from tests.support.courtdata import make_case, track
from tests.support.dbthread import in_db_thread
from workflows.court_sessions import CourtSessionSyncInput, CourtSessionSyncWorkflow
from workflows.health import HealthCheckWorkflow
from workflows.monitor import CourtParserMonitorInput, CourtParserMonitorWorkflow

pytestmark = pytest.mark.django_db(transaction=True)
ADMIN = "ops@example.org"


@pytest.fixture(autouse=True)
def admins(settings):
    settings.ADMINS = [("Ops", ADMIN)]
    settings.COURT_SYNC_RETRY_INITIAL_S = 0.1


def alert_mails() -> list:
    return [m for m in mail.outbox if m.to == [ADMIN]]


async def execute(client: Client, task_queue: str, workflow, arg=None):
    args = [arg] if arg is not None else []
    return await client.execute_workflow(workflow, *args, id=f"wf-{uuid.uuid4()}", task_queue=task_queue)


async def test_partial_run_alerts_once_respects_cooldown_and_resolves(
    run_worker, temporal_client: Client, task_queue: str, settings
) -> None:
    ids = await in_db_thread(lambda: list(Court.objects.filter(parser_key__in=["WSA_Opole", "WSA_Lodz"])
                                          .values_list("pk", flat=True)))
    job = CourtSessionSyncInput(court_ids=ids)
    with StandIn({"WSA_Opole": generate_page([SyntheticRow("II SA/Op 1/26", "2026-12-01")])}) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url  # WSA_Lodz has no page: 404
        async with run_worker():
            first = await execute(temporal_client, task_queue, CourtSessionSyncWorkflow.run, job)
            assert first.status == "completed_partial"
            alerts = await in_db_thread(lambda: list(Alert.objects.all()))
            assert [(a.dedupe_key, a.email_count, a.active) for a in alerts] == [
                ("job:court-session-parser:failed", 1, True)]
            assert len(alert_mails()) == 1 and "WSA_Lodz" in alert_mails()[0].body

            await execute(temporal_client, task_queue, CourtSessionSyncWorkflow.run, job)  # inside the cooldown
            alert = await in_db_thread(lambda: Alert.objects.get())
            assert (alert.occurrences, alert.email_count, len(alert_mails())) == (2, 1, 1)

            await in_db_thread(lambda: Alert.objects.update(last_emailed_at=alert.last_emailed_at - timedelta(hours=2)))
            await execute(temporal_client, task_queue, CourtSessionSyncWorkflow.run, job)  # after the cooldown
            assert len(alert_mails()) == 2
            assert await in_db_thread(lambda: Alert.objects.get().email_count) == 2

            standin.set_page("WSA_Lodz", generate_page([SyntheticRow("II SA/Łd 1/26", "2026-12-01")]))
            clean = await execute(temporal_client, task_queue, CourtSessionSyncWorkflow.run, job)
    assert clean.status == "completed_success"
    assert await in_db_thread(lambda: Alert.objects.get().resolved_at) is not None
    assert len(alert_mails()) == 2
    runs = await in_db_thread(lambda: list(JobRun.objects.order_by("started").values_list("status", flat=True)))
    assert runs == ["completed_partial"] * 3 + ["completed_success"]


async def test_zero_rows_after_hundreds_raises_drift_alert(
    run_worker, temporal_client: Client, task_queue: str, settings
) -> None:
    rows = random_rows(300, seed=3, court_code="Op", start=date(2026, 12, 1))
    with StandIn({"WSA_Opole": generate_page(rows)}) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        job = CourtSessionSyncInput(parser_key="WSA_Opole")
        async with run_worker():
            assert (await execute(temporal_client, task_queue, CourtSessionSyncWorkflow.run, job)).status == (
                "completed_success")
            assert await in_db_thread(lambda: Alert.objects.count()) == 0
            standin.set_page("WSA_Opole", generate_page([]))
            await execute(temporal_client, task_queue, CourtSessionSyncWorkflow.run, job)
    alert = await in_db_thread(lambda: Alert.objects.get())
    assert alert.dedupe_key == "court:WSA_Opole:drift" and "0 rows" in alert.title and "300 rows" in alert.title
    assert await in_db_thread(lambda: list(CourtPageStat.objects.order_by("created")
                                           .values_list("rows_seen", flat=True))) == [300, 0]
    assert len(alert_mails()) == 1


async def test_monitor_alerts_once_for_the_court_without_table(
    run_worker, temporal_client: Client, task_queue: str, settings
) -> None:
    pages = {
        "WSA_Opole": generate_page(random_rows(20, seed=1, court_code="Op", start=date(2026, 12, 1))),
        "WSA_Poznan": generate_page(random_rows(30, seed=2, court_code="Po", start=date(2026, 12, 1))),
        "WSA_Lodz": generate_page(random_rows(5, seed=3, court_code="Łd", start=date(2026, 12, 1)), table=False),
    }
    ids = await in_db_thread(lambda: list(Court.objects.filter(parser_key__in=list(pages))
                                          .values_list("pk", flat=True)))
    with StandIn(pages) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        async with run_worker():
            result = await execute(temporal_client, task_queue, CourtParserMonitorWorkflow.run,
                                   CourtParserMonitorInput(court_ids=ids))
    assert (result.status, result.courts_ok, result.failed) == ("completed_partial", 2, ["WSA_Lodz"])
    assert {c.parser_key: c.rows for c in result.checks if c.ok} == {"WSA_Opole": 20, "WSA_Poznan": 30}
    alerts = await in_db_thread(lambda: list(Alert.objects.all()))
    assert len(alerts) == 1 and alerts[0].dedupe_key == "court:WSA_Lodz:parse" and "WSA_Lodz" in alerts[0].title
    assert len(alert_mails()) == 1 and "WSA_Lodz" in alert_mails()[0].subject
    stats = await in_db_thread(lambda: sorted(CourtPageStat.objects.values_list("court__parser_key", "ok",
                                                                                 "rows_seen")))
    assert stats == [("WSA_Lodz", False, 0), ("WSA_Opole", True, 20), ("WSA_Poznan", True, 30)]
    run = await in_db_thread(lambda: JobRun.objects.get())
    assert (run.job, run.status, run.summary["failed"]) == ("court-parser-monitor", "completed_partial", ["WSA_Lodz"])


async def test_job_runs_for_every_workflow_kind_and_admin_pages(
    run_worker, temporal_client: Client, task_queue: str, settings, admin_client
) -> None:
    from workflows.reminders import ClearSessionsWorkflow, EventRemindersWorkflow, OldCasesReminderWorkflow

    with StandIn({"WSA_Opole": generate_page([SyntheticRow("II SA/Op 1/26", "2026-12-01")])}) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        async with run_worker():
            for workflow, arg in [
                (CourtSessionSyncWorkflow.run, CourtSessionSyncInput(parser_key="WSA_Opole")),
                (CourtParserMonitorWorkflow.run, CourtParserMonitorInput(parser_key="WSA_Opole")),
                (HealthCheckWorkflow.run, None),
                (EventRemindersWorkflow.run, None),
                (OldCasesReminderWorkflow.run, None),
                (ClearSessionsWorkflow.run, None),
            ]:
                await execute(temporal_client, task_queue, workflow, arg)

    def check() -> None:
        runs = {r.job: r for r in JobRun.objects.all()}
        assert set(runs) == {"court-session-parser", "court-parser-monitor", "health-check", "event-reminders",
                             "old-cases-reminder", "clear-sessions"}
        assert all(r.status == "completed_success" and r.finished and r.finished >= r.started for r in runs.values())
        assert runs["court-session-parser"].summary["courts_succeeded"] == 1
        for url in ["/admin/monitoring/jobrun/", "/admin/monitoring/jobrun/?job=health-check",
                    f"/admin/monitoring/jobrun/{runs['health-check'].pk}/change/", "/admin/monitoring/alert/",
                    "/admin/monitoring/courtpagestat/", "/admin/monitoring/healthcheck/"]:
            response = admin_client.get(url)
            assert response.status_code == 200, url
        listing = admin_client.get("/admin/monitoring/jobrun/").content.decode()
        assert f"/workflows/{runs['health-check'].workflow_id}/{runs['health-check'].run_id}" in listing
        assert "Ostatnia kontrola działania" in admin_client.get("/admin/monitoring/healthcheck/").content.decode()
        HealthCheck.objects.update(created=HealthCheck.objects.get().created - timedelta(hours=3))
        assert "NIEAKTUALNE" in admin_client.get("/admin/monitoring/healthcheck/").content.decode()

    await in_db_thread(check)


def test_metrics_endpoint_and_json_logs_after_a_run(
    worker_process, test_database_url: str, temporal_server, task_queue: str
) -> None:
    import asyncio

    tracked = make_case(staff=2)
    rows = [SyntheticRow("II SA/Op 9991/26", "2026-12-01", "10:00"),
            SyntheticRow("II SA/Op 9992/26", "2026-12-02")]
    rows += random_rows(40, seed=5, court_code="Op", start=date(2026, 12, 3))
    track(tracked.case, "WSA_Opole", "II SA/Op 9991/26")
    track(tracked.case, "WSA_Opole", "II SA/Op 9992/26")
    port = free_port()
    with StandIn({"WSA_Opole": generate_page(rows)}) as standin:
        proc = worker_process(test_database_url, env={
            "EWOKANDA_BASE_URL": standin.base_url, "METRICS_BIND": f"127.0.0.1:{port}", "LOG_FORMAT": "json"})

        async def run():
            client = await Client.connect(temporal_server.address)
            return await client.execute_workflow(CourtSessionSyncWorkflow.run,
                                                 CourtSessionSyncInput(parser_key="WSA_Opole"),
                                                 id=f"wf-{uuid.uuid4()}", task_queue=task_queue)

        result = asyncio.run(run())
        assert (result.sessions_created, result.emails_sent) == (2, 4)
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()

    def metric(name: str, **labels: str) -> float:
        total = 0.0
        for line in text.splitlines():
            match = re.match(rf"^{name}(?:_total)?(\{{[^}}]*\}})? ([0-9.e+]+)$", line)
            if match and all(f'{k}="{v}"' in (match.group(1) or "") for k, v in labels.items()):
                total += float(match.group(2))
        return total

    assert metric("poradnia_rows_parsed", court="WSA_Opole") == 42
    assert metric("poradnia_sessions_created", court="WSA_Opole") == 2
    assert metric("poradnia_emails_sent") == 4
    assert "temporal_activity_execution_latency" in text or "temporal_request" in text  # the SDK's own metrics

    records = [json.loads(line) for line in proc.output().splitlines() if line.startswith("{")]
    court_lines = [r for r in records if r.get("activity_type") == "sync_court"]
    assert court_lines and all(r["workflow_id"].startswith("wf-") and r["run_id"] for r in court_lines)
    assert any("WSA_Opole" in r["message"] for r in court_lines)
    info_text = "\n".join(r["message"] for r in records if r["level"] == "INFO")
    assert "@example.org" not in info_text and "Sygnatura" not in info_text


async def test_failed_health_check_raises_an_alert_and_a_good_one_resolves_it(
    temporal_client: Client, task_queue: str
) -> None:
    from activities import build_activities
    from activities.health import HealthActivities
    from worker import DjangoActivityExecutor, build_worker

    # The check times its round trip with this client: one that points nowhere makes the check fail.
    nowhere = await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)
    failing = [a for a in build_activities(temporal_client) if getattr(a, "__name__", "") != "check_health"]
    failing.append(HealthActivities(nowhere).check_health)
    with DjangoActivityExecutor(max_workers=4) as pool:
        async with build_worker(temporal_client, task_queue, pool, failing):
            bad = await execute(temporal_client, task_queue, HealthCheckWorkflow.run)
    assert not bad.ok and bad.db_ok and not bad.temporal_ok and "temporal" in bad.error
    alert = await in_db_thread(lambda: Alert.objects.get())
    assert alert.dedupe_key == "job:health-check:failed" and alert.active
    assert len(alert_mails()) == 1 and "health-check" in alert_mails()[0].subject
    with DjangoActivityExecutor(max_workers=4) as pool:
        async with build_worker(temporal_client, task_queue, pool):
            good = await execute(temporal_client, task_queue, HealthCheckWorkflow.run)
    assert good.ok
    assert not (await in_db_thread(lambda: Alert.objects.get())).active
    statuses = await in_db_thread(lambda: list(JobRun.objects.order_by("started").values_list("status", flat=True)))
    assert statuses == ["failed", "completed_success"]
