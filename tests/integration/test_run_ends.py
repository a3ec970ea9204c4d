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
