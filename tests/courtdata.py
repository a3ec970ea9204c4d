"""Test data for court-session runs: tracked cases, staff and pages."""

from __future__ import annotations

from dataclasses import dataclass

from poradnia.cases.models import Case
from poradnia.judgements.audit import duplicate_counts
from poradnia.judgements.models import Court, CourtCase
from poradnia.users.models import User


@dataclass
class Tracked:
    case: Case
    staff: list[User]


def make_case(name: str = "Case", staff: int = 1) -> Tracked:
    client = User.objects.create_user(f"client-{User.objects.count()}", "client@example.org")
    case = Case.objects.create(name=name, client=client, status=Case.Status.ASSIGNED)
    members = [User.objects.create_user(f"lawyer-{User.objects.count()}", f"lawyer{User.objects.count()}@example.org")
               for _ in range(staff)]
    case.staff.set(members)
    return Tracked(case, members)


def track(case: Case, parser_key: str, signature: str) -> CourtCase:
    return CourtCase.objects.create(court=Court.objects.get(parser_key=parser_key), signature=signature, case=case,
                                    created_by=case.client)


def duplicates() -> dict[str, int]:
    """Counts that must all be zero after any run, however it was interrupted."""
    return duplicate_counts()
