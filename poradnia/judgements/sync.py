"""Court-session sync: turn a court's parsed hearing rows into calendar events, once.

The rules are the legacy system's, with one fix: hearings are matched by (court case, date, slot),
slot being the row's place in time order among that case's rows on that date, because real pages
list two sittings of one case on one day (matching by date alone flip-flopped and re-notified).

* A row whose slot has a session: if the hour, minute or text differ, update the event and notify
  the case staff; if not, change nothing.
* A row without a session: create the Event and the CourtSession and notify the case staff.

The case staff notified are the case's staff members who are staff users (``is_staff``), active and
with an address (``outbox.queueing.deliverable``).

Every (court case, date) group is written in one transaction together with its outbox rows, so an
e-mail exists exactly when its change does. Creations rely on the unique (court case, date, slot)
constraint and updates are conditional on the session's revision, so two runs at the same time
(a scheduled run and ``--inline``) cannot create or notify twice: the loser retries the group and
finds nothing left to do.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from poradnia.cases.mail import case_context, case_headers, case_subject
from poradnia.contracts import WARSAW, CourtSyncSummary, EmailKind, PlannedChange
from poradnia.events.models import Event
from poradnia.mailtemplates import EmailTemplates
from poradnia.outbox.queueing import deliverable
from poradnia.outbox.services import enqueue

from .fetcher import fetch_court_page
from .models import Court, CourtCase, CourtSession
from .parser import ParseResult, SessionRow, parse_page
from .signatures import signature_key

log = logging.getLogger(__name__)
EMAIL_KIND = EmailKind.COURT_SESSION
HEARING_TEMPLATES = "judgements/email/hearing"  # + "_<change>": hearing_created/, hearing_updated/
MAX_PLANNED = 500  # dry-run plan entries returned per court (keeps activity results small)


def selected_courts(court_ids: list[int] | None = None, parser_key: str | None = None) -> list[Court]:
    """Explicit ids or a parser key pick those courts (even inactive ones); otherwise all active courts."""
    courts = Court.objects.all()
    if court_ids:
        courts = courts.filter(pk__in=court_ids)
    if parser_key:
        courts = courts.filter(parser_key=parser_key)
    if not court_ids and not parser_key:
        courts = courts.filter(active=True)
    return list(courts.order_by("parser_key"))


def fetch_and_parse(court: Court, signatures: Iterable[str] | None) -> ParseResult:
    """Fetch a court's page and parse it (only the given signatures' rows when given).

    Raises the fetcher's FetchError and the parser's ParseError; callers decide what is retryable.
    """
    page = fetch_court_page(
        court.url,
        user_agent=settings.EWOKANDA_USER_AGENT,
        connect_timeout=settings.EWOKANDA_CONNECT_TIMEOUT,
        read_timeout=settings.EWOKANDA_READ_TIMEOUT,
        total_timeout=settings.EWOKANDA_TOTAL_TIMEOUT,
        max_bytes=settings.EWOKANDA_MAX_BYTES,
    )
    return parse_page(page.body, content_type=page.content_type, court=court.parser_key, signatures=signatures)


def judgement_bot():
    """The user that creates and modifies parser-made events (created on first use)."""
    User = get_user_model()
    try:
        return User.objects.get_or_create(username=settings.JUDGEMENT_BOT_USERNAME, defaults={"is_active": False})[0]
    except IntegrityError:  # created by a concurrent run between our get and create
        return User.objects.get(username=settings.JUDGEMENT_BOT_USERNAME)


def tracked_cases(court: Court) -> dict[str, CourtCase]:
    return {cc.signature_key: cc for cc in CourtCase.objects.filter(court=court).select_related("case")}


def group_rows(rows: Iterable[SessionRow], tracked: dict[str, CourtCase]) -> dict[tuple[str, date], list[SessionRow]]:
    """Tracked rows grouped by (signature key, local date), each group in time order (slot order)."""
    groups: dict[tuple[str, date], list[SessionRow]] = defaultdict(list)
    for row in rows:
        key = signature_key(row.signature)
        if key in tracked:
            groups[(key, row.time.astimezone(WARSAW).date())].append(row)
    for group in groups.values():
        group.sort(key=lambda r: (r.time, r.description))
    return dict(sorted(groups.items()))


def sync_court_rows(
    court: Court,
    rows: Iterable[SessionRow],
    *,
    dry_run: bool = False,
    counts: CourtSyncSummary | None = None,
    on_progress: Callable[[CourtSyncSummary], None] | None = None,
) -> CourtSyncSummary:
    """Apply a court's rows. ``counts`` from a previous attempt's heartbeat skips groups already written."""
    counts = counts or CourtSyncSummary()
    tracked = tracked_cases(court)
    groups = group_rows(rows, tracked)
    done = set(counts.groups_done)
    bot = None if dry_run else judgement_bot()
    counts.tracked_rows = sum(len(g) for g in groups.values())
    for (key, day), group in groups.items():
        group_id = f"{key}|{day.isoformat()}"
        if group_id in done:
            continue
        court_case = tracked[key]
        if dry_run:
            _plan_group(court_case, day, group, counts)
        else:
            for attempt in range(3):
                try:
                    _write_group(court, court_case, day, group, bot, counts)
                    break
                except IntegrityError:
                    # A concurrent run created one of these slots first; our transaction rolled
                    # back, so re-read and apply only what is still missing.
                    if attempt == 2:
                        raise
                    log.info("concurrent write on %s %s, retrying the group", court_case.signature, day)
        counts.groups_done.append(group_id)
        if on_progress is not None:
            on_progress(counts)
    return counts


def _differs(event: Event, row: SessionRow) -> bool:
    # As UTC instants (to the minute), not local hours: astimezone(WARSAW) returns a Warsaw datetime
    # unchanged, so a nonexistent local time never equalled its stored (normalised) self.
    old = event.time.astimezone(UTC).replace(second=0, microsecond=0)
    return old != row.time.astimezone(UTC) or event.text != row.description


def _plan_group(court_case: CourtCase, day: date, group: list[SessionRow], counts: CourtSyncSummary) -> None:
    sessions = {s.slot: s for s in CourtSession.objects.filter(court_case=court_case, date=day).select_related("event")}
    for slot, row in enumerate(group):
        session = sessions.get(slot)
        action = "create" if session is None else ("update" if _differs(session.event, row) else None)
        if action is None:
            counts.sessions_unchanged += 1
            continue
        if action == "create":
            counts.sessions_created += 1
        else:
            counts.sessions_updated += 1
        if len(counts.planned) < MAX_PLANNED:
            counts.planned.append(PlannedChange(action, court_case.signature, day.isoformat(), slot,
                                                row.time.astimezone(WARSAW).strftime("%H:%M"), court_case.case_id))


def _write_group(court: Court, court_case: CourtCase, day: date, group: list[SessionRow], bot,
                 counts: CourtSyncSummary) -> None:
    created = updated = unchanged = queued = 0
    with transaction.atomic():
        sessions = {
            s.slot: s for s in CourtSession.objects.filter(court_case=court_case, date=day).select_related("event")
        }
        for slot, row in enumerate(group):
            session = sessions.get(slot)
            if session is None:
                event = Event.objects.create(case=court_case.case, time=row.time, text=row.description,
                                             deadline=False, created_by=bot)
                with transaction.atomic():  # a savepoint: IntegrityError here means a concurrent creator won
                    session = CourtSession.objects.create(court_case=court_case, event=event,
                                                          parser_key=court.parser_key, date=day, slot=slot)
                queued += _notify(court_case, session, row, f"created:{court_case.pk}:{day}:{slot}", "created")
                created += 1
            elif _differs(session.event, row):
                bumped = CourtSession.objects.filter(pk=session.pk, revision=session.revision).update(
                    revision=session.revision + 1
                )
                if not bumped:  # a concurrent run applied an update first: re-read the group
                    raise IntegrityError(f"session {session.pk} changed concurrently")
                Event.objects.filter(pk=session.event_id).update(time=row.time, text=row.description,
                                                                 modified_by=bot)
                digest = hashlib.sha1(f"{row.time.isoformat()}|{row.description}".encode()).hexdigest()[:12]
                key = f"updated:{court_case.pk}:{day}:{slot}:r{session.revision + 1}:{digest}"
                queued += _notify(court_case, session, row, key, "updated")
                updated += 1
            else:
                unchanged += 1
    # Counted only once the transaction committed, so a rolled-back attempt counts nothing.
    counts.sessions_created += created
    counts.sessions_updated += updated
    counts.sessions_unchanged += unchanged
    counts.emails_queued += queued


def _notify(court_case: CourtCase, session: CourtSession, row: SessionRow, fact: str, change: str) -> int:
    """Queue one e-mail per staff member of the case (``is_staff``, deliverable); returns how many were new.

    ``change`` names the templates (``judgements/email/hearing_<change>/``); every notice is a case
    e-mail (``poradnia/cases/mail.py``): the case's Reply-To/From, its link, the case reference first
    in the subject.
    """
    local = row.time.astimezone(WARSAW)
    case = court_case.case
    context = {
        **case_context(case.pk),
        "change": change,
        "case": case,
        "signature": court_case.signature,
        "court": court_case.court.name,
        "date": local.strftime("%Y-%m-%d"),
        "time": local.strftime("%H:%M"),
        "description": row.description,
    }
    message = EmailTemplates.load(f"{HEARING_TEMPLATES}_{change}").render(context)
    subject, headers = case_subject(case.pk, message.subject), case_headers(case.pk)
    queued = 0
    for user in deliverable(case.staff.filter(is_staff=True)).order_by("pk"):
        queued += enqueue(key=f"{EMAIL_KIND}:{fact}:{user.pk}", kind=EMAIL_KIND, to=user.email, subject=subject,
                          body=message.body, html_body=message.html_body, headers=headers)
    return queued
