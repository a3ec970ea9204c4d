"""Retention over 100,000 rows: what is old goes, what is recent or open stays, the SQL per batch is bounded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devtools.retentiondata import make_retention_rows
from poradnia.monitoring.models import Alert, CourtPageStat, HealthCheck, JobRun
from poradnia.monitoring.retention import purge
from poradnia.outbox.models import OutboxEmail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.postgres
def test_purge_of_100000_rows_in_bounded_batches() -> None:
    now = timezone.now()
    counts = make_retention_rows(100_000, now)
    per = counts["job_runs"]
    batch_size = 1000
    with CaptureQueriesContext(connection) as queries:
        result = purge(now, batch_size=batch_size)

    old = per - per // 4  # i % 4 != 0 is old
    assert result.deleted["job_runs"] == result.deleted["health_checks"] == result.deleted["court_page_stats"] == old
    assert JobRun.objects.count() == HealthCheck.objects.count() == CourtPageStat.objects.count() == per // 4
    # Only resolved alerts go: the open ones (i % 8 == 0) stay, however old.
    assert result.deleted["resolved_alerts"] == sum(1 for i in range(per) if i % 4 and i % 8)
    assert Alert.objects.filter(resolved_at__isnull=True).count() == per // 8
    sent = OutboxEmail.objects.filter(status="sent")
    assert result.scrubbed_emails == sent.count() == counts["emails"] - counts["emails"] // 10
    assert not sent.exclude(to="", subject="", body="", html_body="").exists()
    assert sent.get(key="bench:1").headers == {}  # Reply-To names the case's mailbox
    assert sent.filter(key="bench:1").exists()  # the key stays: the fact can never be e-mailed again
    assert OutboxEmail.objects.filter(status="pending").exclude(to="").count() == counts["emails"] // 10

    # Per batch: one SELECT of keys and one DELETE / UPDATE (SQLite also logs its BEGIN and COMMIT); per kind one
    # last SELECT that finds nothing. The count follows the number of batches, never the number of rows.
    expected_batches = sum(-(-n // batch_size) for n in [*result.deleted.values(), result.scrubbed_emails])
    assert result.batches == expected_batches
    kinds = len(result.deleted) + 1
    assert len(queries) <= 4 * result.batches + 3 * kinds, f"{len(queries)} queries for {result.batches} batches"
    assert max(len(q["sql"]) for q in queries) < 30 * batch_size  # no statement grows with the table

    again = purge(now, batch_size=batch_size)  # idempotent: nothing left to do
    assert sum(again.deleted.values()) == again.scrubbed_emails == again.batches == 0


def test_thresholds_come_from_settings(settings) -> None:
    now = timezone.now()
    HealthCheck.objects.create(created=now - timedelta(days=10))
    JobRun.objects.create(job="x", workflow_id="w", run_id="r", started=now - timedelta(days=10))
    settings.RETENTION_HEALTHCHECK_DAYS = 11
    settings.RETENTION_JOBRUN_DAYS = 9
    result = purge(now)
    assert (result.deleted["health_checks"], result.deleted["job_runs"]) == (0, 1)


@pytest.mark.bench
def test_benchmark_prints_peak_rss() -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "bench", "retention", "--rows", "5000", "--batch-size", "500"],
                          cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["rows"] == 5000 and figures["peak_rss_mb"] > 0 and figures["batches"] > 0
    assert figures["deleted"]["job_runs"] == 750 and figures["scrubbed_emails"] == 900


async def test_scheduled_workflow_purges_and_records_its_run(run_worker, temporal_client, task_queue: str) -> None:
    import uuid

    from tests.support.dbthread import in_db_thread
    from workflows.retention import RetentionInput, RetentionWorkflow

    now = timezone.now()
    await in_db_thread(lambda: HealthCheck.objects.create(created=now - timedelta(days=31)))
    async with run_worker():
        result = await temporal_client.execute_workflow(
            RetentionWorkflow.run, RetentionInput(now=now.isoformat()), id=f"retention-{uuid.uuid4()}",
            task_queue=task_queue)
    assert result.deleted["health_checks"] == 1
    run = await in_db_thread(lambda: JobRun.objects.get(job="retention"))
    assert run.status == "completed_success" and run.summary["deleted"]["health_checks"] == 1
