"""A run that ends by an exception is recorded as failed; one whose end was never recorded is flagged by the watch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from poradnia.monitoring.models import Alert, JobRun
from poradnia.monitoring.watch import RUN_STUCK_PREFIX, apply, evaluate_runs
from tests.support.courtdata import make_case, track
from tests.support.httpservers import header_dripper
from tests.support.watching import ROOT, wait_for


@pytest.mark.django_db(transaction=True)
def test_an_inline_run_interrupted_mid_fetch_is_recorded_as_failed(test_database_url: str, tmp_path) -> None:
    # The court answers a byte every half second; the operator presses Ctrl-C while the run waits for it.
    # Only Exception was caught, so a KeyboardInterrupt (or a crash outside it) left the JobRun "running".
    track(make_case().case, "WSA_Opole", "II SA/Op 1/26")
    with header_dripper(interval=0.5) as url:
        env = {**os.environ, "DATABASE_URL": test_database_url, "EWOKANDA_BASE_URL": url,
               "EWOKANDA_ALLOW_LOOPBACK": "true", "DJANGO_SETTINGS_MODULE": "poradnia.settings.dev"}
        with open(tmp_path / "run.log", "wb") as log:
            run = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "run_court_session_parser", "--inline",
                                    "--parser", "WSA_Opole"], cwd=ROOT, env=env, stdout=log, stderr=log,
                                   stdin=subprocess.DEVNULL)
            try:
                wait_for(lambda: JobRun.objects.exists(), 60, "the run's JobRun row")
                time.sleep(1)  # inside the fetch
                run.send_signal(signal.SIGINT)
                assert run.wait(60) != 0
            finally:
                run.kill()
    job_run = JobRun.objects.get()
    assert job_run.status == JobRun.Status.FAILED, (tmp_path / "run.log").read_text()
    assert job_run.finished is not None and job_run.error.startswith("KeyboardInterrupt")


@pytest.mark.django_db
def test_the_watch_flags_runs_running_longer_than_their_job_allows() -> None:
    now = timezone.now()
    for job, run_id, hours in [("court-session-parser", "r1", 7), ("court-session-parser", "r2", 1),
                               ("event-reminders", "r3", 1)]:
        JobRun.objects.create(job=job, workflow_id=f"csp-{run_id[1]}" if job.startswith("court") else "er-1",
                              run_id=run_id, started=now - timedelta(hours=hours))

    result = evaluate_runs(now)
    apply([result], now)

    assert [f.key for f in result.findings] == [f"{RUN_STUCK_PREFIX}court-session-parser"]
    alert = Alert.objects.get(dedupe_key=f"{RUN_STUCK_PREFIX}court-session-parser", resolved_at__isnull=True)
    assert alert.title == "court-session-parser: 1 run(s) still running after more than 6 h"
    assert "csp-1 / r1" in alert.message

    JobRun.objects.filter(run_id="r1").update(status=JobRun.Status.FAILED, finished=now)
    later = now + timedelta(minutes=5)
    apply([evaluate_runs(later)], later)
    assert Alert.objects.get(dedupe_key=f"{RUN_STUCK_PREFIX}court-session-parser").resolved_at is not None


@pytest.mark.django_db(transaction=True)
async def test_runs_terminated_or_timed_out_on_temporal_are_closed_by_the_next_watch_round(
    temporal_client, task_queue: str, settings
) -> None:
    """No step of a terminated or timed-out workflow runs, so its JobRun said "running" until the stuck-run check,
    hours later. The watch asks Temporal about open runs and closes those whose workflow ended."""
    import asyncio
    import uuid
    from datetime import timedelta as td

    from temporalio.client import Client, WorkflowExecutionStatus

    from poradnia.monitoring.watch import run_round
    from tests.support.dbthread import in_db_thread

    settings.ADMINS = [("Ops", "ops@example.org")]

    async def start(workflow: str, **options):  # no worker polls this queue: each stays running until ended
        return await temporal_client.start_workflow(workflow, id=f"{workflow}-{uuid.uuid4().hex[:8]}",
                                                    task_queue=task_queue, **options)

    terminated = await start("CourtSessionSyncWorkflow")
    timed_out = await start("EventRemindersWorkflow", execution_timeout=td(seconds=1))
    still_running = await start("HealthCheckWorkflow")
    rows = [("court-session-parser", terminated), ("event-reminders", timed_out), ("health-check", still_running)]

    def record() -> None:
        started = timezone.now() - td(minutes=1)
        for job, handle in rows:
            JobRun.objects.create(job=job, workflow_id=handle.id, run_id=handle.result_run_id, started=started)
        JobRun.objects.create(job="retention", workflow_id="retention-manual-x", run_id="inline-abc", started=started)
        JobRun.objects.create(job="retention", workflow_id="retention-gone", run_id=str(uuid.uuid4()), started=started)

    await in_db_thread(record)
    await terminated.terminate(reason="stopped by the operator")
    for _ in range(50):
        if (await timed_out.describe()).status == WorkflowExecutionStatus.TIMED_OUT:
            break
        await asyncio.sleep(0.2)

    async def connect() -> Client:
        return temporal_client

    lines, _ = await run_round(connect, [], task_queue)
    runs = await in_db_thread(lambda: {r.workflow_id: r for r in JobRun.objects.all()})
    assert next(line for line in lines if line.startswith("runs:")) == (
        "runs: ok: running: 3, closed as ended on Temporal: 2")
    for handle, word in ((terminated, "terminated"), (timed_out, "timed out")):
        run = runs[handle.id]
        assert run.status == JobRun.Status.FAILED and run.finished is not None, run
        assert run.error.startswith(f"The workflow was {word} on Temporal"), run.error
    assert runs[still_running.id].finished is None  # Temporal still runs it
    assert runs["retention-manual-x"].finished is None and runs["retention-gone"].finished is None  # nothing to ask
    alerts = await in_db_thread(lambda: set(Alert.objects.filter(resolved_at__isnull=True)
                                            .values_list("dedupe_key", flat=True)))
    assert {"job:court-session-parser:failed", "job:event-reminders:failed"} <= alerts

    lines, _ = await run_round(connect, [], task_queue)  # closed once: the next round finds nothing to close
    assert next(line for line in lines if line.startswith("runs:")) == "runs: ok: running: 3"
