"""Event reminders: the legacy rules, the e-mails, idempotence, parallel runs and the query bound."""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from temporalio.testing import ActivityEnvironment

from activities.reminders import QueueEventRemindersInput
from activities.reminders import queue_event_reminders as queue_event_reminders_activity
from devtools.benchdata import create_reminder_dataset
from poradnia.cases.models import Case
from poradnia.events.models import Event, Reminder
from poradnia.events.reminders import REMINDER_KIND, ReminderProgress, queue_event_reminders
from poradnia.outbox.models import OutboxEmail
from poradnia.outbox.services import send_pending
from poradnia.users.models import User

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


def make_user(name: str, lead: int = 1, **fields: object) -> User:
    fields.setdefault("is_staff", True)  # case notifications go to staff users only
    return User.objects.create_user(name, f"{name}@example.org", event_reminder_time=lead, **fields)


def make_case(*staff: User, name: str = "Eviction") -> Case:
    client, _ = User.objects.get_or_create(username="client")
    case = Case.objects.create(name=name, client=client)
    case.staff.set(staff)
    return case


def make_event(case: Case, time: datetime, text: str = "Hearing", **fields: object) -> Event:
    return Event.objects.create(case=case, time=time, text=text, created_by=case.client, **fields)


def reminded() -> set[tuple[int, int]]:
    return set(Reminder.objects.values_list("event_id", "user_id"))


def queued_keys() -> set[str]:
    return set(OutboxEmail.objects.filter(kind=REMINDER_KIND).values_list("key", flat=True))


@pytest.mark.django_db
def test_every_candidate_event_is_processed_across_pages() -> None:
    lawyer = make_user("lawyer")
    events = [make_event(make_case(lawyer, name=f"Case {i}"), NOW + timedelta(hours=i + 1)) for i in range(5)]

    done = queue_event_reminders(NOW, page_size=2)

    assert (done.events, done.sent, done.skipped) == (5, 5, 0)
    assert done.last_event_id == events[-1].pk
    assert reminded() == {(e.pk, lawyer.pk) for e in events}
    assert queued_keys() == {f"reminder:{e.pk}:{lawyer.pk}" for e in events}


@pytest.mark.django_db
def test_lead_times_never_one_three_and_seven_days() -> None:
    users = {lead: make_user(f"lead{lead}", lead) for lead in (0, 1, 3, 7)}
    case = make_case(*users.values())
    at = {name: make_event(case, NOW + offset, text=name) for name, offset in {
        "past": -timedelta(days=2), "12h": timedelta(hours=12), "1d": timedelta(days=1),
        "2d": timedelta(days=2), "3d": timedelta(days=3), "5d": timedelta(days=5), "7d": timedelta(days=7),
    }.items()}

    queue_event_reminders(NOW)

    # Due when now + lead > time: an event exactly `lead` days ahead is not due yet.
    expected = {
        1: ["past", "12h"],
        3: ["past", "12h", "1d", "2d"],
        7: ["past", "12h", "1d", "2d", "3d", "5d"],
    }
    assert reminded() == {(at[name].pk, users[lead].pk) for lead, names in expected.items() for name in names}


@pytest.mark.django_db
def test_only_events_of_the_last_seven_days_are_candidates() -> None:
    lawyer = make_user("lawyer", 7)
    case = make_case(lawyer)
    recent = make_event(case, NOW - timedelta(days=6, hours=23))
    make_event(case, NOW - timedelta(days=7, minutes=1))

    done = queue_event_reminders(NOW)

    assert done.events == 1
    assert reminded() == {(recent.pk, lawyer.pk)}


@pytest.mark.django_db
def test_completed_events_are_skipped() -> None:
    lawyer = make_user("lawyer")
    make_event(make_case(lawyer), NOW + timedelta(hours=2), completed=True)

    done = queue_event_reminders(NOW)

    assert (done.sent, done.skipped) == (0, 1)
    assert reminded() == set() and queued_keys() == set()


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_user_is_reminded_once_across_two_runs(mailoutbox: list) -> None:
    lawyer = make_user("lawyer")
    event = make_event(make_case(lawyer), NOW + timedelta(hours=5))

    first = queue_event_reminders(NOW)
    assert send_pending(kinds=[REMINDER_KIND]).sent == 1
    second = queue_event_reminders(NOW + timedelta(hours=1))
    assert send_pending(kinds=[REMINDER_KIND]).sent == 0

    assert (first.sent, first.skipped) == (1, 0)
    assert (second.sent, second.skipped) == (0, 1)
    assert [m.to for m in mailoutbox] == [[lawyer.email]]
    assert Reminder.objects.get().event_id == event.pk


@pytest.mark.django_db
def test_management_users_are_reminded_of_cases_without_staff(mailoutbox: list) -> None:
    manager = make_user("manager", 3, notify_unassigned_letter=True)
    make_user("silent-manager", 0, notify_unassigned_letter=True)  # lead "never" still applies
    make_user("bystander", 7)
    lawyer = make_user("lawyer")
    unassigned = make_event(make_case(name="Nobody's"), NOW + timedelta(days=2))
    assigned = make_event(make_case(lawyer, name="Handled"), NOW + timedelta(hours=3))

    queue_event_reminders(NOW)
    send_pending(kinds=[REMINDER_KIND])

    assert reminded() == {(unassigned.pk, manager.pk), (assigned.pk, lawyer.pk)}
    by_recipient = {m.to[0]: m for m in mailoutbox}
    assert set(by_recipient) == {manager.email, lawyer.email}
    assert "nie ma przypisanego zespołu" in by_recipient[manager.email].body
    assert "nie ma przypisanego zespołu" not in by_recipient[lawyer.email].body


@pytest.mark.django_db
def test_inactive_users_and_users_without_address_are_not_recipients() -> None:
    make_user("manager", notify_unassigned_letter=True)
    gone = make_user("gone", is_active=False)
    mute = User.objects.create_user("mute", "", event_reminder_time=1, is_staff=True)
    make_event(make_case(gone, mute), NOW + timedelta(hours=3))

    done = queue_event_reminders(NOW)

    # Someone active on the case (mute, without an address) can send to the client: no management fallback.
    assert (done.sent, done.skipped) == (0, 0)
    assert reminded() == set()


@pytest.mark.django_db
def test_a_deactivated_reminder_is_sent_again_once(mailoutbox: list) -> None:
    lawyer = make_user("lawyer")
    event = make_event(make_case(lawyer), NOW + timedelta(hours=5))
    queue_event_reminders(NOW)
    Reminder.objects.update(active=False)  # e.g. the event was moved

    again = queue_event_reminders(NOW + timedelta(hours=1))
    third = queue_event_reminders(NOW + timedelta(hours=2))
    send_pending(kinds=[REMINDER_KIND])

    assert (again.sent, third.sent, third.skipped) == (1, 0, 1)
    assert Reminder.objects.get().active
    later = (NOW + timedelta(hours=1)).isoformat()
    assert queued_keys() == {f"reminder:{event.pk}:{lawyer.pk}", f"reminder:{event.pk}:{lawyer.pk}:{later}"}
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_email_names_case_text_and_polish_time_and_escapes_html(mailoutbox: list) -> None:
    lawyer = make_user("lawyer")
    case = make_case(lawyer, name="Kowalski v. Gmina")
    text = 'Rozprawa <script>alert("x")</script> & "sala 5"\ndruga linia'
    make_event(case, datetime(2025, 6, 2, 10, 0, tzinfo=UTC), text=text)

    queue_event_reminders(NOW)
    send_pending(kinds=[REMINDER_KIND])

    [message] = mailoutbox
    assert f"#{case.pk}" in message.subject and "\n" not in message.subject
    assert message.subject.startswith(f"[Poradnia #{case.pk}] Przypomnienie")
    assert text in message.body  # the text part is plain text: nothing escaped
    assert "Kiedy: poniedziałek, 2 czerwca 2025 r., godz. 12:00" in message.body  # 10:00 UTC in Warsaw, summer time
    assert "(2.06.2025 12:00)" in message.subject
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;sala 5&quot;<br>druga linia" in html
    assert "poniedziałek, 2 czerwca 2025 r., godz. 12:00" in html and "Kowalski v. Gmina" in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de"])
def test_email_falls_back_to_english(settings, language: str) -> None:
    settings.LANGUAGE_CODE = language
    lawyer = make_user("lawyer", 3)
    make_event(make_case(lawyer), datetime(2025, 1, 10, 9, 30, tzinfo=UTC), text="Appeal deadline")

    queue_event_reminders(datetime(2025, 1, 8, tzinfo=UTC))

    row = OutboxEmail.objects.get()
    assert row.subject.startswith(f"[Poradnia #{Event.objects.get().case_id}] Reminder: "
                                  "Appeal deadline")
    assert "Friday, 10 January 2025, at 10:30" in row.body and "account settings" in row.body
    assert 'lang="en"' in row.html_body


@pytest.mark.django_db
def test_resumes_from_heartbeat_details_after_a_retry() -> None:
    lawyer = make_user("lawyer")
    events = [make_event(make_case(lawyer, name=f"Case {i}"), NOW + timedelta(hours=1)) for i in range(5)]
    env = ActivityEnvironment()
    # What a previous attempt heartbeated after its second page, as the worker hands it back: a dict.
    env.info = replace(env.info, attempt=2, heartbeat_details=[
        asdict(ReminderProgress(last_event_id=events[1].pk, events=2, sent=2, skipped=0))])
    beats: list = []
    env.on_heartbeat = lambda *details: beats.append(details[0])

    done = env.run(queue_event_reminders_activity, QueueEventRemindersInput(now=NOW.isoformat(), page_size=2))

    assert reminded() == {(e.pk, lawyer.pk) for e in events[2:]}
    assert (done.events, done.sent, done.last_event_id) == (5, 5, events[-1].pk)
    assert [beat["last_event_id"] for beat in beats] == [events[3].pk, events[4].pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_runs_write_and_count_each_reminder_once() -> None:
    lawyers = [make_user(f"lawyer{i}") for i in range(4)]
    for i in range(120):
        case = make_case(lawyers[i % 4], lawyers[(i + 1) % 4], name=f"Case {i}")
        make_event(case, NOW + timedelta(hours=1))
    results: list[ReminderProgress] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait()
            results.append(queue_event_reminders(NOW, page_size=10))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert not errors
    assert sum(r.sent for r in results) == 240  # each reminder counted by exactly one of the runs
    assert sum(r.skipped for r in results) == 240  # ... and seen as done by the other
    assert Reminder.objects.count() == 240 and OutboxEmail.objects.count() == 240


@pytest.mark.postgres
@pytest.mark.django_db
def test_sql_queries_per_page_do_not_grow_with_the_number_of_events() -> None:
    page_size = 500
    # Per page: the events, their cases, their staff, the existing reminders, reactivations, the bulk
    # inserts (in batches by the backend's parameter limit) and the transaction; per run: management.
    per_page, per_run = 30, 5
    for events in (2_000, 10_000):
        Event.objects.all().delete()
        create_reminder_dataset(events, staff=200, now=NOW, seed=events)
        with CaptureQueriesContext(connection) as queries:
            done = queue_event_reminders(NOW, page_size=page_size)
        pages = math.ceil(events / page_size) + 1  # the last, empty page ends the run
        assert done.events == events and done.sent > events // 2
        assert len(queries) <= per_page * pages + per_run, (events, len(queries))
        assert len(queries) < events / 10  # nowhere near a query per event
