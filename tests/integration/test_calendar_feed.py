"""The staff calendar feed, walked through a real court scenario on copies of the real pages.

The court sync runs in-process (``run_court``) against the stand-in serving changed copies of
../shared/ewokanda, on a pinned spring_clock (the Temporal server would keep the real one). Every feed is read by
two independent parsers (tests/support/icalfeeds.py), which must agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from devtools.standin import StandIn
from poradnia.calendarfeed import tokens
from poradnia.calendarfeed.feed import site_host
from poradnia.cases.models import CaseStaff
from poradnia.judgements.models import Court, CourtSession
from poradnia.judgements.services import run_court
from poradnia.monitoring.pagestats import CourtPageLog
from tests.support import icalfeeds, pagecopies
from tests.support.courtdata import make_case, track
from tests.support.paths import SHARED

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")
KEY = "WSA_Bialystok"
# The pinned spring_clock: a few days before the spring DST switch (the last Sunday of March), so the hearings
# the scenario moves cross it.
PINNED = datetime(2027, 3, 22, 8, 0, tzinfo=WARSAW)


@pytest.fixture
def spring_clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(PINNED, tick=True) as traveller:
        yield traveller


@pytest.fixture
def real_page(spring_clock) -> bytes:
    """Białystok's real page, its first hearing two days after the pinned today."""
    path = SHARED / "pages" / f"{KEY}.html"
    if not path.exists():
        pytest.skip("../shared/ewokanda is not available")
    return pagecopies.starting(path.read_bytes(), datetime.now(WARSAW).date() + timedelta(days=2))


@pytest.fixture
def court_pages(settings, real_page: bytes) -> Iterator[StandIn]:
    with StandIn({KEY: real_page}) as server:
        settings.EWOKANDA_BASE_URL = server.base_url
        yield server


def singles(page: bytes) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """Signatures with exactly one hearing, not on the page's first day: (with an hour, without one)."""
    rows = [pagecopies.cells(r) for r in pagecopies.split(page).rows]
    counts: dict[str, int] = {}
    for cells in rows:
        counts[cells[0]] = counts.get(cells[0], 0) + 1
    first_day = rows[0][1]
    picked = [tuple(c[:3]) for c in rows[: len(rows) // 3] if counts[c[0]] == 1 and c[1] != first_day]
    return [p for p in picked if p[2]], [p for p in picked if not p[2]]


def sync() -> None:
    court = Court.objects.get(parser_key=KEY)
    run_court(court, pages=CourtPageLog(), dry_run=False, run_id=f"feed-{datetime.now(UTC).timestamp()}")


def local(day: str, hour: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour}").replace(tzinfo=WARSAW)


@dataclass
class Poll:
    status: int
    etag: str
    last_modified: str
    body: bytes

    @property
    def calendar(self) -> icalfeeds.Calendar:
        return icalfeeds.read(self.body)


def poll(url: str, **headers: str) -> Poll:
    response = Client().get(url.split("://", 1)[1].split("/", 1)[1].join(["/", ""]), **headers)
    body = b"".join(response) if response.status_code == 200 else b""
    if response.status_code in (200, 304):
        assert response["Cache-Control"] == "private, no-cache"
    if response.status_code == 200:
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Poll(response.status_code, response.get("ETag", ""), response.get("Last-Modified", ""), body)


def uid(session: CourtSession) -> str:
    return f"event-{session.event_id}@{site_host()}"


def test_a_court_scenario_reaches_the_feed(spring_clock, court_pages: StandIn, real_page: bytes, settings) -> None:
    timed, no_hour = singles(real_page)
    (moved_sig, moved_day, moved_time), (dropped_sig, dropped_day, dropped_time) = timed[0], timed[1]
    allday_sig, allday_day, _ = no_hour[0]
    mine = make_case("Kowalski przeciw SKO", staff=1)
    lawyer = mine.staff[0]
    lawyer.event_reminder_time = 3
    lawyer.save()
    for signature in (moved_sig, dropped_sig, allday_sig):
        track(mine.case, KEY, signature)
    other = make_case("Sprawa innego prawnika", staff=1)
    track(other.case, KEY, timed[2][0])
    url = tokens.feed_url(lawyer)
    assert url.startswith(settings.CALENDAR_FEED_BASE_URL.rstrip("/") + "/kalendarz/")

    sync()  # 1. the hearings are created
    sessions = {s.court_case.signature: s for s in CourtSession.objects.select_related("court_case", "event")}
    first = poll(url)
    cal = first.calendar
    assert cal.head["VERSION"] == "2.0" and cal.head["PRODID"] and cal.head["X-WR-CALNAME"] == (
        f"Poradnia: {lawyer.username}")
    assert cal.head["VTIMEZONE"] == ""  # instants are written in UTC
    assert set(cal.events) == {uid(sessions[s]) for s in (moved_sig, dropped_sig, allday_sig)}  # not the other case
    moved = cal.events[uid(sessions[moved_sig])]
    assert (moved.start, moved.end) == (local(moved_day, moved_time).astimezone(UTC),
                                        (local(moved_day, moved_time) + timedelta(hours=1)).astimezone(UTC))
    assert (moved.sequence, moved.status, moved.alarm) == (0, "CONFIRMED", timedelta(days=-3))
    assert moved.summary == f"Posiedzenie {moved_sig}, {sessions[moved_sig].court_case.court.name}"
    assert moved.location.startswith(sessions[moved_sig].court_case.court.name + ", Sala")
    assert "Skład sędziowski: " in moved.description and f"Sygnatura: {moved_sig}" in moved.description
    case_link = f"{settings.PORADNIA_BASE_URL}/sprawy/sprawa-{mine.case.pk}/"
    assert moved.url == case_link and case_link in moved.description
    allday = cal.events[uid(sessions[allday_sig])]
    assert (allday.start, allday.end) == (date.fromisoformat(allday_day),
                                          date.fromisoformat(allday_day) + timedelta(days=1))
    assert "godzina nie została podana" in allday.description

    # Unchanged: 304 by ETag and by date, before any body is built.
    assert poll(url, HTTP_IF_NONE_MATCH=first.etag).status == 304
    assert poll(url, HTTP_IF_MODIFIED_SINCE=first.last_modified).status == 304
    sync()  # the same page again changes nothing the feed publishes
    assert poll(url, HTTP_IF_NONE_MATCH=first.etag).status == 304

    # 2. One hearing moves a week on (across the DST switch), one is not listed any more.
    spring_clock.shift(timedelta(hours=1))
    new_day = (date.fromisoformat(moved_day) + timedelta(days=7)).isoformat()
    changed = pagecopies.drop(pagecopies.move(real_page, moved_sig, moved_day, moved_time, new_day, "12:30"),
                              dropped_sig, dropped_day, dropped_time)
    court_pages.set_page(KEY, changed)
    sync()
    second = poll(url, HTTP_IF_NONE_MATCH=first.etag, HTTP_IF_MODIFIED_SINCE=first.last_modified)
    assert second.status == 200 and second.etag != first.etag and second.last_modified != first.last_modified
    cal = second.calendar
    moved = cal.events[uid(sessions[moved_sig])]  # the same UID: the client moves its event
    assert moved.start == local(new_day, "12:30").astimezone(UTC) and moved.sequence == 1
    dropped = cal.events[uid(sessions[dropped_sig])]
    assert (dropped.status, dropped.sequence, dropped.alarm) == ("CANCELLED", 1, None)
    assert dropped.summary.startswith("[NIE NA WOKANDZIE] ")
    assert cal.events[uid(sessions[allday_sig])].sequence == 0
    assert moved.last_modified == dropped.last_modified > cal.events[uid(sessions[allday_sig])].last_modified

    # 3. The dropped hearing is listed again.
    spring_clock.shift(timedelta(hours=1))
    court_pages.set_page(KEY, pagecopies.move(real_page, moved_sig, moved_day, moved_time, new_day, "12:30"))
    sync()
    third = poll(url, HTTP_IF_NONE_MATCH=second.etag)
    assert third.status == 200
    dropped = third.calendar.events[uid(sessions[dropped_sig])]
    assert (dropped.status, dropped.sequence, dropped.alarm) == ("CONFIRMED", 2, timedelta(days=-3))
    assert dropped.start == local(dropped_day, dropped_time).astimezone(UTC)

    # 4. The court gives its result (the result sync writes it on the session, not on the event).
    spring_clock.shift(timedelta(hours=1))
    CourtSession.objects.filter(pk=sessions[allday_sig].pk).update(
        outcome="Oddalono skargę", judgment_url="https://orzeczenia.nsa.gov.pl/doc/ABC123",
        outcome_seen_at=datetime.now(UTC))
    fourth = poll(url, HTTP_IF_NONE_MATCH=third.etag)
    allday = fourth.calendar.events[uid(sessions[allday_sig])]
    assert allday.sequence == 1
    assert "Wynik: Oddalono skargę" in allday.description
    assert "Orzeczenie: https://orzeczenia.nsa.gov.pl/doc/ABC123" in allday.description
    assert poll(url, HTTP_IF_NONE_MATCH=fourth.etag).status == 304

    # 5. Taken off the case: its events leave the feed on the next poll.
    spring_clock.shift(timedelta(hours=1))
    CaseStaff.objects.filter(user=lawyer, case=mine.case).delete()
    fifth = poll(url, HTTP_IF_NONE_MATCH=fourth.etag, HTTP_IF_MODIFIED_SINCE=fourth.last_modified)
    assert fifth.status == 200 and fifth.calendar.events == {}
