"""The calendar stays true: re-ordered, dropped, moved and returning hearings on copies of real pages.

Real dev server, real stand-in serving mutated copies of ../shared/ewokanda, real SMTP receiver. Every
scenario asserts the exact sessions, states, events, history and e-mails, and that one more run with
the same page changes nothing and sends nothing.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import Client

from devtools.smtp import SmtpReceiver
from devtools.standin import StandIn
from poradnia.events.models import Event, Reminder
from poradnia.judgements.models import Court, CourtSession, CourtSessionChange
from poradnia.judgements.sync import NOT_LISTED_PREFIX
from poradnia.monitoring.models import CourtPageStat, JobRun
from tests.support import pagecopies
from tests.support.courtdata import duplicates, make_case, track
from tests.support.dbthread import in_db_thread
from tests.support.paths import SHARED
from workflows.court_sessions import CourtSessionSyncInput, CourtSessionSyncWorkflow

pytestmark = pytest.mark.django_db(transaction=True)
WARSAW = ZoneInfo("Europe/Warsaw")
KEY = "WSA_Bialystok"
PAIR = "II SA/Bk 818/21"  # two hearings on one day: 09:45 and 14:00


@pytest.fixture
def page() -> bytes:
    """Białystok's real page, its first hearing the day after tomorrow (states depend on today)."""
    path = SHARED / "pages" / f"{KEY}.html"
    if not path.exists():
        pytest.skip("../shared/ewokanda is not available")
    return pagecopies.starting(path.read_bytes(), datetime.now(WARSAW).date() + timedelta(days=2))


@pytest.fixture
def page_server(settings, page: bytes) -> Iterator[StandIn]:
    with StandIn({KEY: page}) as server:
        settings.EWOKANDA_BASE_URL = server.base_url
        settings.COURT_SYNC_RETRY_INITIAL_S = 0.1
        settings.COURT_SYNC_RETRY_MAX_INTERVAL_S = 0.2
        settings.COURT_SYNC_MAX_ATTEMPTS = 2
        yield server


def single_hearing(page: bytes, *, within: float = 0.25) -> tuple[str, str, str]:
    """A signature with exactly one hearing, among the page's first rows (so a half page still covers it)."""
    rows = pagecopies.split(page).rows
    counts: dict[str, int] = {}
    for row in rows:
        cells = pagecopies.cells(row)
        counts[cells[0]] = counts.get(cells[0], 0) + 1
    first_day = pagecopies.cells(rows[0])[1]
    for row in rows[: int(len(rows) * within)]:
        sig, day, time = pagecopies.cells(row)[:3]
        if counts[sig] == 1 and day != first_day and time != "":
            return sig, day, time
    raise AssertionError("no single hearing found")


class Calendar:
    """The tracked case, and what the tests read back about it."""

    def __init__(self, signature: str) -> None:
        self.tracked = make_case(f"Sprawa {signature}", staff=1)
        self.court_case = track(self.tracked.case, KEY, signature)
        self.email = self.tracked.staff[0].email

    def sessions(self) -> list[tuple[str, int, str, str, bool]]:
        """(date, slot, state, event local time, event marked not listed) in (date, slot) order."""
        return [(s.date.isoformat(), s.slot, s.state, s.event.time.astimezone(WARSAW).strftime("%H:%M"),
                 s.event.text.startswith(NOT_LISTED_PREFIX))
                for s in CourtSession.objects.filter(court_case=self.court_case).select_related("event")]

    def history(self) -> list[tuple[str, str, str]]:
        """(kind, before local time, after local time) in order."""
        return [(c.kind, c.before.get("time", "")[:16], c.after.get("time", "")[:16])
                for c in CourtSessionChange.objects.filter(court_case=self.court_case)]


async def run(client: Client, task_queue: str) -> object:
    court_id = await in_db_thread(lambda: Court.objects.get(parser_key=KEY).pk)
    return await client.execute_workflow(CourtSessionSyncWorkflow.run, CourtSessionSyncInput(court_ids=[court_id]),
                                         id=f"calendar-{uuid.uuid4().hex[:8]}", task_queue=task_queue)


def subject(message) -> str:
    """The subject as a mail client shows it (a folded encoded-word header can start with a space)."""
    return " ".join(message.subject.split())


def subjects(smtp: SmtpReceiver, start: int = 0) -> list[str]:
    return [subject(m) for m in smtp.messages[start:]]


async def nothing_more(client: Client, task_queue: str, cal: Calendar, smtp: SmtpReceiver) -> None:
    """One more run on the same page: no change, no history, no e-mail."""
    before = (await in_db_thread(cal.sessions), await in_db_thread(cal.history), len(smtp.messages))
    again = await run(client, task_queue)
    assert (again.sessions_created, again.sessions_updated, again.sessions_not_listed, again.sessions_listed_again,
            again.sessions_moved, again.emails_sent) == (0, 0, 0, 0, 0, 0)
    assert (await in_db_thread(cal.sessions), await in_db_thread(cal.history), len(smtp.messages)) == before


def short(day: str, time: str) -> str:
    """A subject's moment, "9.12.2026 10:00"; a hearing listed without an hour is its day alone."""
    d = date.fromisoformat(day)
    return f"{d.day}.{d.month:02d}.{d.year}" + ("" if time == "00:00" else f" {time}")


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def assert_dates_in_words(smtp) -> None:
    """Every e-mail as received writes its dates in Polish words: no ISO date (not even in the court's row)."""
    for message in smtp.messages:
        for text in (subject(message), message.part("text/plain"), message.part("text/html")):
            assert not ISO_DATE.search(text), text


def at(day: str, time: str) -> str:
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=WARSAW).isoformat()[:16]


async def test_drop_the_earlier_of_a_same_day_pair_then_restore_it(
    run_worker, temporal_client: Client, task_queue: str, page_server: StandIn, page: bytes, smtp: SmtpReceiver
) -> None:
    cal = await in_db_thread(Calendar, PAIR)
    [(day, early), (_, late)] = pagecopies.find(page, PAIR)
    assert (early, late) == ("09:45", "14:00")
    async with run_worker():
        first = await run(temporal_client, task_queue)
        assert (first.status, first.sessions_created, first.emails_sent) == ("completed_success", 2, 2)
        assert first.bytes_fetched == len(page) and first.courts[0].bytes_fetched == len(page)
        assert await in_db_thread(cal.sessions) == [(day, 0, "listed", early, False), (day, 1, "listed", late, False)]
        session_ids = await in_db_thread(lambda: list(CourtSession.objects.values_list("pk", "event_id")))

        page_server.set_page(KEY, pagecopies.drop(page, PAIR, day, early))
        dropped = await run(temporal_client, task_queue)
        assert (dropped.sessions_created, dropped.sessions_updated, dropped.sessions_not_listed,
                dropped.emails_sent) == (0, 0, 1, 1)
        # The later hearing keeps its slot and its time; the earlier one is marked, never "updated" into it.
        assert await in_db_thread(cal.sessions) == [(day, 0, "not_listed", early, True),
                                                    (day, 1, "listed", late, False)]
        mail = smtp.messages[-1]
        assert mail.to == cal.email
        assert subject(mail) == (
            f"[Poradnia #{cal.tracked.case.pk}] Posiedzenia nie ma na wokandzie: {PAIR}, {short(day, early)}")
        assert "nie ma już na wokandzie" in mail.part("text/plain") and "[NIE NA WOKANDZIE]" in mail.part("text/plain")
        await nothing_more(temporal_client, task_queue, cal, smtp)

        page_server.set_page(KEY, page)
        restored = await run(temporal_client, task_queue)
        assert (restored.sessions_created, restored.sessions_listed_again, restored.emails_sent) == (0, 1, 1)
        assert await in_db_thread(cal.sessions) == [(day, 0, "listed", early, False), (day, 1, "listed", late, False)]
        assert await in_db_thread(lambda: list(CourtSession.objects.values_list("pk", "event_id"))) == session_ids
        assert subject(smtp.messages[-1]) == (
            f"[Poradnia #{cal.tracked.case.pk}] Posiedzenie znów na wokandzie: {PAIR}, {short(day, early)}")
        await nothing_more(temporal_client, task_queue, cal, smtp)
    assert await in_db_thread(cal.history) == [
        ("created", "", at(day, early)), ("created", "", at(day, late)),
        ("not_listed", at(day, early), ""), ("listed_again", at(day, early), at(day, early))]
    assert subjects(smtp) == [
        f"[Poradnia #{cal.tracked.case.pk}] Wyznaczono posiedzenie: {PAIR}, {short(day, early)}",
        f"[Poradnia #{cal.tracked.case.pk}] Wyznaczono posiedzenie: {PAIR}, {short(day, late)}",
        f"[Poradnia #{cal.tracked.case.pk}] Posiedzenia nie ma na wokandzie: {PAIR}, {short(day, early)}",
        f"[Poradnia #{cal.tracked.case.pk}] Posiedzenie znów na wokandzie: {PAIR}, {short(day, early)}",
    ]
    text = await in_db_thread(lambda: Event.objects.get(court_session__slot=0).text)
    assert not text.startswith(NOT_LISTED_PREFIX) and f"Sygnatura: {PAIR}" in text
    assert_dates_in_words(smtp)
    assert await in_db_thread(duplicates) == {"sessions": 0, "events": 0, "emails": 0}
    stats = await in_db_thread(lambda: list(CourtPageStat.objects.filter(court__parser_key=KEY, source="sync")
                                            .values_list("first_date", "last_date", "bytes_fetched")))
    assert stats[-1] == (pagecopies.first_date(page), max(
        date.fromisoformat(c[1]) for c in map(pagecopies.cells, pagecopies.split(page).rows)), len(page))
    summary = await in_db_thread(lambda: JobRun.objects.filter(job="court-session-parser").first().summary)
    assert summary["bytes_fetched"] == len(page)


async def test_a_moved_hearing_is_one_move_and_its_reminders_follow_it(
    run_worker, temporal_client: Client, task_queue: str, page_server: StandIn, page: bytes, smtp: SmtpReceiver
) -> None:
    signature, day, time = single_hearing(page)
    new_day = (date.fromisoformat(day) + timedelta(days=7)).isoformat()
    cal = await in_db_thread(Calendar, signature)
    async with run_worker():
        await run(temporal_client, task_queue)
        session = await in_db_thread(lambda: CourtSession.objects.get(court_case=cal.court_case))
        await in_db_thread(lambda: Reminder.objects.create(event_id=session.event_id, user=cal.tracked.staff[0]))

        page_server.set_page(KEY, pagecopies.move(page, signature, day, time, new_day, "12:30"))
        moved = await run(temporal_client, task_queue)
        assert (moved.sessions_created, moved.sessions_not_listed, moved.sessions_moved, moved.emails_sent) == (
            0, 0, 1, 1)
        after = await in_db_thread(lambda: CourtSession.objects.select_related("event").get(court_case=cal.court_case))
        assert (after.pk, after.event_id) == (session.pk, session.event_id)  # the same hearing, moved
        assert await in_db_thread(cal.sessions) == [(new_day, 0, "listed", "12:30", False)]
        assert after.event.time == datetime.fromisoformat(f"{new_day}T12:30").replace(tzinfo=WARSAW)
        # Reminded again before the new time, not never (a deactivated Reminder is re-sent).
        assert await in_db_thread(lambda: list(Reminder.objects.values_list("active", flat=True))) == [False]
        await nothing_more(temporal_client, task_queue, cal, smtp)
    assert await in_db_thread(cal.history) == [("created", "", at(day, time)),
                                               ("moved", at(day, time), at(new_day, "12:30"))]
    assert subjects(smtp) == [
        f"[Poradnia #{cal.tracked.case.pk}] Wyznaczono posiedzenie: {signature}, {short(day, time)}",
        f"[Poradnia #{cal.tracked.case.pk}] Przeniesiono posiedzenie: {signature}, "
        f"z {short(day, time)} na {short(new_day, '12:30')}",
    ]
    moved_text = smtp.messages[-1].part("text/plain")
    assert "Nowy termin: " in moved_text and ", godz. 12:30 (poprzednio: " in moved_text
    assert_dates_in_words(smtp)


async def test_a_hearing_missing_once_then_twice_with_two_runs_needed(
    run_worker, temporal_client: Client, task_queue: str, page_server: StandIn, page: bytes, smtp: SmtpReceiver,
    settings,
) -> None:
    settings.COURT_SESSION_MISSING_RUNS = 2
    signature, day, time = single_hearing(page)
    cal = await in_db_thread(Calendar, signature)
    without = pagecopies.drop(page, signature, day, time)
    listed = [(day, 0, "listed", time, False)]
    async with run_worker():
        await run(temporal_client, task_queue)
        page_server.set_page(KEY, without)
        once = await run(temporal_client, task_queue)  # one miss: not yet
        assert (once.sessions_not_listed, once.emails_sent, once.courts[0].sessions_missed) == (0, 0, 1)
        assert await in_db_thread(cal.sessions) == listed
        page_server.set_page(KEY, page)
        back = await run(temporal_client, task_queue)  # seen again: the count starts over
        assert (back.sessions_listed_again, back.emails_sent) == (0, 0)
        assert await in_db_thread(lambda: CourtSession.objects.get(court_case=cal.court_case).missed_runs) == 0

        page_server.set_page(KEY, without)
        first_miss = await run(temporal_client, task_queue)
        assert (first_miss.sessions_not_listed, first_miss.emails_sent) == (0, 0)
        second_miss = await run(temporal_client, task_queue)
        assert (second_miss.sessions_not_listed, second_miss.emails_sent) == (1, 1)
        assert await in_db_thread(cal.sessions) == [(day, 0, "not_listed", time, True)]
        await nothing_more(temporal_client, task_queue, cal, smtp)
    assert await in_db_thread(cal.history) == [("created", "", at(day, time)), ("not_listed", at(day, time), "")]
    assert subjects(smtp) == [
        f"[Poradnia #{cal.tracked.case.pk}] Wyznaczono posiedzenie: {signature}, {short(day, time)}",
        f"[Poradnia #{cal.tracked.case.pk}] Posiedzenia nie ma na wokandzie: {signature}, {short(day, time)}",
    ]


async def test_failed_cut_short_or_drifted_pages_mark_nothing(
    run_worker, temporal_client: Client, task_queue: str, page_server: StandIn, page: bytes, smtp: SmtpReceiver
) -> None:
    signature, day, time = single_hearing(page, within=0.1)
    cal = await in_db_thread(Calendar, signature)
    without = pagecopies.drop(page, signature, day, time)
    listed = [(day, 0, "listed", time, False)]
    async with run_worker():
        await run(temporal_client, task_queue)
        created = await in_db_thread(cal.history)

        page_server.set_page(KEY, without)
        page_server.fail_next(KEY, 503, times=10)  # every attempt of the run fails
        failed = await run(temporal_client, task_queue)
        assert (failed.status, failed.courts_failed, failed.emails_sent) == ("failed_all_courts", 1, 0)
        assert await in_db_thread(cal.sessions) == listed
        page_server.clear_faults()

        rows = len(pagecopies.split(page).rows)
        drifted = pagecopies.without_rows_of(without, rows // 10)  # well-formed, but far fewer rows: drift
        page_server.set_page(KEY, drifted)
        small = await run(temporal_client, task_queue)
        assert (small.sessions_not_listed, small.emails_sent, small.courts[0].page_complete) == (0, 0, False)
        assert await in_db_thread(cal.sessions) == listed
        assert await in_db_thread(lambda: CourtSession.objects.get(court_case=cal.court_case).missed_runs) == 0

        half = pagecopies.cut_in_half(without)  # a dropped connection: no </table>, later rows gone
        assert pagecopies.find(half, signature) == []
        page_server.set_page(KEY, half)
        cut = await run(temporal_client, task_queue)
        assert (cut.status, cut.sessions_not_listed, cut.emails_sent, cut.courts[0].page_complete) == (
            "completed_success", 0, 0, False)
        assert await in_db_thread(cal.sessions) == listed

        page_server.set_page(KEY, without)  # a complete page that does not list it: now it is gone
        gone = await run(temporal_client, task_queue)
        assert (gone.sessions_not_listed, gone.emails_sent) == (1, 1)
        assert await in_db_thread(cal.sessions) == [(day, 0, "not_listed", time, True)]
        await nothing_more(temporal_client, task_queue, cal, smtp)
    assert await in_db_thread(cal.history) == [*created, ("not_listed", at(day, time), "")]
    assert len(smtp.messages) == 2


async def test_a_deleted_event_is_recreated_and_notified_again(
    run_worker, temporal_client: Client, task_queue: str, page_server: StandIn, page: bytes, smtp: SmtpReceiver
) -> None:
    signature, day, time = single_hearing(page)
    cal = await in_db_thread(Calendar, signature)
    async with run_worker():
        await run(temporal_client, task_queue)
        old_event = await in_db_thread(lambda: CourtSession.objects.get(court_case=cal.court_case).event_id)
        await in_db_thread(lambda: Event.objects.filter(pk=old_event).delete())  # staff delete it
        again = await run(temporal_client, task_queue)
        assert (again.sessions_created, again.emails_sent) == (1, 1)
        await nothing_more(temporal_client, task_queue, cal, smtp)
    session = await in_db_thread(lambda: CourtSession.objects.get(court_case=cal.court_case))
    assert session.event_id != old_event and (session.slot, session.state) == (0, "listed")
    created = f"[Poradnia #{cal.tracked.case.pk}] Wyznaczono posiedzenie: {signature}, {short(day, time)}"
    assert subjects(smtp) == [created] * 2
    assert [k for k, _, _ in await in_db_thread(cal.history)] == ["created", "created"]


async def test_inline_runs_leave_the_same_calendar_as_workflow_runs(
    run_worker, temporal_client: Client, task_queue: str, page_server: StandIn, page: bytes, smtp: SmtpReceiver
) -> None:
    """The drop / restore scenario twice, once on Temporal and once with ``--inline``: the same calendar."""
    from django.core.management import call_command

    [(day, early), _] = pagecopies.find(page, PAIR)
    pages = [page, pagecopies.drop(page, PAIR, day, early), pagecopies.drop(page, PAIR, day, early), page]

    def snapshot(cal: Calendar) -> tuple:
        events = [(s.event.text, s.event.deadline, s.event.created_by.username)
                  for s in CourtSession.objects.filter(court_case=cal.court_case).select_related("event__created_by")]
        return cal.sessions(), events, cal.history()

    def forget(cal: Calendar) -> None:
        cal.tracked.case.delete()  # its court case, sessions, events and history go with it

    async def scenario(runner) -> tuple:
        cal = await in_db_thread(Calendar, PAIR)
        start = len(smtp.messages)
        for body in pages:
            page_server.set_page(KEY, body)
            await runner()
        mails = [subject(m).split("] ", 1)[1] for m in smtp.messages[start:]]
        state = (*await in_db_thread(snapshot, cal), mails)
        await in_db_thread(forget, cal)
        return state

    def inline() -> None:
        call_command("run_court_session_parser", "--inline", "--parser", KEY, stdout=io.StringIO())

    async with run_worker():
        on_temporal = await scenario(lambda: run(temporal_client, task_queue))
    in_process = await scenario(lambda: in_db_thread(inline))
    assert on_temporal == in_process
    sessions, _, history, mails = on_temporal
    assert [s[2] for s in sessions] == ["listed", "listed"] and [h[0] for h in history] == [
        "created", "created", "not_listed", "listed_again"]
    assert len(mails) == 4
