"""Who gets a calendar feed: tokens (wrong, rotated, inactive), the command, the "My calendar" page, polling.

Database and Django's test client, no court pages: events are made directly. The autumn_clock is pinned.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from poradnia.calendarfeed import feed, tokens
from poradnia.calendarfeed.feed import PAST_DAYS
from poradnia.calendarfeed.models import FeedSecret
from poradnia.cases.models import Case
from poradnia.events.models import Event
from poradnia.users.models import User
from tests.support import icalfeeds

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")
PINNED = datetime(2026, 10, 20, 9, 0, tzinfo=WARSAW)  # days before the autumn switch: the repeated hour


@pytest.fixture
def autumn_clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(PINNED, tick=True) as traveller:
        yield traveller


def path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def get(url: str, **headers: str):
    return Client().get(path(url), **headers)


def lawyer(name: str = "anna", **fields) -> User:
    return User.objects.create_user(name, f"{name}@example.org", is_staff=True, **fields)


def case_of(*staff: User, name: str = "Sprawa") -> Case:
    client = User.objects.create_user(f"client-{User.objects.count()}")
    case = Case.objects.create(name=name, client=client, status=Case.Status.ASSIGNED)
    case.staff.set(staff)
    return case


def event(case: Case, when: datetime, text: str = "Odpowiedź na skargę", **fields) -> Event:
    return Event.objects.create(case=case, time=when, text=text, created_by=case.client, **fields)


def uids(response) -> set[str]:
    assert response.status_code == 200
    return set(icalfeeds.read(b"".join(response)).events)


def test_every_refusal_is_the_same_404(autumn_clock) -> None:
    anna, bartek = lawyer("anna"), lawyer("bartek")
    event(case_of(anna, bartek), datetime.now(UTC) + timedelta(days=3))
    url, other = tokens.feed_url(anna), tokens.feed_url(bartek)
    assert get(url).status_code == 200
    token = path(url).rsplit("/", 1)[1].removesuffix(".ics")
    selector = token[:tokens.SELECTOR_LENGTH]
    wrong_verifier = url.replace(token, selector + ("A" if token[-1] != "A" else "B") * tokens.VERIFIER_LENGTH)
    wrong_selector = url.replace(token, "x" * tokens.SELECTOR_LENGTH + token[tokens.SELECTOR_LENGTH:])
    # Another user's selector with this user's verifier: the pair must match, not each half alone.
    crossed = url.replace(token, path(other).rsplit("/", 1)[1][:tokens.SELECTOR_LENGTH] + token[16:])
    malformed = url.replace(token, token[:-1])
    refused = [get(u) for u in (wrong_verifier, wrong_selector, crossed, malformed)]

    rotated = tokens.rotate(anna)
    assert rotated != url and get(rotated).status_code == 200
    refused.append(get(url))  # the old URL, at once

    anna.is_active = False
    anna.save()
    refused.append(get(rotated))
    assert get(other).status_code == 200
    bartek.is_staff = False  # left the team: no feed, as no hearing e-mails
    bartek.save()
    refused.append(get(other))

    assert {r.status_code for r in refused} == {404}
    assert {(r.content, r["Content-Type"]) for r in refused} == {(b"Not found\n", "text/plain; charset=utf-8")}
    assert all("ETag" not in r and "Last-Modified" not in r for r in refused)


def test_the_secret_is_random_and_only_its_hash_is_stored(autumn_clock) -> None:
    anna = lawyer()
    url = tokens.feed_url(anna)
    token = path(url).rsplit("/", 1)[1].removesuffix(".ics")
    secret = FeedSecret.objects.get(user=anna)
    assert len(bytes.fromhex(secret.nonce)) * 8 >= 128
    stored = {secret.selector, secret.nonce, secret.verifier_hash}
    assert token[tokens.SELECTOR_LENGTH:] not in stored and token not in stored
    assert tokens.feed_url(anna) == url  # shown again, unchanged


def test_a_user_with_no_cases_gets_an_empty_calendar(autumn_clock) -> None:
    response = get(tokens.feed_url(lawyer()))
    assert uids(response) == set()


def test_the_feed_holds_the_users_cases_from_ninety_days_back(autumn_clock) -> None:
    anna, bartek = lawyer("anna"), lawyer("bartek")
    now = datetime.now(UTC)
    mine = case_of(anna)
    recent_done = event(mine, now - timedelta(days=PAST_DAYS - 1), completed=True)
    too_old = event(mine, now - timedelta(days=PAST_DAYS + 1))
    # The repeated hour of the autumn switch: 02:30 happens twice; the first (summer) one, built via zoneinfo.
    repeated = event(mine, datetime(2026, 10, 25, 2, 30, tzinfo=WARSAW, fold=0), deadline=False)
    theirs = event(case_of(bartek), now + timedelta(days=1))
    cal = icalfeeds.read(b"".join(get(tokens.feed_url(anna))))
    host = "localhost"
    assert set(cal.events) == {f"event-{recent_done.pk}@{host}", f"event-{repeated.pk}@{host}"}
    assert f"event-{too_old.pk}@{host}" not in cal.events and f"event-{theirs.pk}@{host}" not in cal.events
    assert cal.events[f"event-{repeated.pk}@{host}"].start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    done = cal.events[f"event-{recent_done.pk}@{host}"]
    assert (done.status, done.alarm, done.summary) == ("CONFIRMED", None, "Termin: Odpowiedź na skargę")


def test_polling_answers_304_until_something_changes(autumn_clock) -> None:
    anna = lawyer(event_reminder_time=1)
    item = event(case_of(anna), datetime.now(UTC) + timedelta(days=5))
    url = tokens.feed_url(anna)
    first = get(url)
    assert first.status_code == 200
    assert get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert get(url, HTTP_IF_NONE_MATCH=f'"other", {first["ETag"]}').status_code == 304
    assert get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200

    with time_machine.travel(datetime.now(UTC), tick=False):  # a change within the first poll's second
        item.text = "Odpowiedź na skargę (pilne)"
        item.save()
        quick = get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert quick.status_code == 200 and quick["Last-Modified"] != first["Last-Modified"]

    autumn_clock.shift(timedelta(minutes=5))
    item.text = "Odpowiedź na skargę (przedłużony termin)"
    item.save()  # staff edit in the admin
    changed = get(url, HTTP_IF_NONE_MATCH=first["ETag"], HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    [read] = icalfeeds.read(b"".join(changed)).events.values()
    assert (read.sequence, read.summary) == (2, "Termin: Odpowiedź na skargę (przedłużony termin)")

    autumn_clock.shift(timedelta(minutes=5))
    anna.event_reminder_time = 7
    anna.save()  # the alarm is the user's: a new lead time is a new feed, not a new event version
    again = get(url, HTTP_IF_NONE_MATCH=changed["ETag"])
    assert again.status_code == 200
    [read] = icalfeeds.read(b"".join(again)).events.values()
    assert (read.sequence, read.alarm) == (2, timedelta(days=-7))


def test_a_304_builds_no_body_and_the_queries_do_not_grow_with_the_events(autumn_clock, monkeypatch) -> None:
    anna = lawyer()
    case = case_of(anna)
    now = datetime.now(UTC)
    for day in range(5):
        event(case, now + timedelta(days=day))
    url = tokens.feed_url(anna)
    get(url)

    def counted(**headers: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            get(url, **headers)
        return len(queries)

    few = counted()
    for day in range(60):
        event(case, now + timedelta(days=day, hours=1))
    etag = get(url)["ETag"]  # publishes the new events (first versions, in bulk)
    assert counted() == few

    monkeypatch.setattr(feed, "render", lambda state: pytest.fail("a 304 built the body"))
    assert get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_command_prints_the_url_and_rotates_it(autumn_clock) -> None:
    anna = lawyer()
    event(case_of(anna), datetime.now(UTC) + timedelta(days=1))

    def command(*args: str) -> str:
        out = io.StringIO()
        call_command("calendar_feed", *args, stdout=out)
        return out.getvalue().strip()

    url = command("anna")
    assert re.fullmatch(r"http://localhost:8000/kalendarz/[A-Za-z0-9_-]{59}\.ics", url)
    assert command("anna") == url and get(url).status_code == 200
    rotated = command("anna", "--rotate")
    assert rotated != url and get(url).status_code == 404 and get(rotated).status_code == 200
    with pytest.raises(Exception, match="no user 'nobody'"):
        command("nobody")


def test_my_calendar_page_shows_and_rotates_the_own_url_a_superuser_anyones(autumn_clock) -> None:
    anna, bartek = lawyer("anna"), lawyer("bartek")
    boss = User.objects.create_superuser("boss", "boss@example.org", "pw")
    browser = Client()
    browser.force_login(anna)
    page = browser.get("/admin/calendar/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<title>Mój kalendarz" in text and tokens.feed_url(anna) in text and "Zmień adres" in text
    assert 'href="/admin/calendar/"' in browser.get("/admin/").content.decode()  # linked from every admin page
    old = tokens.feed_url(anna)
    assert browser.post("/admin/calendar/").status_code == 302
    assert tokens.feed_url(anna) != old and get(old).status_code == 404
    # Nobody else's page, nor the list of feeds, for a staff user.
    assert browser.get(f"/admin/calendar/user/{bartek.pk}/").status_code == 403
    assert browser.post(f"/admin/calendar/user/{bartek.pk}/").status_code == 403
    assert browser.get("/admin/calendarfeed/feedsecret/").status_code == 403

    bartek_url = tokens.feed_url(bartek)
    browser.force_login(boss)
    assert bartek_url in browser.get(f"/admin/calendar/user/{bartek.pk}/").content.decode()
    assert browser.post(f"/admin/calendar/user/{bartek.pk}/").status_code == 302
    assert get(bartek_url).status_code == 404
    listing = browser.get("/admin/calendarfeed/feedsecret/").content.decode()
    assert f'href="/admin/calendar/user/{bartek.pk}/"' in listing and "pokaż lub zmień" in listing
    secrets = FeedSecret.objects.values_list("pk", flat=True)
    anna_url = tokens.feed_url(anna)
    listing = browser.post("/admin/calendarfeed/feedsecret/",
                           {"action": "rotate_selected", "_selected_action": list(secrets)})
    assert listing.status_code == 302 and get(anna_url).status_code == 404
