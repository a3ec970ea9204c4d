"""Test data for court-session runs: tracked cases, staff and pages."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import Client, WorkflowHandle

from devtools.audit import duplicate_counts as duplicates  # noqa: F401 - the tests' name for it
from devtools.standin import StandIn
from devtools.synthetic import generate_page, random_rows
from poradnia.cases.models import Case
from poradnia.judgements.models import Court, CourtCase
from poradnia.users.models import User
from workflows.court_sessions import CourtSessionSyncInput, CourtSessionSyncWorkflow

# Four courts of generated pages, for the fault tests that kill workers mid-run.
FOUR_COURTS = {"WSA_Opole": "Op", "WSA_Poznan": "Po", "WSA_Rzeszow": "Rz", "WSA_Szczecin": "Sz"}


@dataclass
class Tracked:
    case: Case
    staff: list[User]


def make_case(name: str = "Case", staff: int = 1) -> Tracked:
    client = User.objects.create_user(f"client-{User.objects.count()}", "client@example.org")
    case = Case.objects.create(name=name, client=client, status=Case.Status.ASSIGNED)
    # Hearing notices go to staff users (is_staff) only.
    members = [User.objects.create_user(f"lawyer-{User.objects.count()}", f"lawyer{User.objects.count()}@example.org",
                                        is_staff=True) for _ in range(staff)]
    case.staff.set(members)
    return Tracked(case, members)


def track(case: Case, parser_key: str, signature: str) -> CourtCase:
    return CourtCase.objects.create(court=Court.objects.get(parser_key=parser_key), signature=signature, case=case,
                                    created_by=case.client)


async def wait_for_running_activity(handle: WorkflowHandle, activity_prefix: str, timeout: float = 60) -> str:
    """Block until an activity whose id starts with the prefix is started on a worker; return its id."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        description = await handle.describe()
        for pending in description.raw_description.pending_activities:
            if pending.activity_id.startswith(activity_prefix) and pending.state == (
                    PendingActivityState.PENDING_ACTIVITY_STATE_STARTED):
                return pending.activity_id
        await asyncio.sleep(0.05)
    raise TimeoutError(f"no {activity_prefix}* activity started within {timeout}s")


async def downloading(standin: StandIn, court: str) -> None:
    """Until the court's page has been asked for (a page takes seconds at the test's bandwidth)."""
    while standin.request_count(court) == 0:
        await asyncio.sleep(0.02)


def upcoming_start() -> date:
    """The first hearing day of a generated page whose every hearing is still ahead: two days after today in
    Warsaw (by the test's clock), so that no hearing's day comes while the test runs. A hearing whose day has
    come has its court result recorded and told, which tests of crashes and duplicates do not count."""
    return timezone.localdate() + timedelta(days=2)


def synthetic_courts(courts: dict[str, str], *, rows: int = 400, tracked_per_court: int = 60,
                     seed: int = 0) -> tuple[dict[str, bytes], int]:
    """Generated pages for ``courts`` (parser key -> signature code) and a tracked case per court following
    some of its signatures; returns (pages, expected sessions)."""
    pages, expected = {}, 0
    for i, (key, code) in enumerate(courts.items()):
        page_rows = random_rows(rows, seed=seed + i, court_code=code, start=upcoming_start())
        pages[key] = generate_page(page_rows)
        tracked = make_case(f"{key} case", staff=1)
        signatures = set(sorted({r.signature for r in page_rows})[:tracked_per_court])
        for signature in signatures:
            track(tracked.case, key, signature)
        expected += sum(1 for r in page_rows if r.signature in signatures)
    return pages, expected


def four_courts() -> tuple[dict[str, bytes], int, list[int]]:
    """FOUR_COURTS' pages and tracked cases; returns (pages, expected sessions, court ids)."""
    pages, expected = synthetic_courts(FOUR_COURTS)
    return pages, expected, court_ids(*pages)


def court_ids(*keys: str) -> list[int]:
    return list(Court.objects.filter(parser_key__in=keys).values_list("pk", flat=True))


async def run_sync(client: Client, task_queue: str, job: CourtSessionSyncInput):
    return await client.execute_workflow(CourtSessionSyncWorkflow.run, job, id=f"court-{uuid.uuid4()}",
                                         task_queue=task_queue)
