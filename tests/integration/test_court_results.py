"""What the court decided: results and judgment links of tracked hearings, on copies of a real page.

Białystok's recorded page, its results removed and then put back, read by the run under a pinned clock
(time-machine) built from the page's own dates; a real stand-in serves the copies and a real SMTP
receiver takes the e-mails. Each scenario asserts the exact sessions, event texts, history rows and
e-mails, and that one more run records and sends nothing. The same scenario runs inline and through
Temporal, and both leave the same database.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client as DjangoClient
from temporalio.client import Client

from devtools.smtp import SmtpReceiver
from devtools.standin import StandIn
from poradnia.contracts import CourtSessionSyncInput
from poradnia.events.models import Event
from poradnia.judgements.models import Court, CourtSession, CourtSessionChange
from poradnia.judgements.sync import NOT_LISTED_PREFIX, cbosa_url
from poradnia.monitoring.models import JobRun
from poradnia.outbox.models import OutboxEmail
from poradnia.users.models import User
from tests.support import pagecopies
from tests.support.courtdata import Tracked, make_case, track
from tests.support.dbthread import in_db_thread
from tests.support.paths import SHARED
from workflows.court_sessions import CourtSessionSyncWorkflow

pytestmark = pytest.mark.django_db(transaction=True)
WARSAW = ZoneInfo("Europe/Warsaw")
KEY = "WSA_Bialystok"
DOC = "http://orzeczenia.nsa.gov.pl/doc/"
# Rows of the recorded page (signature, date, hour, the court's result, its judgment's document id).
QUASHED = ("II SA/Bk 668/21", "2021-11-30", "08:45", "Uchylono decyzję I i II instancji", "9C5376674A")
DISMISSED = ("II SA/Bk 424/21", "2021-11-30", "08:50", "Oddalono skargę", "5F8C4A25C8")
OFF_LIST = ("II SA/Bk 733/21", "2021-12-09", "09:00", "Zdjęto z wokandy", "")
EVENING = ("II SA/Bk 711/21", "2021-12-07", "09:00", "Oddalono skargę", "6EE63D814B")
ABSENT = ("I SA/Bk 454/21", "2021-12-01", "08:40", "Oddalono skargę", "EC90369387")


@pytest.fixture
def original() -> bytes:
    path = SHARED / "pages" / f"{KEY}.html"
    if not path.exists():
        pytest.skip("../shared/ewokanda is not available")
    return path.read_bytes()


@pytest.fixture
def court_page(settings, original: bytes) -> Iterator[StandIn]:
    with StandIn({KEY: original}) as server:
        settings.EWOKANDA_BASE_URL = server.base_url
        settings.COURT_SESSION_MISSING_RUNS = 1
        yield server


def warsaw(day: str, hour: str) -> datetime:
    """A Warsaw wall-clock moment (built through zoneinfo: DST-safe)."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(hour), tzinfo=WARSAW)


def days_after(row: tuple, days: int, hour: str = "23:10") -> datetime:
    """The nightly run's moment ``days`` after the row's hearing day (0: the evening of the hearing)."""
    return warsaw((date.fromisoformat(row[1]) + timedelta(days=days)).isoformat(), hour)


Runner = Callable[[datetime], object]


def inline(*args: str) -> SimpleNamespace:
    """``run_court_session_parser --inline``, as an operator runs it; its printed result, read back."""
    out = io.StringIO()
    call_command("run_court_session_parser", "--inline", *args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue(), object_hook=lambda fields: SimpleNamespace(**fields))


def inline_runner() -> Runner:
    def run(moment: datetime) -> object:
        with time_machine.travel(moment, tick=False):
            return inline("--parser", KEY)
    return run


def snapshot(cases: list[Tracked]) -> dict[str, list]:
    """The database as staff see it, without ids and run names: sessions, events, history and e-mails."""
    def name(case_id: int) -> str:
        return next(t.case.name for t in cases if t.case.pk == case_id)

    sessions = [(name(s.court_case.case_id), s.court_case.signature, s.date.isoformat(), s.slot, s.state, s.outcome,
                 s.judgment_url, s.outcome_seen_at.astimezone(WARSAW).isoformat() if s.outcome_seen_at else "",
                 s.event.time.astimezone(WARSAW).isoformat(), s.event.text)
                for s in CourtSession.objects.select_related("event", "court_case").order_by(
                    "court_case__signature", "court_case__case_id", "date", "slot")]
    history = [(name(c.court_case.case_id), c.signature, c.kind, c.before, c.after,
                c.created.astimezone(WARSAW).isoformat())
               for c in CourtSessionChange.objects.select_related("court_case").order_by(
                   "created", "signature", "court_case__case_id", "kind")]
    mails = sorted((m.to, m.subject, m.body) for m in OutboxEmail.objects.filter(kind="courtsession"))
    return {"sessions": sessions, "history": history, "mails": mails}


class Scenario:
    """Two Poradnia cases tracking the same court case, plus further tracked hearings, on one court's page."""

    def __init__(self) -> None:
        self.first = make_case("Skarżący A", staff=1)
        self.second = make_case("Skarżąca B", staff=2)
        track(self.first.case, KEY, QUASHED[0])
        track(self.second.case, KEY, QUASHED[0])  # co-parties: each case is told
        track(self.first.case, KEY, DISMISSED[0])
        track(self.first.case, KEY, OFF_LIST[0])

    @property
    def cases(self) -> list[Tracked]:
        return [self.first, self.second]

    def recipients(self, tracked: Tracked) -> list[str]:
        return [u.email for u in tracked.staff]


def event_text(row: tuple, outcome: str, link: str = "", open_matter: bool = False) -> str:
    """What the hearing's event says once the court gave its result (the row's description follows)."""
    lines = [f"Wynik: {outcome}"]
    if link:
        lines.append(f"Orzeczenie: {DOC}{link}")
    if open_matter:
        lines.append("Sprawa nie jest zakończona: nowy termin pojawi się w kalendarzu, gdy sąd go wyznaczy.")
    return "\n".join(lines) + "\n\n"


def session_of(signature: str, case: Tracked) -> CourtSession:
    return CourtSession.objects.select_related("event").get(court_case__signature=signature,
                                                            court_case__case=case.case)


def outcome_mails(smtp: SmtpReceiver, start: int) -> list[tuple[str, str]]:
    return sorted((m.to, " ".join(m.subject.split())) for m in smtp.messages[start:])


def play(run: Runner, court_page: StandIn, original: bytes, smtp: SmtpReceiver, scenario: Scenario) -> None:
    """Before the hearings, after them (link not yet published), a few days later (link), a correction."""
    ref = scenario.first.case.pk, scenario.second.case.pk
    start = len(smtp.messages)
    before = pagecopies.without_results(original)
    court_page.set_page(KEY, before)
    first = run(warsaw(QUASHED[1], "08:00") - timedelta(days=1))
    assert (first.sessions_created, first.outcomes_recorded) == (4, 0)
    created_texts = {s.pk: s.event.text for s in CourtSession.objects.select_related("event")}
    assert not any(t.startswith("Wynik") for t in created_texts.values())
    sent = len(smtp.messages)
    assert sent - start == 1 * 3 + 2 * 1  # created: the first case's lawyer thrice, the second case's two lawyers once

    # Results from earlier days, the judgment not yet published: two hearings held, one taken off the list.
    after = pagecopies.without_link(original, *QUASHED[:2])
    court_page.set_page(KEY, after)
    second = run(days_after(OFF_LIST, 2))
    assert (second.sessions_created, second.sessions_updated, second.outcomes_recorded) == (0, 0, 4)
    assert second.emails_sent == 3 + 1 + 1  # per result per recipient: the co-parties' three lawyers, then one each
    quashed_a, quashed_b = session_of(QUASHED[0], scenario.first), session_of(QUASHED[0], scenario.second)
    for session in (quashed_a, quashed_b):
        assert (session.state, session.outcome, session.judgment_url) == ("held", QUASHED[3], "")
        assert session.event.text == event_text(QUASHED, QUASHED[3]) + created_texts[session.pk]
    off = session_of(OFF_LIST[0], scenario.first)
    assert (off.state, off.outcome, off.judgment_url) == ("held", OFF_LIST[3], "")
    assert off.event.text == event_text(OFF_LIST, OFF_LIST[3], open_matter=True) + created_texts[off.pk]
    dismissed = session_of(DISMISSED[0], scenario.first)
    assert (dismissed.outcome, dismissed.judgment_url) == (DISMISSED[3], f"{DOC}{DISMISSED[4]}")
    assert dismissed.event.text == event_text(DISMISSED, DISMISSED[3], DISMISSED[4]) + created_texts[dismissed.pk]
    assert outcome_mails(smtp, sent) == sorted(
        [(to, f"[Poradnia #{ref[0]}] Wynik: {QUASHED[0]} – {QUASHED[3]} (posiedzenie 30.11.2021 08:45)")
         for to in scenario.recipients(scenario.first)]
        + [(to, f"[Poradnia #{ref[1]}] Wynik: {QUASHED[0]} – {QUASHED[3]} (posiedzenie 30.11.2021 08:45)")
           for to in scenario.recipients(scenario.second)]
        + [(to, f"[Poradnia #{ref[0]}] Wynik: {DISMISSED[0]} – {DISMISSED[3]} (posiedzenie 30.11.2021 08:50)")
           for to in scenario.recipients(scenario.first)]
        + [(to, f"[Poradnia #{ref[0]}] Wynik: {OFF_LIST[0]} – {OFF_LIST[3]} (posiedzenie 9.12.2021 09:00)")
           for to in scenario.recipients(scenario.first)])
    quashed_mail = next(m for m in smtp.messages[sent:] if QUASHED[0] in m.subject
                        and m.to == scenario.first.staff[0].email)
    text = quashed_mail.part("text/plain").replace("\r\n", "\n")
    assert text.startswith(f"Sąd podał na e-wokandzie wynik posiedzenia w sprawie {QUASHED[0]}:\n\n{QUASHED[3]}\n\n"
                           "Posiedzenie: wtorek, 30 listopada 2021 r., godz. 8:45\n")
    assert "Orzeczenie nie zostało jeszcze opublikowane" in text and cbosa_url(QUASHED[0]) in text
    assert cbosa_url(QUASHED[0]) == "https://orzeczenia.nsa.gov.pl/cbo/find?q=SYGNATURA+%5BII+SA%2FBk+668%2F21%5D"
    assert quashed_mail.message["Reply-To"] and f"#{ref[0]}" in quashed_mail.subject
    off_mail = next(m for m in smtp.messages[sent:] if OFF_LIST[0] in m.subject)
    assert "nowy termin pojawi się w kalendarzu sprawy, gdy sąd go wyznaczy" in off_mail.part("text/plain")
    # A hearing taken off the list ends in no judgment: its notice promises none.
    assert "Orzeczenie nie zostało jeszcze opublikowane" not in off_mail.part("text/plain")
    assert "Orzeczenie nie zostało jeszcze opublikowane" not in off_mail.part("text/html")
    sent = len(smtp.messages)

    again = run(days_after(OFF_LIST, 2, "23:40"))  # the same page once more: nothing to record or send
    assert (again.outcomes_recorded, again.sessions_updated, again.emails_sent) == (0, 0, 0)
    assert len(smtp.messages) == sent

    # The judgment published a few days after the result: one short e-mail of its own.
    court_page.set_page(KEY, pagecopies.with_result(original, *DISMISSED[:2], "Odrzucono skargę"))
    third = run(days_after(OFF_LIST, 5))
    assert (third.outcomes_recorded, third.emails_sent) == (3, 3 + 1)
    for session in (session_of(QUASHED[0], scenario.first), session_of(QUASHED[0], scenario.second)):
        assert (session.outcome, session.judgment_url) == (QUASHED[3], f"{DOC}{QUASHED[4]}")
        assert session.event.text == event_text(QUASHED, QUASHED[3], QUASHED[4]) + created_texts[session.pk]
    # ...and, the same night, the court corrected another hearing's result: told again, as a correction.
    dismissed = session_of(DISMISSED[0], scenario.first)
    assert (dismissed.outcome, dismissed.judgment_url) == ("Odrzucono skargę", f"{DOC}{DISMISSED[4]}")
    assert dismissed.event.text == event_text(DISMISSED, "Odrzucono skargę", DISMISSED[4]) + created_texts[dismissed.pk]
    assert outcome_mails(smtp, sent) == sorted(
        [(to, f"[Poradnia #{ref[0]}] Opublikowano orzeczenie: {QUASHED[0]} – {QUASHED[3]} "
              f"(posiedzenie 30.11.2021 08:45)") for to in scenario.recipients(scenario.first)]
        + [(to, f"[Poradnia #{ref[1]}] Opublikowano orzeczenie: {QUASHED[0]} – {QUASHED[3]} "
                f"(posiedzenie 30.11.2021 08:45)") for to in scenario.recipients(scenario.second)]
        + [(to, f"[Poradnia #{ref[0]}] Zmieniony wynik: {DISMISSED[0]} – Odrzucono skargę "
                f"(posiedzenie 30.11.2021 08:50)") for to in scenario.recipients(scenario.first)])
    judgment_mail = next(m for m in smtp.messages[sent:] if "Opublikowano" in m.subject)
    assert f"{DOC}{QUASHED[4]}" in judgment_mail.part("text/plain")
    corrected = next(m for m in smtp.messages[sent:] if "Zmieniony" in m.subject).part("text/plain")
    assert "Wcześniej e-wokanda podawała wynik: Oddalono skargę" in corrected
    assert f"Orzeczenie: {DOC}{DISMISSED[4]}" in corrected
    sent = len(smtp.messages)
    last = run(days_after(OFF_LIST, 6))
    assert (last.outcomes_recorded, last.emails_sent, len(smtp.messages)) == (0, 0, sent)


def expected_history(scenario: Scenario) -> list[tuple]:
    """(case name, signature, kind, before, after) of the results, in order."""
    a, b = scenario.first.case.name, scenario.second.case.name
    none = {"outcome": "", "judgment_url": ""}

    def got(outcome: str, link: str = "") -> dict:
        return {"outcome": outcome, "judgment_url": f"{DOC}{link}" if link else ""}

    return [
        (a, DISMISSED[0], "outcome", none, got(DISMISSED[3], DISMISSED[4])),
        (a, OFF_LIST[0], "outcome", none, got(OFF_LIST[3])),
        (a, QUASHED[0], "outcome", none, got(QUASHED[3])),
        (b, QUASHED[0], "outcome", none, got(QUASHED[3])),
        (a, DISMISSED[0], "outcome", got(DISMISSED[3], DISMISSED[4]), got("Odrzucono skargę", DISMISSED[4])),
        (a, QUASHED[0], "outcome", got(QUASHED[3]), got(QUASHED[3], QUASHED[4])),
        (b, QUASHED[0], "outcome", got(QUASHED[3]), got(QUASHED[3], QUASHED[4])),
    ]


def test_results_links_corrections_and_co_parties_inline(court_page: StandIn, original: bytes,
                                                         smtp: SmtpReceiver) -> None:
    scenario = Scenario()
    play(inline_runner(), court_page, original, smtp, scenario)
    history = [(c[0], c[1], c[2], c[3], c[4]) for c in snapshot(scenario.cases)["history"] if c[2] == "outcome"]
    assert sorted(history[:4], key=lambda c: (c[1], c[0])) == sorted(expected_history(scenario)[:4],
                                                                     key=lambda c: (c[1], c[0]))
    assert sorted(history[4:], key=lambda c: (c[1], c[0])) == sorted(expected_history(scenario)[4:],
                                                                     key=lambda c: (c[1], c[0]))
    assert {c[2] for c in snapshot(scenario.cases)["history"]} == {"created", "outcome"}  # no hearing changed
    run = JobRun.objects.filter(job="court-session-parser").order_by("started").last()
    assert run.summary["outcomes_recorded"] == 0  # the last run recorded nothing
    assert [r.summary["outcomes_recorded"] for r in JobRun.objects.filter(job="court-session-parser")
            .order_by("started")] == [0, 4, 0, 3, 0]

    # Where a hearing is shown: the admin's list and filter, the court case's history, the history command.
    admin = User.objects.create_superuser("admin", "admin@example.org", "pw")
    browser = DjangoClient()
    browser.force_login(admin)
    listing = browser.get("/admin/judgements/courtsession/?has_outcome=yes").content.decode()
    assert QUASHED[3] in listing and "Odrzucono skargę" in listing and ">9C5376674A<" in listing
    assert browser.get("/admin/judgements/courtsession/?has_outcome=no").content.decode().count(
        "/change/") == 0  # every tracked hearing here has its result
    court_case = CourtSession.objects.get(court_case__signature=DISMISSED[0]).court_case
    page = browser.get(f"/admin/judgements/courtcase/{court_case.pk}/change/").content.decode()
    assert "wynik" in page and "Odrzucono skargę" in page
    out = io.StringIO()
    call_command("view_court_sessions", "--history", DISMISSED[0].lower(), stdout=out)
    lines = out.getvalue().splitlines()
    prefix = f"{KEY}  {DISMISSED[0]}  case #{scenario.first.case.pk}  "
    assert [line.split(prefix)[1].rsplit("  [", 1)[0] for line in lines[:-1]] == [
        "created  - -> 2021-11-30 08:50",
        f"outcome  2021-11-30  - -> {DISMISSED[3]} <{DOC}{DISMISSED[4]}>",
        f"outcome  2021-11-30  {DISMISSED[3]} <{DOC}{DISMISSED[4]}> -> Odrzucono skargę <{DOC}{DISMISSED[4]}>",
    ]
    assert lines[-1] == "3 changes"


def test_a_result_on_the_evening_of_the_hearing_is_a_result_not_a_change(
    court_page: StandIn, original: bytes, smtp: SmtpReceiver
) -> None:
    lawyer = make_case("Wieczór", staff=1)
    track(lawyer.case, KEY, EVENING[0])
    run = inline_runner()
    court_page.set_page(KEY, pagecopies.without_results(original))
    run(days_after(EVENING, 0, "07:00"))  # the morning of the hearing: listed, no result yet
    session = session_of(EVENING[0], lawyer)
    listed_text = session.event.text
    assert session.state == "listed"
    court_page.set_page(KEY, pagecopies.without_link(original, *EVENING[:2]))
    evening = run(days_after(EVENING, 0))  # the nightly run, 23:10 of the hearing day
    assert (evening.sessions_updated, evening.outcomes_recorded, evening.emails_sent) == (0, 1, 1)
    session = session_of(EVENING[0], lawyer)
    assert (session.state, session.outcome, session.revision) == ("listed", EVENING[3], 1)
    assert session.outcome_seen_at == days_after(EVENING, 0)
    assert session.event.text == event_text(EVENING, EVENING[3]) + listed_text
    assert session.event.time == warsaw(EVENING[1], EVENING[2])  # the hour stays: no 00:00
    mail = smtp.messages[-1]
    assert " ".join(mail.subject.split()) == (
        f"[Poradnia #{lawyer.case.pk}] Wynik: {EVENING[0]} – {EVENING[3]} (posiedzenie 7.12.2021 09:00)")
    assert "Zmiana posiedzenia" not in mail.subject and "Zmieniła się" not in mail.part("text/plain")
    assert "wtorek, 7 grudnia 2021 r., godz. 9:00" in mail.part("text/plain")
    kinds = list(CourtSessionChange.objects.values_list("kind", flat=True))
    assert kinds == ["created", "outcome"]
    sent = len(smtp.messages)
    next_night = run(days_after(EVENING, 1))  # held now; the same result: nothing more
    assert (next_night.sessions_updated, next_night.outcomes_recorded, len(smtp.messages)) == (0, 0, sent)
    assert session_of(EVENING[0], lawyer).state == "held"


def test_a_closed_case_and_an_inactive_lawyer_are_not_told(court_page: StandIn, original: bytes,
                                                            smtp: SmtpReceiver) -> None:
    working, closed = make_case("Prowadzona", staff=2), make_case("Zamknięta", staff=1)
    track(working.case, KEY, EVENING[0])
    track(closed.case, KEY, EVENING[0])
    run = inline_runner()
    court_page.set_page(KEY, pagecopies.without_results(original))
    run(days_after(EVENING, -1))
    closed.case.status = closed.case.Status.CLOSED
    closed.case.save()
    User.objects.filter(pk=working.staff[1].pk).update(is_active=False)
    sent = len(smtp.messages)
    court_page.set_page(KEY, original)
    after = run(days_after(EVENING, 1))
    assert (after.outcomes_recorded, after.emails_sent) == (2, 1)  # both calendars follow the court
    assert [m.to for m in smtp.messages[sent:]] == [working.staff[0].email]
    assert session_of(EVENING[0], closed).outcome == EVENING[3]


def test_a_hearing_not_listed_when_its_result_appears(court_page: StandIn, original: bytes, smtp: SmtpReceiver) -> None:
    lawyer = make_case("Zniknęła", staff=1)
    track(lawyer.case, KEY, ABSENT[0])
    run = inline_runner()
    before = pagecopies.without_results(original)
    court_page.set_page(KEY, before)
    run(days_after(ABSENT, -2, "12:00"))
    created_text = session_of(ABSENT[0], lawyer).event.text
    court_page.set_page(KEY, pagecopies.drop(before, *ABSENT[:3]))
    gone = run(days_after(ABSENT, -1))
    assert gone.sessions_not_listed == 1
    session = session_of(ABSENT[0], lawyer)
    assert session.state == "not_listed" and session.event.text == NOT_LISTED_PREFIX + created_text
    court_page.set_page(KEY, original)  # back on the page days later, with its result and judgment
    back = run(days_after(ABSENT, 3))
    assert (back.outcomes_recorded, back.sessions_listed_again, back.emails_sent) == (1, 0, 1)
    session = session_of(ABSENT[0], lawyer)
    assert (session.state, session.outcome, session.judgment_url) == ("held", ABSENT[3], f"{DOC}{ABSENT[4]}")
    assert session.event.text == event_text(ABSENT, ABSENT[3], ABSENT[4]) + created_text  # the mark is gone
    assert [c.kind for c in CourtSessionChange.objects.all()] == ["created", "not_listed", "outcome"]
    assert " ".join(smtp.messages[-1].subject.split()) == (
        f"[Poradnia #{lawyer.case.pk}] Wynik: {ABSENT[0]} – {ABSENT[3]} (posiedzenie 1.12.2021 08:40)")
    assert run(days_after(ABSENT, 4)).emails_sent == 0


def test_a_dry_run_lists_the_results_it_would_record(court_page: StandIn, original: bytes) -> None:
    lawyer = make_case("Próba", staff=1)
    track(lawyer.case, KEY, QUASHED[0])
    court_page.set_page(KEY, pagecopies.without_results(original))
    inline_runner()(days_after(QUASHED, -1))
    court_page.set_page(KEY, original)
    with time_machine.travel(days_after(QUASHED, 1), tick=False):
        result = inline("--parser", KEY, "--dry-run")
    assert [(p.action, p.signature, p.date, p.time) for p in result.courts[0].planned] == [
        ("outcome", QUASHED[0], QUASHED[1], QUASHED[2])]
    assert result.outcomes_recorded == 1
    assert CourtSession.objects.get().outcome == "" and not CourtSessionChange.objects.filter(kind="outcome")


async def test_the_workflow_and_inline_leave_the_same_database(
    run_worker, temporal_client: Client, task_queue: str, court_page: StandIn, original: bytes, smtp: SmtpReceiver,
) -> None:
    scenario = await in_db_thread(Scenario)
    await in_db_thread(play, inline_runner(), court_page, original, smtp, scenario)
    inline = await in_db_thread(snapshot, scenario.cases)

    def wipe() -> None:
        CourtSessionChange.objects.all().delete()
        Event.objects.all().delete()  # and the sessions with them
        OutboxEmail.objects.all().delete()
    await in_db_thread(wipe)
    court_id = await in_db_thread(lambda: Court.objects.get(parser_key=KEY).pk)

    async with run_worker():
        def on_temporal(moment: datetime) -> object:
            # The activity reads this process's clock (time-machine); the Temporal server keeps its own.
            import asyncio

            async def go() -> object:
                return await temporal_client.execute_workflow(
                    CourtSessionSyncWorkflow.run, CourtSessionSyncInput(court_ids=[court_id]),
                    id=f"results-{uuid.uuid4().hex[:8]}", task_queue=task_queue)
            with time_machine.travel(moment, tick=True):
                return asyncio.run_coroutine_threadsafe(go(), loop).result(120)

        import asyncio
        loop = asyncio.get_running_loop()
        await in_db_thread(play, on_temporal, court_page, original, smtp, scenario)
    on_temporal_db = await in_db_thread(snapshot, scenario.cases)

    def without_seconds(db: dict[str, list]) -> dict[str, list]:
        # tick=True moves on from the pinned instant: times the run wrote itself differ by the run's duration.
        return {"sessions": [(*s[:7], s[7][:16], *s[8:]) for s in db["sessions"]],
                "history": [(*h[:5], h[5][:16]) for h in db["history"]], "mails": db["mails"]}
    assert without_seconds(on_temporal_db) == without_seconds(inline)


@pytest.mark.parametrize("language", ["pl", "en"])
def test_every_result_template_renders_in_both_languages(language: str) -> None:
    from poradnia.judgements.sync import OUTCOME_TEMPLATES
    from poradnia.mailtemplates import EmailTemplates

    case = make_case("Szablony").case
    context = {"case": case, "case_url": "https://poradnia.example/sprawy/1/", "replies_to_case": True,
               "signature": QUASHED[0], "court": "WSA w Białymstoku", "outcome": "Uchylono decyzję\nZasądzono koszty",
               "outcome_line": "Uchylono decyzję; Zasądzono koszty", "previous_outcome": "Oddalono skargę",
               "open": True, "judgment_url": f"{DOC}{QUASHED[4]}", "cbosa_url": cbosa_url(QUASHED[0]),
               "when": "wtorek, 30 listopada 2021 r., godz. 8:45", "when_short": "30.11.2021 08:45",
               "description": "Sygnatura: II SA/Bk 668/21\nSala: <1>"}
    for base in (OUTCOME_TEMPLATES, f"{OUTCOME_TEMPLATES}_judgment"):
        message = EmailTemplates.load(base, language).render(context)
        assert QUASHED[0] in message.subject and "\n" not in message.subject
        for body in (message.body, message.html_body):
            assert f"{DOC}{QUASHED[4]}" in body and "SYGNATURA" in body and "Uchylono decyzję" in body
        assert "Sala: &lt;1&gt;" in message.html_body or base.endswith("_judgment")  # court text is escaped
        assert ("wynik" if language == "pl" else "result") in (message.subject + message.body).lower()


def listed_with_subject_suffix(run: Runner, court_page: StandIn, original: bytes, lawyer: Tracked,
                               suffix: str) -> str:
    """QUASHED listed the day before its hearing, its stored subject line then given ``suffix``; the clean text."""
    track(lawyer.case, KEY, QUASHED[0])
    court_page.set_page(KEY, pagecopies.without_results(original))
    run(days_after(QUASHED, -1))
    session = session_of(QUASHED[0], lawyer)
    clean = session.event.text
    subject = next(line for line in clean.split("\n") if line.startswith("Przedmiot / Wynik: "))
    Event.objects.filter(pk=session.event_id).update(text=clean.replace(subject, f"{subject} {suffix}"))
    return clean


def test_a_hearing_stored_with_its_result_in_the_subject_is_told_the_result_not_a_change(
    court_page: StandIn, original: bytes, smtp: SmtpReceiver
) -> None:
    """Before results were read apart, the result was run into the subject line of the event's text. On the first
    night after the upgrade such a hearing must get the result e-mail, not a false "changed" one."""
    lawyer, run = make_case("Sprzed aktualizacji", staff=1), inline_runner()
    clean = listed_with_subject_suffix(run, court_page, original, lawyer, QUASHED[3])  # as the earlier parser did
    start = len(smtp.messages)

    court_page.set_page(KEY, pagecopies.without_link(original, *QUASHED[:2]))
    night = run(days_after(QUASHED, 0))  # the evening of the hearing: still listed
    assert (night.sessions_updated, night.outcomes_recorded, night.emails_sent) == (0, 1, 1)
    session = session_of(QUASHED[0], lawyer)
    assert session.outcome == QUASHED[3] and session.event.text == event_text(QUASHED, QUASHED[3]) + clean
    assert [" ".join(m.subject.split()) for m in smtp.messages[start:]] == [
        f"[Poradnia #{lawyer.case.pk}] Wynik: {QUASHED[0]} – {QUASHED[3]} (posiedzenie 30.11.2021 08:45)"]
    assert list(CourtSessionChange.objects.values_list("kind", flat=True)) == ["created", "outcome"]
    again = run(days_after(QUASHED, 1))
    assert (again.sessions_updated, again.outcomes_recorded, again.emails_sent) == (0, 0, 0)


def test_a_subject_that_really_changed_is_still_a_change(court_page: StandIn, original: bytes,
                                                         smtp: SmtpReceiver) -> None:
    """The rule above only forgives the result run into the subject: other text after it is a change."""
    lawyer, run = make_case("Zmiana tekstu", staff=1), inline_runner()
    listed_with_subject_suffix(run, court_page, original, lawyer, "dawniej")
    court_page.set_page(KEY, pagecopies.without_link(original, *QUASHED[:2]))
    night = run(days_after(QUASHED, 0))  # the evening of the hearing: still listed
    assert (night.sessions_updated, night.outcomes_recorded) == (1, 1)
