"""Every e-mail kind as a real SMTP receiver gets it: dates in Polish words, never ISO, never 00:00 for a hearing
the court listed without an hour.

The clock is pinned (NOW) and every hearing is placed relative to it, so the test reads the same any day.
Bodies write "środa, 9 grudnia 2026 r., godz. 10:00", subjects "9.12.2026 10:00"; the block that repeats
the court's row writes the row's own date in words too.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from devtools.smtp import Received, SmtpReceiver
from poradnia.cases.models import Case, CaseStaff
from poradnia.cases.old_cases import OLD_CASES_KIND, queue_old_cases_reminder
from poradnia.events.models import Event
from poradnia.events.reminders import REMINDER_KIND, queue_event_reminders
from poradnia.judgements.models import Court, CourtCase
from poradnia.judgements.parser import SessionRow
from poradnia.judgements.sync import EMAIL_KIND, sync_court_rows
from poradnia.monitoring.alerts import ALERT_KIND, raise_alert
from poradnia.outbox.services import send_pending
from poradnia.users.models import User

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # the pinned clock every date below is built from
SIG, OTHER = "II SA/Op 5/26", "II SA/Op 99/26"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
LONG = re.compile(r"\b\w+, \d{1,2} \w+ \d{4} r\., (godz\. \d{1,2}:\d{2}|godzina nie została podana)")
SHORT = re.compile(r"\b\d{1,2}\.\d{2}\.\d{4}( \d{2}:\d{2})?\b")
MONTHS = ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września",
          "października", "listopada", "grudnia")


def local(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), WARSAW)


def row(signature: str, moment: datetime, hall: str) -> SessionRow:
    """A row as the parser builds it: the court's columns, the date as the page writes it (ISO)."""
    day = moment.astimezone(WARSAW)
    hour = "" if day.time() == time(0) else f"{day:%H:%M}"
    return SessionRow(signature=signature, time=moment,
                      description=f"Data: {day:%Y-%m-%d}\nGodz.: {hour}\nSala: {hall}\nSygnatura: {signature}")


def words(day: date) -> str:
    """"9 grudnia 2026 r." for the assertions (the weekday is CLDR's; not re-derived here)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year} r."


def short(moment: datetime) -> str:
    local_moment = moment.astimezone(WARSAW)
    return f"{local_moment.day}.{local_moment.month:02d}.{local_moment.year} {local_moment:%H:%M}"


def received(smtp: SmtpReceiver, kind: str) -> list[Received]:
    before = len(smtp.messages)
    assert send_pending(kinds=[kind]).failed == 0
    return smtp.messages[before:]


def read(message: Received) -> tuple[str, str, str]:
    return (message.subject.strip(), message.part("text/plain").replace("\r\n", "\n"),
            message.part("text/html").replace("\r\n", "\n"))


def assert_polish_dates(message: Received) -> None:
    subject, text, html = read(message)
    for part in (subject, text, html):
        assert not ISO_DATE.search(part), part
        assert "00:00" not in part and " UTC" not in part and " CET" not in part, part
    assert LONG.search(text) and LONG.search(html), text


@pytest.fixture
def staff_case(settings) -> Case:
    settings.ADMINS = [("Ops", "ops@example.org")]
    settings.CASE_EMAIL_TEMPLATE = "sprawa-%(id)s@porady.example.org"
    lawyer = User.objects.create_user("lawyer", "lawyer@example.org", is_staff=True, event_reminder_time=1)
    client = User.objects.create_user("client", "client@example.org")
    case = Case.objects.create(name="Kowalski v. Gmina", client=client, status="assigned")
    CaseStaff.objects.create(case=case, user=lawyer)
    return case


def test_every_hearing_notice_writes_its_dates_in_polish(smtp: SmtpReceiver, staff_case: Case) -> None:
    court = Court.objects.get(parser_key="WSA_Opole")
    CourtCase.objects.create(court=court, signature=SIG, case=staff_case, created_by=staff_case.client)
    CourtCase.objects.create(court=court, signature=OTHER, case=staff_case, created_by=staff_case.client)
    today = NOW.astimezone(WARSAW).date()
    first, no_hour_day, later = today + timedelta(days=8), today + timedelta(days=9), today + timedelta(days=15)
    hearing, no_hour = local(first, 10), local(no_hour_day)  # the court lists the second without an hour
    edge = row(OTHER, local(today + timedelta(days=1), 9), "1")  # the page's first day: it covers both hearings

    def run(*rows: SessionRow) -> list[Received]:
        sync_court_rows(court, [edge, *rows], now=NOW)
        return [m for m in received(smtp, EMAIL_KIND) if SIG in m.subject]  # OTHER only frames the page

    created = run(row(SIG, hearing, "5"), row(SIG, no_hour, "6"))
    assert len(created) == 2
    by_hour = {("godzina nie została podana" in read(m)[1]): m for m in created}
    subject, text, html = read(by_hour[False])
    assert subject.endswith(f"Wyznaczono posiedzenie: {SIG}, {short(hearing)}")
    assert "Termin: " in text and f"{words(first)}, godz. 10:00" in text and f"{words(first)}, godz. 10:00" in html
    assert re.search(rf"\nData: \w+, {words(first)}\n", text)  # the court's row repeats its date in words
    subject, text, html = read(by_hour[True])
    assert subject.endswith(f"Wyznaczono posiedzenie: {SIG}, {no_hour_day.day}.{no_hour_day.month:02d}."
                            f"{no_hour_day.year}")  # no hour in the subject either
    assert f"{words(no_hour_day)}, godzina nie została podana" in text

    [updated] = run(row(SIG, hearing + timedelta(minutes=30), "5"), row(SIG, no_hour, "6"))
    subject, text, _ = read(updated)
    assert subject.endswith(f"Zmiana posiedzenia: {SIG}, {short(hearing + timedelta(minutes=30))}")
    assert "Aktualny termin: " in text and f"{words(first)}, godz. 10:30 (wcześniej: " in text

    moved_to = local(later, 11, 15)
    [moved] = run(row(SIG, moved_to, "5"), row(SIG, no_hour, "6"), row(OTHER, local(later + timedelta(days=1), 9), "1"))
    subject, text, _ = read(moved)
    assert subject.endswith(f"Przeniesiono posiedzenie: {SIG}, z {short(hearing + timedelta(minutes=30))} na "
                            f"{short(moved_to)}")
    assert "Nowy termin: " in text and f"{words(later)}, godz. 11:15 (poprzednio: " in text

    [not_listed] = run(row(SIG, moved_to, "5"), row(OTHER, local(later + timedelta(days=1), 9), "1"))
    subject, text, _ = read(not_listed)
    assert "Posiedzenia nie ma na wokandzie" in subject
    assert "(termin: " in text and f"{words(no_hour_day)}, godzina nie została podana) nie ma już" in text
    assert "(sprawdzono: " in text

    [again] = run(row(SIG, moved_to, "5"), row(SIG, no_hour, "6"), row(OTHER, local(later + timedelta(days=1), 9), "1"))
    subject, text, _ = read(again)
    assert "Posiedzenie znów na wokandzie" in subject and f"{words(no_hour_day)}, godzina nie została podana" in text

    for message in [*created, updated, moved, not_listed, again]:
        assert_polish_dates(message)


def test_a_reminder_an_old_cases_count_and_an_alert_write_dates_in_polish(smtp: SmtpReceiver,
                                                                          staff_case: Case) -> None:
    when = local(NOW.astimezone(WARSAW).date(), 21, 30)  # tonight: within the lawyer's one-day lead
    Event.objects.create(case=staff_case, time=when, text="Termin na skargę", created_by=staff_case.client)
    queue_event_reminders(NOW)
    [reminder] = received(smtp, REMINDER_KIND)
    subject, text, _ = read(reminder)
    assert subject.endswith(f"({short(when)})") and "Kiedy: " in text and f"{words(when.date())}, godz. 21:30" in text
    assert_polish_dates(reminder)

    old = User.objects.create_user("manager", "manager@example.org", notify_old_cases=True)
    Case.objects.create(name="Stara", client=old, last_action=NOW - timedelta(days=10 * 365))
    queue_old_cases_reminder(NOW)
    [count] = received(smtp, OLD_CASES_KIND)
    subject, text, _ = read(count)
    assert subject.endswith(f"({'grudzień'} {NOW.year}): 1")  # the month on its own, as a calendar names it
    assert not ISO_DATE.search(subject + text) and f"1 grudnia {NOW.year - 6} r." in text

    raise_alert("job:health-check:failed", "health-check run ended failed", "boom", now=NOW)
    [alert] = received(smtp, ALERT_KIND)
    subject, text, _ = read(alert)
    assert re.search(rf"Pierwsze wystąpienie: \w+, {words(NOW.astimezone(WARSAW).date())}, godz\. 9:00", text)
    assert not ISO_DATE.search(subject + text)
