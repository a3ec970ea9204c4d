"""Court calendar rules on the database, no Temporal: identity matching, co-parties, reminders, history, admin."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client as DjangoClient

from poradnia.cases.models import Case
from poradnia.dates import long_date
from poradnia.events.models import Event
from poradnia.events.reminders import queue_event_reminders
from poradnia.judgements.models import Court, CourtCase, CourtSession, CourtSessionChange
from poradnia.judgements.parser import SessionRow
from poradnia.judgements.sync import NOT_LISTED_PREFIX, selected_courts, sync_court_rows
from poradnia.outbox.models import OutboxEmail
from poradnia.users.models import User

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime.now(UTC)
DAY = (NOW.astimezone(WARSAW) + timedelta(days=10)).date()


def short(day: date, plus_days: int = 0) -> str:
    """A subject's day, "9.12.2026" (poradnia.dates' short form)."""
    day += timedelta(days=plus_days)
    return f"{day.day}.{day.month:02d}.{day.year}"
SIG = "II SA/Op 12/26"


def at(hour: int, minute: int = 0, day=DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WARSAW)


def row(hour: int, minute: int = 0, text: str = "", signature: str = SIG, day=DAY) -> SessionRow:
    return SessionRow(signature, at(hour, minute, day), text or f"Sygnatura: {signature}\nGodz.: {hour:02}:{minute:02}")


def new_case(name: str, lawyer: str) -> Case:
    client = User.objects.create_user(f"client-{name}")
    case = Case.objects.create(name=name, client=client, status=Case.Status.ASSIGNED)
    case.staff.set([User.objects.create_user(lawyer, f"{lawyer}@example.org", event_reminder_time=1, is_staff=True)])
    return case


def opole() -> Court:
    return Court.objects.get(parser_key="WSA_Opole")


def sync(rows: list[SessionRow], run: str = "run"):
    return sync_court_rows(opole(), rows, now=NOW, workflow_id=run, run_id=run)


def test_a_closed_sitting_added_before_a_hearing_is_a_new_session_not_a_shift() -> None:
    case = new_case("A", "anna")
    cc = CourtCase.objects.create(court=opole(), signature=SIG, case=case, created_by=case.client)
    sync([row(9, 45), row(14)])
    closed = row(0, text=f"Sygnatura: {SIG}\nRodzaj: niejawne")
    counts = sync([closed, row(9, 45), row(14)], "run-2")
    assert (counts.sessions_created, counts.sessions_updated, counts.sessions_unchanged) == (1, 0, 2)
    assert [(s.slot, s.event.time.astimezone(WARSAW).strftime("%H:%M")) for s in
            CourtSession.objects.filter(court_case=cc).order_by("slot").select_related("event")] == [
        (0, "09:45"), (1, "14:00"), (2, "00:00")]  # the new one takes the next free slot; none renumbered
    assert list(CourtSessionChange.objects.values_list("kind", flat=True)) == ["created"] * 3
    assert OutboxEmail.objects.count() == 3


def test_a_changed_hour_is_matched_to_the_closest_session() -> None:
    case = new_case("A", "anna")
    CourtCase.objects.create(court=opole(), signature=SIG, case=case, created_by=case.client)
    sync([row(9), row(14)])
    counts = sync([row(9), row(15, 30)], "run-2")
    assert (counts.sessions_updated, counts.sessions_created, counts.sessions_not_listed) == (1, 0, 0)
    change = CourtSessionChange.objects.get(kind="time_changed")
    assert (change.court_session.slot, change.before["time"][11:16], change.after["time"][11:16]) == (
        1, "14:00", "15:30")
    assert change.workflow_id == "run-2"
    body = OutboxEmail.objects.get(key__startswith="courtsession:updated").body
    assert f"{long_date(DAY)}, godz. 15:30 (wcześniej: {long_date(DAY)}, godz. 14:00)" in body


def test_co_parties_each_get_their_own_sessions_events_and_emails() -> None:
    first, second = new_case("Strona 1", "anna"), new_case("Strona 2", "bartek")
    CourtCase.objects.create(court=opole(), signature=SIG, case=first, created_by=first.client)
    CourtCase.objects.create(court=opole(), signature="ii sa/op  12/26", case=second, created_by=second.client)
    counts = sync([row(10)])
    assert counts.sessions_created == 2 and counts.emails_queued == 2
    assert sorted(Event.objects.values_list("case__name", flat=True)) == ["Strona 1", "Strona 2"]
    assert sorted(OutboxEmail.objects.values_list("to", flat=True)) == ["anna@example.org", "bartek@example.org"]
    assert len(set(OutboxEmail.objects.values_list("key", flat=True))) == 2
    sync([], "run-2")  # gone for both: each case is told once
    assert CourtSession.objects.filter(state="not_listed").count() == 0  # an empty page covers no dates
    sync([row(11, signature="II SA/Op 99/26")], "run-3")  # a page covering the day, without the hearing
    assert CourtSession.objects.filter(state="not_listed").count() == 2
    assert OutboxEmail.objects.filter(key__startswith="courtsession:not_listed").count() == 2


def test_a_not_listed_event_is_not_reminded_and_a_moved_one_is_reminded_at_its_new_time() -> None:
    case = new_case("A", "anna")
    CourtCase.objects.create(court=opole(), signature=SIG, case=case, created_by=case.client)
    # 20 hours ahead, whatever the hour now: inside the one-day lead (a fixed hour of the day is not).
    soon = (NOW + timedelta(hours=20)).astimezone(WARSAW)
    hearing = row(soon.hour, soon.minute, day=soon.date())
    other = row(soon.hour, soon.minute, signature="II SA/Op 99/26", day=soon.date())
    sync([hearing, other])
    session = CourtSession.objects.get()
    sync([other], "run-2")
    session.refresh_from_db()
    assert session.state == "not_listed" and session.event.text.startswith(NOT_LISTED_PREFIX)
    progress = queue_event_reminders(NOW)
    assert progress.sent == 0 and not OutboxEmail.objects.filter(kind="event_reminder").exists()
    sync([hearing, other], "run-3")  # listed again: reminded as usual
    assert queue_event_reminders(NOW).sent == 1


def test_held_sessions_are_never_touched() -> None:
    case = new_case("A", "anna")
    cc = CourtCase.objects.create(court=opole(), signature=SIG, case=case, created_by=case.client)
    past = (NOW.astimezone(WARSAW) - timedelta(days=3)).date()
    sync([row(10, day=past), row(10)])
    assert sorted(CourtSession.objects.filter(court_case=cc).values_list("state", flat=True)) == ["held", "listed"]
    counts = sync([row(12, day=past), row(10)], "run-2")  # the past hearing "changed": ignored
    assert (counts.sessions_updated, counts.sessions_created, counts.emails_queued) == (0, 0, 0)
    held = CourtSession.objects.get(court_case=cc, state="held")
    assert held.event.time == at(10, day=past)


def test_history_command_prints_a_signatures_changes() -> None:
    case = new_case("A", "anna")
    CourtCase.objects.create(court=opole(), signature=SIG, case=case, created_by=case.client)
    sync([row(9)], "wf-1")
    sync([row(11)], "wf-2")
    out = io.StringIO()
    call_command("view_court_sessions", "--history", "ii sa/op 12/26", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and lines[-1] == "2 changes"
    assert "created" in lines[0] and f"{DAY} 09:00" in lines[0] and "[wf-1]" in lines[0]
    assert "time_changed" in lines[1] and f"{DAY} 09:00 -> {DAY} 11:00" in lines[1] and "[wf-2]" in lines[1]


def test_nightly_selection_skips_courts_nobody_tracks() -> None:
    case = new_case("A", "anna")
    CourtCase.objects.create(court=opole(), signature=SIG, case=case, created_by=case.client)
    assert [c.parser_key for c in selected_courts()] == ["WSA_Opole"]
    assert len(selected_courts(parser_key="WSA_Gliwice")) == 1  # explicit choice still runs


@pytest.mark.postgres
def test_admin_duplicate_signature_is_a_form_error_and_a_co_party_is_allowed() -> None:
    admin_user = User.objects.create_superuser("admin", "admin@example.org", "pw")
    first, second = new_case("Strona 1", "anna"), new_case("Strona 2", "bartek")
    CourtCase.objects.create(court=opole(), signature=SIG, case=first, created_by=first.client)
    browser = DjangoClient()
    browser.force_login(admin_user)

    def add(case: Case, signature: str):
        return browser.post("/admin/judgements/courtcase/add/", {
            "court": opole().pk, "signature": signature, "case": case.pk, "created_by": admin_user.pk,
            "sessions-TOTAL_FORMS": "0", "sessions-INITIAL_FORMS": "0",
            "session_changes-TOTAL_FORMS": "0", "session_changes-INITIAL_FORMS": "0",
        })

    duplicate = add(first, "ii sa/op\u00a012/26")
    assert duplicate.status_code == 200
    assert "Ta sprawa już śledzi tę sygnaturę w tym sądzie." in duplicate.content.decode()
    assert CourtCase.objects.count() == 1
    co_party = add(second, "II SA/Op 12/26")
    assert co_party.status_code == 302, co_party.content.decode()[:2000]
    assert CourtCase.objects.filter(case=second).count() == 1


@pytest.mark.parametrize(("typed", "error"), [  # the admin's (Polish) words
    ("ß" * 100, "po ujednoliceniu jest za długa"),  # 100 typed, 200 in the key ("SS"): varchar(100) on PostgreSQL
    ("\ufdfa" * 6, "po ujednoliceniu jest za długa"),  # NFKC: 18 characters each
    ("\u200b\u200d\ufeff", "nie zawiera żadnych widocznych znaków"),  # stored empty, would never match a page
])
def test_admin_validates_the_signature_as_stored_not_as_typed(typed: str, error: str) -> None:
    admin_user = User.objects.create_superuser("admin", "admin@example.org", "pw")
    case = new_case("Strona 1", "anna")
    browser = DjangoClient()
    browser.force_login(admin_user)
    response = browser.post("/admin/judgements/courtcase/add/", {
        "court": opole().pk, "signature": typed, "case": case.pk, "created_by": admin_user.pk,
        "sessions-TOTAL_FORMS": "0", "sessions-INITIAL_FORMS": "0",
        "session_changes-TOTAL_FORMS": "0", "session_changes-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200 and error in response.content.decode()
    assert not CourtCase.objects.exists()
    with pytest.raises(ValidationError, match=error):  # nor by code: nothing stores what no page can match
        CourtCase.objects.create(court=opole(), signature=typed, case=case, created_by=case.client)


def test_runs_without_an_id_count_each_miss(settings) -> None:
    """``--inline`` passes no run id: every call is a run of its own, so two misses make it not listed."""
    settings.COURT_SESSION_MISSING_RUNS = 2
    case = new_case("A", "anna")
    CourtCase.objects.create(court=opole(), signature=SIG, case=case, created_by=case.client)
    other = row(8, signature="II SA/Op 99/26")
    sync_court_rows(opole(), [row(10), other], now=NOW)
    sync_court_rows(opole(), [other], now=NOW)
    assert CourtSession.objects.get().state == "listed"
    sync_court_rows(opole(), [other], now=NOW)
    assert CourtSession.objects.get().state == "not_listed"


def test_admin_court_case_page_lists_its_hearings_and_their_history() -> None:
    admin_user = User.objects.create_superuser("admin", "admin@example.org", "pw")
    case = new_case("A", "anna")
    cc = CourtCase.objects.create(court=opole(), signature=SIG, case=case, created_by=case.client)
    sync([row(9)], "wf-1")
    sync([row(11)], "wf-2")
    browser = DjangoClient()
    browser.force_login(admin_user)
    page = browser.get(f"/admin/judgements/courtcase/{cc.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Historia posiedzeń" in html and "zmiana godziny" in html and "wf-2" in html
    assert browser.get("/admin/judgements/courtsessionchange/?q=ii+sa%2Fop+12%2F26").status_code == 200


def test_several_moves_pair_each_hearing_with_the_nearest_new_date() -> None:
    case = new_case("A", "anna")
    cc = CourtCase.objects.create(court=opole(), signature=SIG, case=case, created_by=case.client)
    later = DAY + timedelta(days=10)
    sync([row(9), row(9, day=later)])
    first, second = (CourtSession.objects.get(court_case=cc, date=d).pk for d in (DAY, later))
    other = row(8, signature="II SA/Op 99/26", day=DAY - timedelta(days=1))  # the page starts before both
    counts = sync([other, row(9, day=later + timedelta(days=2)), row(9, day=DAY + timedelta(days=2))], "run-2")
    assert (counts.sessions_moved, counts.sessions_created, counts.sessions_not_listed) == (2, 0, 0)
    assert CourtSession.objects.get(pk=first).date == DAY + timedelta(days=2)
    assert CourtSession.objects.get(pk=second).date == later + timedelta(days=2)
    moved = OutboxEmail.objects.filter(key__startswith="courtsession:moved").values_list("subject", flat=True)
    assert sorted(moved) == sorted([
        f"[Poradnia #{case.pk}] Przeniesiono posiedzenie: {SIG}, z {short(DAY)} 09:00 na {short(DAY, 2)} 09:00",
        f"[Poradnia #{case.pk}] Przeniesiono posiedzenie: {SIG}, z {short(later)} 09:00 na {short(later, 2)} 09:00",
    ])
