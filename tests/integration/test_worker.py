"""worker.py against a real dev server: health check end to end, clear start-up errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from temporalio.client import Client

from activities.health import HealthCheckResult
from devtools.devserver import TemporalDevServer, bundled_binary, free_port
from poradnia.monitoring.models import HealthCheck
from tests.support.dbthread import in_db_thread
from workflows.health import HealthCheckWorkflow

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
async def test_health_check_workflow_in_process(run_worker, temporal_client: Client, task_queue: str) -> None:
    async with run_worker():
        result = await temporal_client.execute_workflow(
            HealthCheckWorkflow.run, id=f"health-{uuid.uuid4()}", task_queue=task_queue
        )
    assert isinstance(result, HealthCheckResult)
    assert result.ok and result.db_ok and result.temporal_ok
    assert result.db_ms is not None and result.db_ms >= 0 and result.temporal_ms is not None
    row = await in_db_thread(lambda: HealthCheck.objects.get(pk=result.health_check_id))
    assert row.ok and row.workflow_id.startswith("health-")


@pytest.mark.django_db(transaction=True)
def test_worker_process_runs_health_check_from_cli(
    worker_process, test_database_url: str, temporal_server: TemporalDevServer, task_queue: str
) -> None:
    proc = worker_process(test_database_url)
    log = proc.output()
    assert "HealthCheckWorkflow" in log and "check_health" in log and task_queue in log
    # The documented operator command, with the real temporal binary.
    out = subprocess.run(
        [str(bundled_binary("temporal")), "workflow", "execute", "--type", "HealthCheckWorkflow",
         "--task-queue", task_queue, "--address", temporal_server.address, "--output", "json"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout
    result = json.loads(out)["result"]
    assert result["ok"] is True and result["db_ok"] is True
    assert HealthCheck.objects.filter(pk=result["health_check_id"], db_ok=True, temporal_ok=True).exists()


def _run_worker(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "worker.py")], cwd=ROOT, env={**os.environ, **env},
        capture_output=True, text=True, timeout=60,
    )


@pytest.mark.real_clock  # a worker process
def test_worker_exits_1_with_one_line_when_temporal_is_down(tmp_path: Path) -> None:
    port = free_port()
    done = _run_worker({"TEMPORAL_ADDRESS": f"127.0.0.1:{port}", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"worker: cannot connect to Temporal at 127.0.0.1:{port}")


@pytest.mark.real_clock  # a worker process
def test_worker_exits_1_with_one_line_when_database_is_down() -> None:
    port = free_port()
    done = _run_worker({"DATABASE_URL": f"postgres://nobody@127.0.0.1:{port}/poradnia"})
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("worker: cannot reach the database at 127.0.0.1")
