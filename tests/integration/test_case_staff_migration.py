"""cases 0003: Case.staff goes through CaseStaff on the same table; existing rows keep today's behaviour."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from poradnia.cases.models import Case, CaseStaff
from poradnia.users.models import User

BEFORE = [("cases", "0002_initial")]


@pytest.mark.postgres  # a migration over existing rows
@pytest.mark.django_db(transaction=True)
def test_existing_staff_rows_survive_and_can_send_to_the_client() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldUser, OldCase = old.get_model("users", "User"), old.get_model("cases", "Case")
    client = OldUser.objects.create(username="client", email="client@example.org")
    lawyers = [OldUser.objects.create(username=f"lawyer{i}", email=f"lawyer{i}@example.org") for i in range(2)]
    case = OldCase.objects.create(name="Before the role", client=client)
    case.staff.add(*lawyers)
    other = OldCase.objects.create(name="Nobody", client=client)

    executor = MigrationExecutor(connection)  # a fresh loader sees the graph as applied now
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = CaseStaff.objects.filter(case_id=case.pk).order_by("user__username")
    assert [(r.user.username, r.can_send_to_client) for r in rows] == [("lawyer0", True), ("lawyer1", True)]
    assert set(Case.objects.get(pk=case.pk).staff.values_list("username", flat=True)) == {"lawyer0", "lawyer1"}
    assert not Case.objects.get(pk=other.pk).staff.exists()
    # Added without a role: can send, as before; the pair stays unique.
    volunteer = User.objects.create_user("volunteer")
    Case.objects.get(pk=other.pk).staff.add(volunteer)
    assert CaseStaff.objects.get(user=volunteer).can_send_to_client is True
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseStaff.objects.create(case_id=other.pk, user=volunteer, can_send_to_client=False)
