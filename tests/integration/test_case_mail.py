"""Who is told and what they are told: every e-mail kind received by a real SMTP server.

Case e-mails (event reminders, hearing created / updated) carry the case's Reply-To and From, its link
and a subject starting with the case reference; the outbox stores those headers so a retry sends the
same message; the reminder rule (staff, plus management when no one on the case can send to the
client); closed cases; inactive users and empty addresses; hostile texts escaped in HTML only.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from devtools.smtp import Received, SmtpReceiver
from devtools.synthetic import SyntheticRow, generate_page
from poradnia.cases.models import Case, CaseStaff
from poradnia.cases.old_cases import OLD_CASES_KIND, queue_old_cases_reminder
from poradnia.contracts import COURT_SESSIONS, HEALTH_CHECK, RunStatus
from poradnia.dates import long_datetime, short_datetime
from poradnia.events.models import Event, Reminder
from poradnia.events.reminders import REMINDER_KIND, queue_event_reminders
from poradnia.judgements.models import Court, CourtCase
from poradnia.judgements.parser import SessionRow
from poradnia.judgements.sync import EMAIL_KIND, sync_court_rows
from poradnia.monitoring.alerts import ALERT_KIND, raise_alert
from poradnia.monitoring.history import record_end
from poradnia.monitoring.mail import MAIL_DOWN_KEY, send_and_watch
from poradnia.monitoring.models import Alert, CourtPageStat
from poradnia.monitoring.pagestats import record_court_page
from poradnia.outbox.models import OutboxEmail
from poradnia.outbox.services import RelayUnavailable, TemporaryEmailError, enqueue, send_pending
from poradnia.users.models import User

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
WARSAW = ZoneInfo("Europe/Warsaw")
BASE = "https://porady.example.org"
SYSTEM = "poradnia@porady.example.org"
HOSTILE = '<script>alert("x")</script> {{ case.client.email }} {% now "Y" %} & „sala 5”\n' + "A" * 10_240


@pytest.fixture
def smtp(smtp: SmtpReceiver, settings) -> SmtpReceiver:
    """The shared receiver (tests/support/fixtures.py) with this module's case-mail settings."""
    settings.DEFAULT_FROM_EMAIL = SYSTEM
    settings.CASE_EMAIL_TEMPLATE = "sprawa-%(id)s@porady.example.org"
    settings.CASE_EMAIL_FROM = True
    settings.PORADNIA_BASE_URL = BASE + "/"
    settings.CASE_URL_PATH = "/sprawy/sprawa-%(id)s/"
    settings.ADMINS = [("Ops", "ops@example.org"), ("Nobody", "")]
    return smtp


def user(name: str, *, lead: int = 1, email: str | None = None, **fields: object) -> User:
    return User.objects.create_user(name, f"{name}@example.org" if email is None else email,
                                    event_reminder_time=lead, is_staff=True, **fields)


def case_with(*members: tuple[User, bool], name: str = "Kowalski v. Gmina", status: str = "assigned") -> Case:
    client, _ = User.objects.get_or_create(username="client", defaults={"email": "client@example.org"})
    case = Case.objects.create(name=name, client=client, status=status)
    for member, can_send in members:
        CaseStaff.objects.create(case=case, user=member, can_send_to_client=can_send)
    return case


def event(case: Case, text: str = "Termin na skargę kasacyjną", hours: int = 5) -> Event:
    return Event.objects.create(case=case, time=NOW + timedelta(hours=hours), text=text, created_by=case.client)


def send(kind: str) -> None:
    summary = send_pending(kinds=[kind])
    assert summary.failed == 0


def by_recipient(smtp: SmtpReceiver) -> dict[str, Received]:
    received = smtp.messages
    assert len({m.to for m in received}) == len(received), "someone got a message twice"
    return {m.to: m for m in received}


def subject(message: Received) -> str:
    # Django folds a long encoded Subject starting on the next line; the parser keeps that line's leading space.
    return message.subject.strip()


def parts(message: Received) -> tuple[str, str]:
    """The text and HTML bodies with SMTP's CRLF line ends back to LF."""
    return tuple(message.part(kind).replace("\r\n", "\n") for kind in ("text/plain", "text/html"))  # type: ignore[return-value]


def assert_case_mail(message: Received, case: Case, *, from_case: bool = True) -> None:
    address = f"sprawa-{case.pk}@porady.example.org"
    assert parseaddr(message.message["Reply-To"])[1] == address
    assert parseaddr(message.message["From"])[1] == (address if from_case else SYSTEM)
    assert subject(message).startswith(f"[Poradnia #{case.pk}] ")
    link = f"{BASE}/sprawy/sprawa-{case.pk}/"
    assert link in message.part("text/plain")
    assert f'href="{link}"' in message.part("text/html")


# --- every kind, as received ------------------------------------------------------------------------


def test_event_reminder_carries_the_case_address_link_and_reference(smtp: SmtpReceiver) -> None:
    lawyer = user("lawyer")
    case = case_with((lawyer, True))
    event(case)

    queue_event_reminders(NOW)
    send(REMINDER_KIND)

    [message] = smtp.messages
    assert message.to == lawyer.email
    assert_case_mail(message, case)
    assert subject(message).startswith(f"[Poradnia #{case.pk}] Przypomnienie: Termin na skargę kasacyjną")
    text = message.part("text/plain")
    assert "Odpowiedź na tę wiadomość trafi do akt sprawy." in text
    assert "zarządzająca" not in text


def hearing_rows(signature: str, time: datetime, description: str) -> list[SessionRow]:
    return [SessionRow(signature=signature, time=time, description=description)]


def test_hearing_created_and_updated_carry_the_case_address_link_and_reference(smtp: SmtpReceiver,
                                                                               now: datetime) -> None:
    lawyer = user("lawyer")
    case = case_with((lawyer, True))
    court = Court.objects.get(parser_key="WSA_Opole")
    CourtCase.objects.create(court=court, signature="II SA/Op 1/26", case=case, created_by=case.client)
    day = (now.astimezone(WARSAW) + timedelta(days=2)).date()  # still to come: a held hearing is not updated
    at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=WARSAW)

    sync_court_rows(court, hearing_rows("II SA/Op 1/26", at, "Sala: 5\nRodzaj: rozprawa"))
    sync_court_rows(court, hearing_rows("II SA/Op 1/26", at + timedelta(minutes=30), "Sala: 7\nRodzaj: rozprawa"))
    send(EMAIL_KIND)

    created, updated = smtp.messages
    for message in (created, updated):
        assert message.to == lawyer.email
        assert_case_mail(message, case)
    short, later = short_datetime(at, "pl"), short_datetime(at + timedelta(minutes=30), "pl")  # "3.12.2026 10:00"
    assert subject(created) == f"[Poradnia #{case.pk}] Wyznaczono posiedzenie: II SA/Op 1/26, {short}"
    assert subject(updated) == f"[Poradnia #{case.pk}] Zmiana posiedzenia: II SA/Op 1/26, {later}"
    words, later_words = long_datetime(at, "pl"), long_datetime(at + timedelta(minutes=30), "pl")
    assert f"Sąd wyznaczył posiedzenie w sprawie II SA/Op 1/26. Termin: {words}." in created.part("text/plain")
    assert "Sala: 7" in updated.part("text/plain") and (
        f"Aktualny termin: {later_words} (wcześniej: {words})") in updated.part("text/plain")


def test_case_from_switch_and_empty_case_template(smtp: SmtpReceiver, settings) -> None:
    lawyer = user("lawyer")
    case = case_with((lawyer, True))
    event(case)
    settings.CASE_EMAIL_FROM = False
    queue_event_reminders(NOW)
    send(REMINDER_KIND)
    assert_case_mail(smtp.messages[0], case, from_case=False)

    other = case_with((lawyer, True), name="Second")
    event(other)
    settings.CASE_EMAIL_TEMPLATE = ""  # no case mailboxes: everything from and to the system address
    queue_event_reminders(NOW)
    send(REMINDER_KIND)
    second = smtp.messages[1]
    assert parseaddr(second.message["From"])[1] == parseaddr(second.message["Reply-To"])[1] == SYSTEM
    assert "trafi do akt sprawy" not in second.part("text/plain")  # a reply would not reach the case


def test_alert_is_rendered_from_templates_to_admins_with_an_address(smtp: SmtpReceiver) -> None:
    raise_alert("court:WSA_Opole:parse", "WSA_Opole: page cannot be parsed", HOSTILE, now=NOW)
    send(ALERT_KIND)

    [message] = smtp.messages  # ("Nobody", "") in ADMINS is not mailed
    assert message.to == "ops@example.org"
    assert subject(message) == "[Poradnia błąd] WSA_Opole: page cannot be parsed"
    assert parseaddr(message.message["From"])[1] == SYSTEM and message.message["Reply-To"] is None
    assert_hostile_text_safe(message)
    assert "Liczba wystąpień: 1" in message.part("text/plain")


def test_a_retry_sends_the_stored_headers(smtp: SmtpReceiver, settings) -> None:
    lawyer = user("lawyer")
    case = case_with((lawyer, True))
    event(case)
    queue_event_reminders(NOW)
    row = OutboxEmail.objects.get()
    assert row.headers["Reply-To"] == f'"Poradnia, sprawa #{case.pk}" <sprawa-{case.pk}@porady.example.org>'
    assert row.headers["Message-ID"]

    smtp.stop()  # the first attempt fails: the row stays pending
    with pytest.raises(TemporaryEmailError):
        send_pending(kinds=[REMINDER_KIND])
    smtp.start()
    settings.CASE_EMAIL_TEMPLATE = "changed-%(id)s@elsewhere.example.org"  # changed between the attempts
    settings.DEFAULT_FROM_EMAIL = "changed@elsewhere.example.org"
    send(REMINDER_KIND)

    [message] = smtp.messages
    assert_case_mail(message, case)
    assert message.message["Message-ID"] == row.headers["Message-ID"]


def test_a_deferred_row_is_retried_with_its_stored_headers(smtp: SmtpReceiver, settings) -> None:
    """A 4xx to the recipient defers the row; its later attempt sends the headers stored at the first."""
    lawyer = user("lawyer")
    case = case_with((lawyer, True))
    event(case)
    court = Court.objects.get(parser_key="WSA_Opole")
    CourtCase.objects.create(court=court, signature="II SA/Op 4/26", case=case, created_by=case.client)
    queue_event_reminders(NOW)
    sync_court_rows(court, hearing_rows("II SA/Op 4/26", datetime(2026, 12, 4, 9, 0, tzinfo=WARSAW), "Sala: 5"))
    raise_alert("court:WSA_Opole:parse", "WSA_Opole: page cannot be parsed", "x", now=NOW)
    stored = dict(OutboxEmail.objects.values_list("kind", "headers"))
    assert set(stored) == {REMINDER_KIND, EMAIL_KIND, ALERT_KIND}

    smtp.handler.replies = {lawyer.email: "452 4.2.2 Mailbox full", "ops@example.org": "451 4.3.0 Try later"}
    first = send_pending()
    assert (first.sent, first.failed) == (0, 0)
    assert all(row.status == OutboxEmail.Status.PENDING and row.attempts == 1 and row.next_attempt_at
               for row in OutboxEmail.objects.all())
    assert smtp.messages == []

    settings.CASE_EMAIL_TEMPLATE = "changed-%(id)s@elsewhere.example.org"
    settings.CASE_EMAIL_FROM = False
    settings.DEFAULT_FROM_EMAIL = "changed@elsewhere.example.org"
    smtp.handler.replies = {}
    OutboxEmail.objects.update(next_attempt_at=timezone.now())  # the retry delay has passed
    assert send_pending().sent == 3

    received = {m.message["Message-ID"]: m for m in smtp.messages}
    assert len(received) == 3
    for kind, headers in stored.items():
        message = received[headers["Message-ID"]]
        assert message.message["From"] == headers["From"] and message.message["Reply-To"] == headers.get("Reply-To")
        if kind == ALERT_KIND:
            assert parseaddr(message.message["From"])[1] == SYSTEM
        else:
            assert_case_mail(message, case)


# --- alerts: Polish wording for every kind, English fallback ---------------------------------------


def raise_every_alert_kind(smtp: SmtpReceiver, *, signature: str = "II SA/Op 9/26", error: str = "ParseError: x",
                           details: str = "RuntimeError: boom") -> set[str]:
    """Each alert the code raises, through the functions that raise it; returns their dedupe keys."""
    court = Court.objects.get(parser_key="WSA_Opole")
    record_end(job=COURT_SESSIONS.id, workflow_id="wf-1", run_id="run-1", started=NOW, finished=NOW,
               status=RunStatus.FAILED_ALL, summary={}, error=details)
    record_end(job=HEALTH_CHECK.id, workflow_id="wf-2", run_id="run-2", started=NOW, finished=NOW,
               status=RunStatus.FAILED, summary={}, error=details)
    record_court_page(court=court, run_id="r1", source=CourtPageStat.Source.MONITOR, now=NOW, ok=False, error=error)
    CourtPageStat.objects.create(court=court, run_id="r0", source=CourtPageStat.Source.MONITOR,
                                 created=NOW - timedelta(days=7), ok=True, rows_seen=120)
    record_court_page(court=court, run_id="r2", source=CourtPageStat.Source.MONITOR, now=NOW, ok=True, rows_seen=3)
    record_court_page(court=court, run_id="r3", source=CourtPageStat.Source.SYNC, now=NOW, ok=True, rows_seen=119,
                      unreadable=[signature])
    enqueue(key="pending", kind=OLD_CASES_KIND, to="someone@example.org", subject="s", body="b")
    smtp.stop()
    with pytest.raises(RelayUnavailable):
        send_and_watch(kinds=[OLD_CASES_KIND])
    smtp.start()
    send(ALERT_KIND)
    return set(Alert.objects.values_list("dedupe_key", flat=True))


ENGLISH_LEFTOVERS = ("cannot", "page has", "run ended", "rows", "hearing", "not going out", "Check", "listed", "lists")


def test_every_alert_kind_reads_in_polish(smtp: SmtpReceiver) -> None:
    keys = raise_every_alert_kind(smtp)

    # The dedupe keys (and the admin's English record) are the monitoring code's, unchanged.
    assert keys == {f"job:{COURT_SESSIONS.id}:failed", f"job:{HEALTH_CHECK.id}:failed", "court:WSA_Opole:parse",
                    "court:WSA_Opole:drift", "court:WSA_Opole:row:II SA/OP 9/26", MAIL_DOWN_KEY}
    assert Alert.objects.get(dedupe_key="court:WSA_Opole:parse").title == "WSA_Opole: page cannot be parsed"
    received = {subject(m): m for m in smtp.messages}
    court = "Wojewódzki Sąd Administracyjny w Opolu"
    assert set(received) == {
        "[Poradnia błąd] Zadanie „synchronizacja wokand” (court-session-parser) nie powiodło się w żadnym sądzie",
        "[Poradnia błąd] Zadanie „kontrola działania systemu” (health-check) nie powiodło się",
        "[Poradnia błąd] WSA_Opole: nie można odczytać strony wokandy",
        "[Poradnia ostrzeżenie] WSA_Opole: liczba posiedzeń na stronie: 3 (poprzednio 120, 24.11.2026 09:00)",
        "[Poradnia błąd] WSA_Opole: nie można odczytać posiedzenia w sprawie II SA/Op 9/26",
        "[Poradnia błąd] E-maile nie są wysyłane",
    }
    for title, message in received.items():
        assert message.to == "ops@example.org"
        assert parseaddr(message.message["From"])[1] == SYSTEM
        text, html = parts(message)
        assert f"Alert zadań w tle Poradni: {title.partition('] ')[2]}" in text
        for leftover in ENGLISH_LEFTOVERS:
            assert leftover not in text and leftover not in html, (title, leftover)
    texts = {title.partition("] ")[2]: parts(message)[0] for title, message in received.items()}
    job = texts["Zadanie „synchronizacja wokand” (court-session-parser) nie powiodło się w żadnym sądzie"]
    assert "\n\nPrzebieg wf-1 / run-1\nRuntimeError: boom\n\n" in job
    page = texts["WSA_Opole: nie można odczytać strony wokandy"]
    assert f"Nie udało się odczytać strony wokandy ({court}, https://" in page and "Błąd:\nParseError: x\n" in page
    assert "Sprawdź stronę poleceniem: manage.py view_court_sessions --parser WSA_Opole" in page
    drift = texts["WSA_Opole: liczba posiedzeń na stronie: 3 (poprzednio 120, 24.11.2026 09:00)"]
    assert f"{court} (https://" in drift
    assert "poprzednio 120 (24.11.2026 09:00). Sąd mógł zmienić swoją stronę." in drift
    row = texts["WSA_Opole: nie można odczytać posiedzenia w sprawie II SA/Op 9/26"]
    assert f"{court} podaje posiedzenie w sprawie II SA/Op 9/26, ale nie da się odczytać jego daty" in row
    assert "Serwer pocztowy odrzuca każdą wiadomość (" in texts["E-maile nie są wysyłane"]


def test_alerts_fall_back_to_the_english_wording(smtp: SmtpReceiver, settings) -> None:
    settings.LANGUAGE_CODE = "de"  # no German templates: English
    raise_every_alert_kind(smtp)
    subjects = {subject(m) for m in smtp.messages}
    assert subjects == {f"[Poradnia {a.severity}] {a.title}" for a in Alert.objects.all()}
    assert "[Poradnia error] WSA_Opole: page cannot be parsed" in subjects
    assert "[Poradnia warning] WSA_Opole: page has 3 rows (120 rows on 2026-11-24)" in subjects


def test_hostile_texts_in_alerts_are_escaped_in_html_and_intact_in_text(smtp: SmtpReceiver) -> None:
    Court.objects.filter(parser_key="WSA_Opole").update(name='Sąd <b onmouseover="x">{{ key }}</b>')
    raise_every_alert_kind(smtp, signature='II SA/Op 9/26 <script>alert("x")</script> {{ facts }}',
                           error=HOSTILE, details=HOSTILE)
    received = {subject(m): m for m in smtp.messages}
    assert len(received) == 6
    for title in ("[Poradnia błąd] WSA_Opole: nie można odczytać strony wokandy",
                  "[Poradnia błąd] Zadanie „synchronizacja wokand” (court-session-parser) nie powiodło się "
                  "w żadnym sądzie"):
        assert_hostile_text_safe(received[title])
    [row] = [m for t, m in received.items() if "posiedzenia w sprawie" in t]
    assert subject(row).endswith('w sprawie II SA/Op 9/26 <script>alert("x")</script> {{ facts }}')
    text, html = parts(row)
    assert 'Sąd <b onmouseover="x">{{ key }}</b> podaje posiedzenie w sprawie II SA/Op 9/26 <script>' in text
    assert "<script>" not in html and "<b " not in html
    assert "Sąd &lt;b onmouseover=&quot;x&quot;&gt;{{ key }}&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; {{ facts }}" in html


# --- old cases: not a case e-mail; deliverable subscribers only ------------------------------------


def test_old_cases_reminder_as_received(smtp: SmtpReceiver) -> None:
    client = User.objects.create_user("client", "client@example.org")
    Case.objects.create(name="Stara sprawa", client=client, status="closed", last_action=NOW - timedelta(days=4000))
    User.objects.create_user("anna", "anna@example.org", notify_old_cases=True)
    User.objects.create_user("former", "former@example.org", notify_old_cases=True, is_active=False)
    User.objects.create_user("mute", "", notify_old_cases=True)
    User.objects.create_user("lawyer", "lawyer@example.org")
    assert queue_old_cases_reminder(NOW).queued == 1
    send(OLD_CASES_KIND)
    [message] = smtp.messages
    assert message.to == "anna@example.org"
    assert subject(message) == "Poradnia: sprawy do usunięcia (grudzień 2026): 1"
    assert parseaddr(message.message["From"])[1] == SYSTEM and message.message["Reply-To"] is None
    assert ("Liczba spraw, w których ostatnia czynność miała miejsce przed datą graniczną (wtorek, 1 grudnia 2020 r.;"
            in message.part("text/plain"))
    assert "<strong>1</strong>" in message.part("text/html")


# --- the reminder rule ----------------------------------------------------------------------------


@pytest.fixture
def manager() -> User:
    return user("manager", lead=3, notify_unassigned_letter=True)


def reminded_users(case: Case) -> set[str]:
    return set(Reminder.objects.filter(event__case=case).values_list("user__username", flat=True))


def test_staff_with_someone_who_can_send_to_the_client(smtp: SmtpReceiver, manager: User) -> None:
    case = case_with((user("lawyer"), True), (user("volunteer"), False))
    event(case)
    queue_event_reminders(NOW)
    send(REMINDER_KIND)
    assert reminded_users(case) == {"lawyer", "volunteer"}
    assert set(by_recipient(smtp)) == {"lawyer@example.org", "volunteer@example.org"}


def test_staff_who_cannot_send_to_the_client_get_the_management_too(smtp: SmtpReceiver, manager: User) -> None:
    case = case_with((user("volunteer"), False), (user("trainee"), False))
    event(case)
    queue_event_reminders(NOW)
    send(REMINDER_KIND)
    received = by_recipient(smtp)
    assert set(received) == {"volunteer@example.org", "trainee@example.org", "manager@example.org"}
    assert "Nikt z zespołu sprawy nie może pisać do klienta" in received["manager@example.org"].part("text/plain")
    assert "zarządzająca" not in received["volunteer@example.org"].part("text/plain")
    for message in received.values():
        assert_case_mail(message, case)


def test_a_case_without_staff_goes_to_the_management(smtp: SmtpReceiver, manager: User) -> None:
    user("bystander", lead=7)
    case = case_with()
    event(case)
    queue_event_reminders(NOW)
    send(REMINDER_KIND)
    [message] = smtp.messages
    assert message.to == manager.email
    assert "Sprawa nie ma przypisanego zespołu" in message.part("text/plain")
    assert_case_mail(message, case)


def test_a_manager_on_the_case_is_reminded_once(smtp: SmtpReceiver, manager: User) -> None:
    case = case_with((manager, False))
    event(case)
    queue_event_reminders(NOW)
    send(REMINDER_KIND)
    assert [m.to for m in smtp.messages] == [manager.email]


def test_a_closed_case_gets_no_reminder(smtp: SmtpReceiver, manager: User) -> None:
    closed = case_with((user("lawyer"), True), status=Case.Status.CLOSED)
    unstaffed_closed = case_with(name="Closed, nobody", status=Case.Status.CLOSED)
    event(closed)
    event(unstaffed_closed)
    done = queue_event_reminders(NOW)
    send(REMINDER_KIND)
    assert (done.events, done.sent) == (2, 0)
    assert smtp.messages == [] and not Reminder.objects.exists()


def test_inactive_users_get_nothing_and_do_not_count_as_able_to_send(smtp: SmtpReceiver, manager: User) -> None:
    user("former-manager", notify_unassigned_letter=True, is_active=False)
    case = case_with((user("former", is_active=False), True), (user("volunteer"), False))
    event(case)
    queue_event_reminders(NOW)
    send(REMINDER_KIND)
    # The only one who could write to the client left: the volunteer and the (active) management are told.
    assert set(by_recipient(smtp)) == {"volunteer@example.org", "manager@example.org"}


def test_addressless_users_get_no_reminder(smtp: SmtpReceiver, manager: User) -> None:
    user("mute-manager", email="", notify_unassigned_letter=True)
    case = case_with((user("mute", email=""), False), (user("volunteer"), False))
    event(case)
    queue_event_reminders(NOW)
    send(REMINDER_KIND)
    assert set(by_recipient(smtp)) == {"volunteer@example.org", "manager@example.org"}
    assert OutboxEmail.objects.count() == 2


def test_members_who_are_not_staff_users_are_not_reminded_and_cannot_send(smtp: SmtpReceiver, manager: User) -> None:
    helper = User.objects.create_user("helper", "helper@example.org", event_reminder_time=1)  # is_staff off
    case = case_with((helper, True), (user("volunteer"), False))
    event(case)
    queue_event_reminders(NOW)
    send(REMINDER_KIND)
    assert set(by_recipient(smtp)) == {"volunteer@example.org", "manager@example.org"}


# --- hearing notices: staff users only, deliverable only ----------------------------------------------


def test_hearing_notices_skip_inactive_non_staff_and_addressless_members(smtp: SmtpReceiver) -> None:
    lawyer = user("lawyer")
    helper = User.objects.create_user("helper", "helper@example.org", is_staff=False)  # not a staff user
    case = case_with((lawyer, True), (user("former", is_active=False), True), (user("mute", email=""), True),
                     (helper, True))
    court = Court.objects.get(parser_key="WSA_Opole")
    CourtCase.objects.create(court=court, signature="II SA/Op 2/26", case=case, created_by=case.client)

    counts = sync_court_rows(court, hearing_rows("II SA/Op 2/26", datetime(2026, 12, 4, 9, 0, tzinfo=WARSAW), "x"))
    send(EMAIL_KIND)

    assert counts.emails_queued == 1
    assert [m.to for m in smtp.messages] == [lawyer.email]


# --- hostile texts ----------------------------------------------------------------------------------


def assert_hostile_text_safe(message: Received) -> None:
    text, html = parts(message)
    assert HOSTILE in text  # plain text: nothing escaped, nothing rendered, the 10 kB line whole
    assert "<script>" not in html and "{{" in html and "{%" in html  # template syntax arrives as text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; {{ case.client.email }}" in html
    assert "client@example.org" not in text + html
    assert "A" * 10_240 in html


def test_hostile_event_text_is_escaped_in_html_and_intact_in_text(smtp: SmtpReceiver) -> None:
    lawyer = user("lawyer")
    case = case_with((lawyer, True))
    event(case, text=HOSTILE)
    queue_event_reminders(NOW)
    send(REMINDER_KIND)
    [message] = smtp.messages
    assert_hostile_text_safe(message)
    assert "\n" not in subject(message)
    assert subject(message).startswith(f"[Poradnia #{case.pk}] Przypomnienie: <script>")


@pytest.mark.postgres
def test_hostile_court_description_is_escaped_in_html_and_intact_in_text(smtp: SmtpReceiver) -> None:
    case = case_with((user("lawyer"), True))
    court = Court.objects.get(parser_key="WSA_Opole")
    CourtCase.objects.create(court=court, signature="II SA/Op 3/26", case=case, created_by=case.client)
    sync_court_rows(court, hearing_rows("II SA/Op 3/26", datetime(2026, 12, 4, 9, 0, tzinfo=WARSAW), HOSTILE))
    send(EMAIL_KIND)
    [message] = smtp.messages
    assert_hostile_text_safe(message)


SHORT_HOSTILE = '<script>alert("x")</script> {{ case.client.email }} {% now "Y" %}'


def test_hostile_case_name_is_escaped_in_html_and_intact_in_text(smtp: SmtpReceiver) -> None:
    case = case_with((user("lawyer"), True), name=SHORT_HOSTILE)
    event(case)
    court = Court.objects.get(parser_key="WSA_Opole")
    CourtCase.objects.create(court=court, signature="II SA/Op 5/26", case=case, created_by=case.client)
    queue_event_reminders(NOW)
    sync_court_rows(court, hearing_rows("II SA/Op 5/26", datetime(2026, 12, 4, 9, 0, tzinfo=WARSAW), "Sala: 5"))
    send(REMINDER_KIND)
    send(EMAIL_KIND)
    assert len(smtp.messages) == 2
    for message in smtp.messages:
        text, html = parts(message)
        assert f"„{SHORT_HOSTILE}”" in text
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; {{ case.client.email }}" in html
        assert "client@example.org" not in text + html
        assert_case_mail(message, case)


# --- admin and legacy command names -------------------------------------------------------------------


def test_admin_staff_inline_shows_the_role(client) -> None:
    admin = User.objects.create_superuser("boss", "boss@example.org", "pw-boss-123")
    case = case_with((user("volunteer"), False))
    client.force_login(admin)
    page = client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()
    assert 'name="casestaff_set-0-can_send_to_client"' in page
    assert 'name="casestaff_set-0-can_send_to_client" checked' not in page  # the volunteer's role: off


def test_legacy_command_names(tmp_path: Path, settings) -> None:
    settings.RUN_NOW_MAX_PAST_DAYS = 36_500  # NOW is a fixed day in the past
    page = tmp_path / "opole.html"
    page.write_bytes(generate_page([SyntheticRow("II SA/Op 1/26", "2026-12-01", "10:00")]))
    out = io.StringIO()
    call_command("view_court_session", "--parser", "WSA_Opole", "--file", str(page), "--json", stdout=out)
    assert '"signature": "II SA/Op 1/26"' in out.getvalue()
    out = io.StringIO()
    call_command("clear_expired_sessions", "--inline", "--now", NOW.isoformat(), stdout=out)
    assert '"deleted": 0' in out.getvalue()
