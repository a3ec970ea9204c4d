"""The watch sees a dead worker: SIGKILL the only worker -> "no worker" alert within two periods; back -> resolved."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from devtools.devserver import TemporalDevServer
from devtools.processes import WorkerProcess
from poradnia.monitoring.models import Alert, WatchCheck
from tests.support.watching import manage, start_manage, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
INTERVAL_S = 4.0
SLACK_S = 10.0  # a round's own duration (connect, describes) on a loaded 2-core machine


@pytest.fixture
def quick_poll_server(tmp_path: Path):
    # An idle worker re-polls when the server ends its long poll (1 min by default); 2 s here lets a short
    # WATCH_POLLER_STALE_S tell a live worker from a dead one, so the test takes seconds instead of minutes.
    server = TemporalDevServer(log_file=tmp_path / "server.log",
                               extra_args=("--dynamic-config-value", 'matching.longPollExpirationInterval="2s"'))
    server.start()
    yield server
    server.stop()


def test_sigkill_of_the_only_worker_is_alerted_and_resolves(
    quick_poll_server: TemporalDevServer, test_database_url: str, task_queue: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": test_database_url, "TEMPORAL_ADDRESS": quick_poll_server.address,
           "TEMPORAL_TASK_QUEUE": task_queue, "WATCH_POLLER_STALE_S": "3.5", "WATCH_START_LATENCY_S": "600",
           "ADMINS": "ops@example.org"}
    key = f"watch:no-worker:{task_queue}"
    worker = WorkerProcess(env, tmp_path / "worker-1.log").start()
    watch = start_manage("watch", "--interval", str(INTERVAL_S), env=env, log_file=tmp_path / "watch.log")
    replacement: WorkerProcess | None = None
    try:
        wait_for(lambda: WatchCheck.objects.filter(name="pollers", ok=True).exists(), 60, "a round seeing the worker")
        assert not Alert.objects.filter(dedupe_key=key).exists()

        worker.kill()
        killed = time.monotonic()
        alert = wait_for(lambda: Alert.objects.filter(dedupe_key=key, resolved_at__isnull=True).first(),
                         2 * INTERVAL_S + SLACK_S, "the no-worker alert")
        assert time.monotonic() - killed <= 2 * INTERVAL_S + SLACK_S
        assert alert.title == f"no worker polls task queue {task_queue}"
        assert "start the worker" in alert.message

        once = manage("watch", "--once", env=env)  # the healthcheck / operator interface: exit 1 while open
        assert once.returncode == 1, once.stdout + once.stderr
        assert f"pollers: ALERT: 0 workers polling task queue {task_queue}" in once.stdout
        assert [line.split(":")[0] for line in once.stdout.splitlines()] == [
            "temporal", "pollers", "backlog", "schedules", "mail", "webhook", "runs", "delivery", "open"]

        replacement = WorkerProcess(env, tmp_path / "worker-2.log").start()
        back = time.monotonic()
        wait_for(lambda: Alert.objects.filter(dedupe_key=key, resolved_at__isnull=False).exists(),
                 2 * INTERVAL_S + SLACK_S, "the alert resolved")
        assert time.monotonic() - back <= 2 * INTERVAL_S + SLACK_S
        alert = Alert.objects.get(dedupe_key=key)
        assert alert.email_count == 1  # one notification for the outage, however many rounds saw it
        assert watch.poll() is None, (tmp_path / "watch.log").read_text()
    finally:
        watch.terminate()
        watch.wait(30)
        worker.stop()
        if replacement is not None:
            replacement.stop()
    output = (tmp_path / "watch.log").read_text()
    assert "watch stopped" in output, output
    assert "pollers: ALERT" in output and "pollers: ok" in output
