"""Shared fixtures: a real Temporal dev server, real databases, real worker processes.

The suite runs once on SQLite (``pytest``) and the tests marked ``postgres`` (behaviour that can differ on
another database) again on a throwaway PostgreSQL cluster (``python -m devtools.pgcluster run -- pytest -m
postgres``); ``make test`` does both, and the in-process tiers again at moved clocks (tests/support/clock.py).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from django.conf import settings
from temporalio.client import Client
from temporalio.worker import Worker

from devtools.devserver import TemporalDevServer
from devtools.processes import WorkerProcess

# Shared fixtures live in tests/support (never in a test module); registered here for every tier.
pytest_plugins = ["tests.support.fixtures", "tests.support.clock"]


@pytest.fixture(autouse=True)
def _no_court_lookup(request: pytest.FixtureRequest, settings) -> None:
    """Registering a court case starts a lookup on Temporal; only tests marked court_lookup want that."""
    if request.node.get_closest_marker("court_lookup") is None:
        settings.COURT_LOOKUP_ON_REGISTRATION = False


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    # A file, not :memory:, so that worker subprocesses see the same test database.
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("sqlite") / "test.sqlite3")


@pytest.fixture(autouse=True)
def _courts(request: pytest.FixtureRequest) -> None:
    """Transactional tests flush every table, the migration's 17 courts included: put them back."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("_django_db_helper")
    from poradnia.judgements.courts import COURTS
    from poradnia.judgements.models import Court

    if Court.objects.count() < len(COURTS):
        for parser_key, name in COURTS:
            Court.objects.get_or_create(parser_key=parser_key, defaults={"name": name})


@pytest.fixture
def test_database_url(transactional_db: None) -> str:
    """DATABASE_URL of the test database, for worker subprocesses."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture(scope="session")
def temporal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemporalDevServer]:
    base = tmp_path_factory.mktemp("temporal")
    server = TemporalDevServer(db_filename=base / "temporal.sqlite", log_file=base / "server.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def temporal_client(temporal_server: TemporalDevServer) -> Client:
    return await Client.connect(temporal_server.address)


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def run_worker(temporal_client: Client, task_queue: str) -> Callable:
    """An in-process worker with every workflow and activity, as worker.py builds it."""
    from worker import DjangoActivityExecutor, build_worker

    @asynccontextmanager
    async def running(**kwargs: object) -> AsyncIterator[Worker]:
        with DjangoActivityExecutor(max_workers=8) as pool:
            worker = build_worker(temporal_client, task_queue, pool, **kwargs)  # type: ignore[arg-type]
            async with worker:
                yield worker

    return running


@pytest.fixture
def worker_process(temporal_server: TemporalDevServer, task_queue: str, tmp_path: Path) -> Iterator[Callable]:
    """Factory of ``python worker.py`` subprocesses on the test's task queue; all stopped at teardown."""
    started: list[WorkerProcess] = []

    def start(database_url: str, *, env: dict[str, str] | None = None, wait_ready: bool = True) -> WorkerProcess:
        proc = WorkerProcess(
            {
                "DATABASE_URL": database_url,
                "TEMPORAL_ADDRESS": temporal_server.address,
                "TEMPORAL_TASK_QUEUE": task_queue,
                "WORKER_GRACEFUL_SHUTDOWN_S": "30",
                **(env or {}),
            },
            tmp_path / f"worker-{len(started)}.log",
        )
        started.append(proc)
        return proc.start(wait_ready=wait_ready)

    yield start
    for proc in started:
        proc.stop()


# The unit tier must stay server-free (make test-fast runs it alone, in seconds): refuse a unit test that
# asks for a database, a Temporal server, a worker or a live server.
SERVER_FIXTURES = frozenset({"db", "transactional_db", "django_db_setup", "live_server", "temporal_server",
                             "temporal_client", "run_worker", "worker_process", "test_database_url"})
UNIT_DIR = Path(__file__).resolve().parent / "unit"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    misplaced = [item.nodeid for item in items if UNIT_DIR in Path(item.path).parents
                 and (item.get_closest_marker("django_db") or SERVER_FIXTURES & set(getattr(item, "fixturenames", ())))]
    if misplaced:
        raise pytest.UsageError("tests/unit must not use servers or databases (move them to tests/integration): "
                                + ", ".join(misplaced))
