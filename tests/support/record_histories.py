"""Re-record the workflow histories the replay tests check: ``python -m tests.support.record_histories``.

Runs one real execution of every workflow kind (a headless dev server, an in-process worker, a temp
SQLite database, the eWokanda stand-in) and writes each history as JSON to tests/histories/. Re-record
after an intentional, versioned change to a workflow; see "Changing a workflow safely" in docs/architecture.md.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "histories"


async def record(out: Path, only: list[str] | None = None) -> list[Path]:
    from temporalio.client import Client

    from devtools.devserver import TemporalDevServer
    from devtools.standin import StandIn
    from devtools.synthetic import SyntheticRow, generate_page, random_rows
    from poradnia.cases.models import Case
    from poradnia.contracts import LOOKUP_SIGNAL, CourtLookupInput, CourtLookupRequest
    from poradnia.events.models import Event
    from poradnia.judgements.models import Court
    from tests.support.courtdata import make_case, track
    from worker import DjangoActivityExecutor, build_worker
    from workflows.court_lookup import CourtLookupWorkflow
    from workflows.court_sessions import CourtSessionSyncInput, CourtSessionSyncWorkflow
    from workflows.health import HealthCheckWorkflow
    from workflows.monitor import CourtParserMonitorInput, CourtParserMonitorWorkflow
    from workflows.reminders import ClearSessionsWorkflow, EventRemindersWorkflow, OldCasesReminderWorkflow
    from workflows.retention import RetentionInput, RetentionWorkflow
    from workflows.watch import WatchProbeWorkflow

    def prepare() -> list[int]:
        tracked = make_case("Replay", staff=2)
        track(tracked.case, "WSA_Opole", "II SA/Op 1/26")
        track(tracked.case, "WSA_Opole", "II SA/Op 2/26")
        Event.objects.create(case=tracked.case, time=_soon(), text="Termin", created_by=tracked.case.client)
        Case.objects.filter(pk=tracked.case.pk).update(last_action=_soon() - timedelta(days=365 * 10))
        return list(Court.objects.filter(parser_key__in=["WSA_Opole", "WSA_Lodz"]).values_list("pk", flat=True))

    ids = await asyncio.to_thread(prepare)
    opole = await asyncio.to_thread(lambda: Court.objects.get(parser_key="WSA_Opole").pk)
    pages = {
        "WSA_Opole": generate_page([SyntheticRow("II SA/Op 1/26", "2026-12-01", "10:00"),
                                    SyntheticRow("II SA/Op 1/26", "2026-12-01", "12:00"),
                                    SyntheticRow("II SA/Op 2/26", "2026-12-02")]
                                   + random_rows(20, seed=1, court_code="Op", start=date(2026, 12, 3))),
        "WSA_Lodz": generate_page([], table=False),
    }
    runs = [
        ("CourtSessionSyncWorkflow", CourtSessionSyncWorkflow.run, CourtSessionSyncInput(court_ids=ids)),
        ("CourtParserMonitorWorkflow", CourtParserMonitorWorkflow.run, CourtParserMonitorInput(court_ids=ids)),
        ("HealthCheckWorkflow", HealthCheckWorkflow.run, None),
        ("EventRemindersWorkflow", EventRemindersWorkflow.run, None),
        ("OldCasesReminderWorkflow", OldCasesReminderWorkflow.run, None),
        ("ClearSessionsWorkflow", ClearSessionsWorkflow.run, None),
        ("RetentionWorkflow", RetentionWorkflow.run, RetentionInput()),
        ("WatchProbeWorkflow", WatchProbeWorkflow.run, None),
        ("CourtLookupWorkflow", CourtLookupWorkflow.run,
         CourtLookupInput(court_id=opole, parser_key="WSA_Opole", quiet_s=0.5, max_wait_s=5)),
    ]
    signals = {"CourtLookupWorkflow": {"start_signal": LOOKUP_SIGNAL,
                                       "start_signal_args": [CourtLookupRequest(court_case_id=1)]}}
    if only:
        runs = [run for run in runs if run[0] in only]
    written = []
    with TemporalDevServer() as server, StandIn(pages) as standin:
        from django.conf import settings

        settings.EWOKANDA_BASE_URL = standin.base_url
        settings.COURT_SYNC_RETRY_INITIAL_S = 0.1
        settings.ADMINS = [("Ops", "ops@example.org")]
        standin.fail_next("WSA_Opole", status=503, times=1)  # a retried activity in the history
        client = await Client.connect(server.address)
        with DjangoActivityExecutor(max_workers=8) as pool:
            async with build_worker(client, "replay", pool):
                for name, run, arg in runs:
                    handle = await client.start_workflow(run, *([arg] if arg is not None else []),
                                                         id=f"replay-{name}", task_queue="replay",
                                                         **signals.get(name, {}))
                    await handle.result()
                    history = await handle.fetch_history()
                    path = out / f"{name}.json"
                    path.write_text(history.to_json())
                    written.append(path)
    return written


def _soon():
    from django.utils import timezone

    return timezone.now() + timedelta(hours=6)


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.support.record_histories [WorkflowType ...]``: every kind, or only the ones named."""
    only = sys.argv[1:] if argv is None else argv
    sys.path.insert(0, str(ROOT))
    from bench.env import cleanup, setup_django

    workdir = setup_django(None)
    try:
        OUT.mkdir(exist_ok=True)
        for path in asyncio.run(record(OUT, only or None)):
            print(f"recorded {path.relative_to(ROOT)}")
    finally:
        cleanup(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
