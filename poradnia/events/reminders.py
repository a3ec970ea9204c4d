"""Event reminders: decide who is reminded of which event and write the e-mails to the outbox.

Rules (the legacy ``send_event_reminders`` command's, with the legacy system's role rule):

* candidate events are those with ``time >= now - 7 days`` (7 days is the largest lead time; the
  job also skips events at or after ``now + 7 days``, for which no lead can be due yet);
* events of closed cases are never reminded of;
* an event's recipients are the staff of its case who are staff users (``is_staff``), **plus** the management users with
  ``notify_unassigned_letter`` when no one on the case can send to the client: the case has no staff,
  or only volunteers (``CaseStaff.can_send_to_client`` off), or the ones who could are deactivated;
  someone who is both staff and management is reminded once;
* a recipient's lead is ``event_reminder_time`` days (0 = never); the reminder is due when
  ``now + lead > event.time``;
* a due reminder is skipped when the event is completed or the user already has an *active*
  Reminder for it; otherwise the reminder is recorded as ``Reminder(event, user)`` and e-mailed;
* an event of a court hearing in state ``not_listed`` (gone from its court's page) is not reminded
  about; a hearing whose time changed has its Reminders deactivated by the court-session sync, so it
  is reminded about again before its new time.

Deactivated users and users without an e-mail address are never recipients (nothing could be
delivered, and a former lawyer must not receive case details): ``outbox.queueing.is_deliverable``.
Every reminder is a case e-mail (``poradnia/cases/mail.py``): the case's Reply-To/From, its link, and
a subject starting with the case reference.

Idempotence, crashes, duplicates. Candidate events are processed in pages (keyset pagination by id).
Each page is one transaction that writes the new Reminder rows and their outbox rows together
(``reminder:<event_id>:<user_id>``), so either both exist or neither does; a re-run finds the
Reminder and writes nothing. Sending is the outbox's separate step (``send_pending`` / the
``send_outbox`` activity), which sends each row once. The one window in which an e-mail can be sent
twice is the outbox's: a crash after the SMTP server accepted a message and before its row was
marked sent (see the module docstring of ``poradnia/outbox/services.py``); no other step of this
job can duplicate or lose an e-mail.

Parallel runs (the schedule and ``manage.py send_event_reminders --inline``). A page transaction
first locks the page's events (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the IMMEDIATE
transaction already serialises writers) and only then reads the existing Reminders, so a second run
waits for the first one's page and then sees its rows: no reminder is written or counted twice. The
unique constraints (Reminder event+user, outbox key) back this up with ``ignore_conflicts``.

Cost. Per page a constant number of queries: the page of events, their cases' names and statuses, the
staff of those cases with their roles and user fields (one query on CaseStaff), the page's existing
Reminders, and the bulk inserts. Management users are read once per run. Memory is bounded by the
page size.

Re-reminding. A Reminder that was deactivated (e.g. because the event was moved) means the user is
reminded again: the row is reactivated and the e-mail gets its own key
(``reminder:<event_id>:<user_id>:<now>``); the row lock above makes only one run do that.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from poradnia.cases.mail import case_context, case_headers, case_subject
from poradnia.cases.models import Case, CaseStaff
from poradnia.contracts import PAGE_SIZE, EmailKind, ReminderProgress
from poradnia.dates import long_datetime, short_datetime
from poradnia.mailtemplates import EmailTemplates, RenderedEmail, date_language
from poradnia.outbox.models import OutboxEmail
from poradnia.outbox.queueing import bulk_enqueue, deliverable, is_deliverable
from poradnia.users.models import User

from .models import Event, Reminder

REMINDER_KIND = EmailKind.EVENT_REMINDER
# The largest lead time: events older than this can no longer be reminded of, events further ahead
# are not due for anybody yet (due means now + lead > time).
MAX_LEAD = timedelta(days=max(User.ReminderTime.values))
TEMPLATES = "events/email/event_reminder"


@dataclass(frozen=True)
class Recipient:
    id: int
    email: str
    lead_days: int
    deliverable: bool  # active and with an address


def candidate_page(now: datetime, after_id: int) -> QuerySet[Event]:
    """Candidate events after ``after_id`` in id order (keyset pagination); slice it to a page.

    The time window is tested on ``COALESCE(time, time)`` so that the database cannot use the index
    on ``time``: with it, SQLite and PostgreSQL read and sort *every* remaining candidate to return
    each page (quadratic over a run: 100,000 candidates took 34 s instead of 15 s on SQLite). Walking
    the primary key from ``after_id`` and filtering stops after one page, so a run reads each event
    at most once.
    """
    window = Coalesce("time", "time")
    return (Event.objects.alias(window_time=window)
            .filter(id__gt=after_id, window_time__gte=now - MAX_LEAD, window_time__lt=now + MAX_LEAD)
            .order_by("id"))


def management_recipients() -> list[Recipient]:
    users = deliverable(User.objects.filter(notify_unassigned_letter=True))
    return [Recipient(id=pk, email=email, lead_days=lead, deliverable=True)
            for pk, email, lead in users.order_by("id").values_list("id", "email", "event_reminder_time")]


def local_time(value: datetime) -> str:
    """"środa, 9 grudnia 2026 r., godz. 10:00"; an event at local midnight is a day without an hour
    (a hearing the court listed without one), so its reminder names no 00:00."""
    return long_datetime(value, date_language(), hearing=True)


def short_time(value: datetime) -> str:
    return short_datetime(value, date_language(), hearing=True)


def queue_event_reminders(
    now: datetime,
    *,
    progress: ReminderProgress | None = None,
    page_size: int = PAGE_SIZE,
    on_page: Callable[[ReminderProgress], None] | None = None,
) -> ReminderProgress:
    """Record and queue every due reminder as of ``now``; resumes after ``progress.last_event_id``.

    ``now`` is fixed by the caller for the whole run, so a retried or resumed run decides exactly as
    the first attempt did. ``on_page`` is called after each committed page (the activity heartbeats).
    """
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    done = replace(progress) if progress is not None else ReminderProgress()
    management = management_recipients()
    templates = EmailTemplates.load(TEMPLATES)
    while True:
        page = _process_page(now, done.last_event_id, page_size, management, templates)
        if page is None:
            return done
        last_id, events, sent, skipped = page
        done = ReminderProgress(last_event_id=last_id, events=done.events + events,
                                sent=done.sent + sent, skipped=done.skipped + skipped)
        if on_page is not None:
            on_page(done)


def _process_page(
    now: datetime, after_id: int, page_size: int, management: list[Recipient], templates: EmailTemplates
) -> tuple[int, int, int, int] | None:
    with transaction.atomic():
        # FOR UPDATE is PostgreSQL's serialisation of parallel runs (ignored on SQLite, whose IMMEDIATE
        # transaction does it). No join here: a join would make the planner read past the page.
        page = candidate_page(now, after_id).select_for_update()
        events = list(page.values("id", "case_id", "time", "text", "completed", "deadline")[:page_size])
        if not events:
            return None
        event_ids = [event["id"] for event in events]
        case_ids = {event["case_id"] for event in events}
        cases = {pk: (name, status) for pk, name, status in
                 Case.objects.filter(id__in=case_ids).values_list("id", "name", "status")}

        staff: dict[int, list[Recipient]] = defaultdict(list)
        someone_can_send: set[int] = set()  # cases on which an active member may write to the client
        # Case notifications go to staff users only (the legacy command's ``is_staff`` filter): a member who
        # is no longer a staff user is neither reminded nor counted as able to write to the client.
        rows = (CaseStaff.objects.filter(case_id__in=case_ids, user__is_staff=True)
                .order_by("case_id", "user_id")
                .values_list("case_id", "user_id", "user__email", "user__event_reminder_time",
                             "user__is_active", "can_send_to_client"))
        for case_id, user_id, email, lead, is_active, can_send in rows:
            staff[case_id].append(Recipient(id=user_id, email=email, lead_days=lead,
                                            deliverable=is_deliverable(is_active, email)))
            if is_active and can_send:
                someone_can_send.add(case_id)

        # A court hearing that its court's page no longer lists is not reminded about (the calendar says
        # so; poradnia.judgements.sync). By relation name: events does not import judgements.
        not_listed = set(Event.objects.filter(id__in=event_ids, court_session__state="not_listed")
                         .values_list("id", flat=True))

        existing = {(event_id, user_id): (pk, active) for pk, event_id, user_id, active in
                    Reminder.objects.filter(event_id__in=event_ids).values_list("id", "event_id", "user_id",
                                                                                 "active")}

        new_reminders: list[Reminder] = []
        reactivate: list[int] = []
        emails: list[OutboxEmail] = []
        skipped = 0
        for event in events:
            if event["id"] in not_listed:
                continue
            case_id = event["case_id"]
            case_name, status = cases[case_id]
            if status == Case.Status.CLOSED:
                continue
            members = staff.get(case_id, [])
            recipients = [(user, False) for user in members]
            if case_id not in someone_can_send:
                on_case = {user.id for user in members}
                recipients += [(user, True) for user in management if user.id not in on_case]
            # Rendered once per event and role: the same text for every staff member, another for management.
            messages: dict[bool, RenderedEmail] = {}
            for user, as_management in recipients:
                if not user.deliverable or user.lead_days <= 0:
                    continue
                if now + timedelta(days=user.lead_days) <= event["time"]:
                    continue  # not due yet
                reminder = existing.get((event["id"], user.id))
                if event["completed"] or (reminder is not None and reminder[1]):
                    skipped += 1
                    continue
                if reminder is None:
                    new_reminders.append(Reminder(event_id=event["id"], user_id=user.id))
                    key = f"reminder:{event['id']}:{user.id}"
                else:  # deactivated: remind again under a key of its own
                    reactivate.append(reminder[0])
                    key = f"reminder:{event['id']}:{user.id}:{now.isoformat()}"
                message = messages.get(as_management)
                if message is None:
                    message = messages[as_management] = templates.render({
                        **case_context(case_id), "case_id": str(case_id), "case_name": case_name,
                        "text": event["text"], "time": local_time(event["time"]),
                        "time_short": short_time(event["time"]),
                        "deadline": event["deadline"], "management": as_management, "unassigned": not members,
                    })
                emails.append(OutboxEmail(key=key, kind=REMINDER_KIND, to=user.email,
                                          subject=case_subject(case_id, message.subject), body=message.body,
                                          html_body=message.html_body, headers=case_headers(case_id)))

        Reminder.objects.bulk_create(new_reminders, ignore_conflicts=True)
        for start in range(0, len(reactivate), 500):
            Reminder.objects.filter(pk__in=reactivate[start:start + 500]).update(active=True)
        bulk_enqueue(emails)
    return event_ids[-1], len(events), len(emails), skipped
