"""Lookup on registration: a new court case gets its hearings within seconds, not after the nightly run.

When a CourtCase is created (admin, ORM or API), after its transaction commits, we signal-with-start
the court's CourtLookupWorkflow (workflows/court_lookup.py; started here by its type name, the app never
imports workflows/). One workflow id per court, so twenty registrations in a minute start one run.
If Temporal cannot be reached the registration still succeeds: a warning is logged and the nightly
run picks the case up.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from poradnia.contracts import LOOKUP_SIGNAL, LOOKUP_WORKFLOW, CourtLookupInput, CourtLookupRequest, lookup_workflow_id

from .models import CourtCase

log = logging.getLogger(__name__)


async def _signal_with_start(court_case_id: int, court_id: int, parser_key: str) -> str:
    from poradnia.temporal import connect

    client = await connect()
    handle = await client.start_workflow(
        LOOKUP_WORKFLOW,
        CourtLookupInput(court_id=court_id, parser_key=parser_key, quiet_s=settings.COURT_LOOKUP_QUIET_S,
                         max_wait_s=settings.COURT_LOOKUP_MAX_WAIT_S),
        id=lookup_workflow_id(parser_key),
        task_queue=settings.TEMPORAL_TASK_QUEUE,
        start_signal=LOOKUP_SIGNAL,
        start_signal_args=[CourtLookupRequest(court_case_id=court_case_id)],
        # Running: the signal joins it. Closed: a new run starts.
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
    return handle.id


def request_lookup(court_case_id: int, court_id: int, parser_key: str) -> bool:
    """Ask for a lookup of the court; False (and a warning) when Temporal cannot be reached in time.

    Runs the client in a thread of its own, so it works from sync code and from inside an event loop.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="court-lookup") as pool:
        future = pool.submit(asyncio.run, asyncio.wait_for(
            _signal_with_start(court_case_id, court_id, parser_key), settings.COURT_LOOKUP_START_TIMEOUT_S))
        try:
            workflow_id = future.result()
        except Exception as exc:  # noqa: BLE001 - the registration must succeed whatever Temporal does
            log.warning("court lookup for %s (court case %s) not started: %s: %s; the nightly run will cover it",
                        parser_key, court_case_id, type(exc).__name__, exc)
            return False
    log.info("court lookup %s requested for court case %s", workflow_id, court_case_id)
    return True


def _on_court_case_saved(sender: type[CourtCase], instance: CourtCase, created: bool, raw: bool = False,
                         **kwargs: object) -> None:
    if not created or raw or not settings.COURT_LOOKUP_ON_REGISTRATION or not instance.court.active:
        return  # an inactive court is not read by any run, the lookup neither
    court_case_id, court_id = instance.pk, instance.court_id
    parser_key = instance.court.parser_key
    # After commit: the run must be able to read the new court case.
    transaction.on_commit(lambda: request_lookup(court_case_id, court_id, parser_key))


def connect_signals() -> None:
    post_save.connect(_on_court_case_saved, sender=CourtCase, dispatch_uid="court-lookup-on-registration")
