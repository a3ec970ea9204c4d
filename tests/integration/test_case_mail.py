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

from devtools.smtp import Received, SmtpReceiver
from devtools.synthetic import SyntheticRow, generate_page
from poradnia.cases.models import Case, CaseStaff
from poradnia.events.models import Event, Reminder
from poradnia.events.reminders import REMINDER_KIND, queue_event_reminders
from poradnia.judgements.models import Court, CourtCase
from poradnia.judgements.parser import SessionRow
from poradnia.judgements.sync import EMAIL_KIND, sync_court_rows
from poradnia.monitoring.alerts import ALERT_KIND, raise_alert
from poradnia.outbox.models import OutboxEmail
from poradnia.outbox.services import TemporaryEmailError, send_pending
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


def test_hearing_created_and_updated_carry_the_case_address_link_and_reference(smtp: SmtpReceiver) -> None:
    lawyer = user("lawyer")
    case = case_with((lawyer, True))
    court = Court.objects.get(parser_key="WSA_Opole")
    CourtCase.objects.create(court=court, signature="II SA/Op 1/26", case=case, created_by=case.client)
    at = datetime(2026, 12, 3, 10, 0, tzinfo=WARSAW)

    sync_court_rows(court, hearing_rows("II SA/Op 1/26", at, "Sala: 5\nRodzaj: rozprawa"))
    sync_court_rows(court, hearing_rows("II SA/Op 1/26", at + timedelta(minutes=30), "Sala: 7\nRodzaj: rozprawa"))
    send(EMAIL_KIND)

    created, updated = smtp.messages
    for message in (created, updated):
        assert message.to == lawyer.email
        assert_case_mail(message, case)
    assert subject(created) == f"[Poradnia #{case.pk}] Wyznaczono posiedzenie: II SA/Op 1/26, 2026-12-03 10:00"
    assert subject(updated) == f"[Poradnia #{case.pk}] Zmiana posiedzenia: II SA/Op 1/26, 2026-12-03 10:30"
    assert "Sąd wyznaczył posiedzenie w sprawie II SA/Op 1/26 na 2026-12-03, godz. 10:00." in created.part("text/plain")
    assert "Sala: 7" in updated.part("text/plain") and "Aktualny termin: 2026-12-03, godz. 10:30" in updated.part(
        "text/plain")


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
    text, html = (message.part(kind).replace("\r\n", "\n") for kind in ("text/plain", "text/html"))  # SMTP: CRLF
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


def test_hostile_court_description_is_escaped_in_html_and_intact_in_text(smtp: SmtpReceiver) -> None:
    case = case_with((user("lawyer"), True))
    court = Court.objects.get(parser_key="WSA_Opole")
    CourtCase.objects.create(court=court, signature="II SA/Op 3/26", case=case, created_by=case.client)
    sync_court_rows(court, hearing_rows("II SA/Op 3/26", datetime(2026, 12, 4, 9, 0, tzinfo=WARSAW), HOSTILE))
    send(EMAIL_KIND)
    [message] = smtp.messages
    assert_hostile_text_safe(message)


# --- admin and legacy command names -------------------------------------------------------------------


def test_admin_staff_inline_shows_the_role(client) -> None:
    admin = User.objects.create_superuser("boss", "boss@example.org", "pw-boss-123")
    case = case_with((user("volunteer"), False))
    client.force_login(admin)
    page = client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()
    assert 'name="casestaff_set-0-can_send_to_client"' in page
    assert 'name="casestaff_set-0-can_send_to_client" checked' not in page  # the volunteer's role: off


def test_legacy_command_names(tmp_path: Path) -> None:
    page = tmp_path / "opole.html"
    page.write_bytes(generate_page([SyntheticRow("II SA/Op 1/26", "2026-12-01", "10:00")]))
    out = io.StringIO()
    call_command("view_court_session", "--parser", "WSA_Opole", "--file", str(page), "--json", stdout=out)
    assert '"signature": "II SA/Op 1/26"' in out.getvalue()
    out = io.StringIO()
    call_command("clear_expired_sessions", "--inline", "--now", NOW.isoformat(), stdout=out)
    assert '"deleted": 0' in out.getvalue()
