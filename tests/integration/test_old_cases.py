"""The monthly old-cases reminder and the daily session cleanup: rules, idempotence, a refusing recipient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from devtools.smtp import SmtpReceiver
from poradnia.cases.models import Case
from poradnia.cases.old_cases import OLD_CASES_KIND, old_cases_cutoff, queue_old_cases_reminder
from poradnia.outbox.models import OutboxEmail
from poradnia.outbox.services import send_pending
from poradnia.users.models import User
from poradnia.users.sessions import clear_expired_sessions

pytestmark = pytest.mark.django_db

# 00:30 on 1 March in Warsaw (CET, UTC+1) is still 28 February in UTC.
MARCH_IN_WARSAW = datetime(2025, 2, 28, 23, 30, tzinfo=UTC)


@pytest.fixture
def client_user() -> User:
    return User.objects.create_user("client")


def make_case(client: User, last_action: datetime) -> Case:
    case = Case.objects.create(name="Old", client=client)
    Case.objects.filter(pk=case.pk).update(last_action=last_action)  # bypass the default "now"
    return case


def subscriber(name: str) -> User:
    return User.objects.create_user(name, f"{name}@example.org", notify_old_cases=True)


def test_the_month_and_cutoff_follow_warsaw_not_utc(settings, client_user: User) -> None:
    settings.YEARS_TO_STORE_CASES = 6
    make_case(client_user, datetime(2019, 2, 28, 22, 59, tzinfo=UTC))  # 23:59 on 28 Feb in Warsaw
    make_case(client_user, datetime(2019, 2, 28, 23, 0, tzinfo=UTC))  # midnight 1 March in Warsaw: not old
    make_case(client_user, timezone.now())
    user = subscriber("manager")

    assert old_cases_cutoff(MARCH_IN_WARSAW) == datetime(2019, 2, 28, 23, 0, tzinfo=UTC)
    done = queue_old_cases_reminder(MARCH_IN_WARSAW)

    assert (done.month, done.count, done.queued) == ("2025-03", 1, 1)
    row = OutboxEmail.objects.get()
    assert row.key == f"old-cases:2025-03:{user.pk}" and row.kind == OLD_CASES_KIND and row.to == user.email
    assert row.subject.endswith("(marzec 2025): 1") and "piątek, 1 marca 2019 r." in row.body
    # An hour earlier it is still February in Warsaw: the cutoff is 1 February 2019 and nothing is old.
    earlier = queue_old_cases_reminder(MARCH_IN_WARSAW - timedelta(hours=1))
    assert (earlier.month, earlier.count, earlier.queued) == ("2025-02", 0, 0)


def test_the_retention_period_comes_from_the_setting(settings, client_user: User) -> None:
    make_case(client_user, datetime(2022, 1, 15, tzinfo=UTC))
    subscriber("manager")
    settings.YEARS_TO_STORE_CASES = 6
    assert queue_old_cases_reminder(MARCH_IN_WARSAW).count == 0
    settings.YEARS_TO_STORE_CASES = 2
    assert queue_old_cases_reminder(MARCH_IN_WARSAW).count == 1


def test_no_old_cases_means_no_email(client_user: User) -> None:
    make_case(client_user, timezone.now())
    subscriber("manager")

    done = queue_old_cases_reminder(timezone.now())

    assert (done.count, done.queued) == (0, 0)
    assert not OutboxEmail.objects.exists()


def test_only_subscribers_get_it_once_a_month(client_user: User, mailoutbox: list) -> None:
    make_case(client_user, datetime(2010, 1, 1, tzinfo=UTC))
    subscribers = {subscriber("anna"), subscriber("jan")}
    User.objects.create_user("lawyer", "lawyer@example.org")
    User.objects.create_user("former", "former@example.org", notify_old_cases=True, is_active=False)

    first = queue_old_cases_reminder(MARCH_IN_WARSAW)
    again = queue_old_cases_reminder(MARCH_IN_WARSAW + timedelta(days=3))
    send_pending(kinds=[OLD_CASES_KIND])
    next_month = queue_old_cases_reminder(MARCH_IN_WARSAW + timedelta(days=31))

    assert (first.queued, again.queued, next_month.queued) == (2, 0, 2)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in subscribers)


def test_a_refusing_recipient_does_not_stop_the_others(smtp: SmtpReceiver, client_user: User) -> None:
    make_case(client_user, datetime(2010, 1, 1, tzinfo=UTC))
    users = [subscriber(name) for name in ("anna", "bozena", "cezary")]
    smtp.handler.refuse.add("bozena@example.org")

    queue_old_cases_reminder(MARCH_IN_WARSAW)
    summary = send_pending(kinds=[OLD_CASES_KIND])

    assert (summary.sent, summary.failed) == (2, 1)
    assert sorted(m.to for m in smtp.messages) == ["anna@example.org", "cezary@example.org"]
    rows = {row.to: row for row in OutboxEmail.objects.all()}
    failed = rows["bozena@example.org"]
    assert failed.status == OutboxEmail.Status.FAILED and failed.key == f"old-cases:2025-03:{users[1].pk}"
    assert "550" in failed.last_error  # the server's refusal, kept for whoever fixes the address
    assert {rows[u.email].status for u in (users[0], users[2])} == {OutboxEmail.Status.SENT}
    [received] = [m for m in smtp.messages if m.to == "anna@example.org"]
    assert "Liczba spraw" in received.part("text/plain")
    assert "<strong>1</strong>" in received.part("text/html")


def test_session_cleanup_deletes_and_counts_expired_sessions() -> None:
    now = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
    expiries = [now - timedelta(days=30), now - timedelta(seconds=1), now - timedelta(days=1), now,
                now + timedelta(hours=1)]
    for i, expires in enumerate(expiries):
        Session.objects.create(session_key=f"s{i}", session_data="{}", expire_date=expires)

    assert clear_expired_sessions(now) == 3
    assert sorted(Session.objects.values_list("session_key", flat=True)) == ["s3", "s4"]
    assert clear_expired_sessions(now) == 0


def test_session_cleanup_without_database_sessions_reports_no_count(settings) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    Session.objects.create(session_key="s", session_data="{}", expire_date=timezone.now() - timedelta(days=1))

    assert clear_expired_sessions(timezone.now()) is None
    assert Session.objects.count() == 1  # not this engine's table
