"""Court-session sync: keep each tracked case's hearings true to its court's page, and tell the staff.

One unit of work is one court case (all its hearings, all dates), written in one transaction with
its history rows and outbox rows, so an e-mail exists exactly when its change does.

Identity, not position. Within a (court case, date) a page row is matched to an existing session by
what the hearing is: first exact matches (same time and text), then the closest remaining time. A
session is never updated into a different hearing by its place in the list. A row left over is a new
hearing: it takes the next free slot (slots are never renumbered). A session left over is missing.

States (``CourtSession.State``):

* ``listed``: on the page when it was last read. A matched session whose time or text changed is
  updated (``time_changed`` / ``text_changed``) and the staff get one e-mail.
* ``not_listed``: a listed session dated today or later, inside the dates the page covers (its first
  and last hearing), absent for ``COURT_SESSION_MISSING_RUNS`` consecutive complete runs of its court.
  Its event text gets ``NOT_LISTED_PREFIX`` and it is no longer reminded about; one e-mail. When the
  page lists it again it goes back to ``listed`` (same session, same event), one e-mail. A run whose
  page was cut short or tripped the drift check (``mark_absent=False``) counts no misses; a failed fetch
  or parse never gets here.
* ``held``: its date has passed. Never touched again, except for the court's result.

Result. After the hearing the court adds its result (and later the judgment's link) to the row. A
session whose hearing day has come (today or earlier, in Warsaw) and whose row shows a result it does
not have yet records it, in whatever state it is: ``outcome``/``judgment_url``, a history row of kind
``outcome``, the event's text starting with "Wynik: ..." and one e-mail per staff member. A corrected
result records and tells again; a link published later records once more with a short e-mail of its
own. A result is not a change to the hearing: it is not in the row's description, so matching and time
or text change detection never see it. A result the page stops showing is kept.

Moved. When in one run a session becomes not listed and a new hearing of the same court case appears
on another date (today or later), the two are paired, nearest first: the session and its event move
to the new date (history ``moved``) and the staff get one "moved from D1 HH:MM to D2 HH:MM" e-mail.

The staff notified are the case's staff members who are staff users (``is_staff``), active and with an
address (``outbox.queueing.deliverable``), unless the case is closed; co-parties' cases each get their own
sessions and e-mails.

An event whose time changes gets its Reminder rows deactivated, so it is reminded about at its new
time (poradnia.events.reminders re-reminds under a fresh key).

Concurrency. Creations rely on the unique (court case, date, slot) constraint and every other write
is conditional on the session's revision (and bumps it), so two runs at the same time (a scheduled
run and ``--inline``) cannot apply or notify a change twice: the loser retries the court case and
finds nothing left to do. Outbox keys name the session and its new revision, so a hearing re-created
after staff deleted its event (a new session) is notified again, as is a hearing that moves back.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import quote_plus

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import translation

from poradnia.cases.mail import case_context, case_headers, case_subject
from poradnia.cases.models import Case
from poradnia.contracts import WARSAW, CourtSyncSummary, EmailKind, PlannedChange
from poradnia.dates import long_date, long_datetime, short_datetime
from poradnia.events.models import Event, Reminder
from poradnia.mailtemplates import EmailTemplates, date_language
from poradnia.outbox.queueing import deliverable
from poradnia.outbox.services import enqueue

from .fetcher import fetch_court_page
from .models import Court, CourtCase, CourtSession, CourtSessionChange
from .parser import ParseResult, SessionRow, parse_page
from .signatures import normalize_signature, signature_key

log = logging.getLogger(__name__)
EMAIL_KIND = EmailKind.COURT_SESSION
HEARING_TEMPLATES = "judgements/email/hearing"  # + "_<change>": hearing_created/, hearing_moved/, ...
MAX_PLANNED = 500  # dry-run plan entries returned per court (keeps activity results small)
NOT_LISTED_PREFIX = "[NIE NA WOKANDZIE] "
OUTCOME_TEMPLATES = "judgements/email/outcome"  # outcome/ (a result), outcome_judgment/ (its link, later)
#: The judgments database's search for one signature: staff find the judgment there before it is linked.
CBOSA_SEARCH = "https://orzeczenia.nsa.gov.pl/cbo/find?q=SYGNATURA+%5B{}%5D"
#: Results that decide nothing yet (lower-case prefixes): the calendar says a new date will come.
OPEN_OUTCOMES = ("odroczono", "zdjęto z wokandy", "zdjąć z wokandy", "skierowano na posiedzenie niejawne",
                 "przerwano")
OPEN_NOTE = "Sprawa nie jest zakończona: nowy termin pojawi się w kalendarzu, gdy sąd go wyznaczy."
State = CourtSession.State
Kind = CourtSessionChange.Kind


@dataclass
class PageCoverage:
    """What one read of a court's page can say about absent hearings."""

    first_date: date | None  # first and last hearing date on the page
    last_date: date | None
    complete: bool  # False: cut short or drift: absences prove nothing

    def covers(self, day: date) -> bool:
        return (self.complete and self.first_date is not None and self.last_date is not None
                and self.first_date <= day <= self.last_date)


def page_dates(rows: Iterable[SessionRow]) -> tuple[date | None, date | None]:
    days = [row.time.astimezone(WARSAW).date() for row in rows]
    return (min(days), max(days)) if days else (None, None)


def selected_courts(court_ids: list[int] | None = None, parser_key: str | None = None) -> list[Court]:
    """Explicit ids or a parser key pick those courts (even inactive ones); otherwise the active courts that
    have at least one tracked court case (the nightly run: a page nobody tracks is not fetched)."""
    courts = Court.objects.all()
    if court_ids:
        courts = courts.filter(pk__in=court_ids)
    if parser_key:
        courts = courts.filter(parser_key=parser_key)
    if not court_ids and not parser_key:
        courts = courts.filter(active=True, pk__in=CourtCase.objects.values("court_id"))
    return list(courts.order_by("parser_key"))


@dataclass
class CourtPage:
    """One read of a court's page: its rows (and their counters), the dates it covers, and the tracked
    signatures among its unreadable rows."""

    parsed: ParseResult
    first_date: date | None
    last_date: date | None
    bytes_fetched: int
    unreadable: list[str] = field(default_factory=list)


def tracked_among(signatures: Iterable[str], tracked: Iterable[str]) -> list[str]:
    """The ``signatures`` (as printed) whose key is one of the ``tracked`` signatures' keys, in order."""
    keys = {signature_key(s) for s in tracked}
    return [s for s in signatures if signature_key(s) in keys]


def fetch_court(court: Court, signatures: Iterable[str]) -> CourtPage:
    """Fetch a court's page and parse it once: its rows, the dates it covers, and which of ``signatures``
    (the tracked ones) have a row it could not read. Raises the fetcher's FetchError and the parser's
    ParseError."""
    page = fetch_court_page(
        court.url,
        user_agent=settings.EWOKANDA_USER_AGENT,
        connect_timeout=settings.EWOKANDA_CONNECT_TIMEOUT,
        read_timeout=settings.EWOKANDA_READ_TIMEOUT,
        total_timeout=settings.EWOKANDA_TOTAL_TIMEOUT,
        max_bytes=settings.EWOKANDA_MAX_BYTES,
    )
    parsed = parse_page(page.body, content_type=page.content_type, court=court.parser_key)
    first, last = page_dates(parsed.rows)
    return CourtPage(parsed, first, last, len(page.body), tracked_among(parsed.bad_signatures, signatures))


def fetch_and_parse(court: Court) -> ParseResult:
    """Fetch a court's page and parse it."""
    page = fetch_court_page(
        court.url,
        user_agent=settings.EWOKANDA_USER_AGENT,
        connect_timeout=settings.EWOKANDA_CONNECT_TIMEOUT,
        read_timeout=settings.EWOKANDA_READ_TIMEOUT,
        total_timeout=settings.EWOKANDA_TOTAL_TIMEOUT,
        max_bytes=settings.EWOKANDA_MAX_BYTES,
    )
    return parse_page(page.body, content_type=page.content_type, court=court.parser_key)


def judgement_bot():
    """The user that creates and modifies parser-made events (created on first use)."""
    User = get_user_model()
    try:
        return User.objects.get_or_create(username=settings.JUDGEMENT_BOT_USERNAME, defaults={"is_active": False})[0]
    except IntegrityError:  # created by a concurrent run between our get and create
        return User.objects.get(username=settings.JUDGEMENT_BOT_USERNAME)


def tracked_cases(court: Court) -> dict[str, list[CourtCase]]:
    """Signature key -> the court cases tracking it (one per Poradnia case)."""
    tracked: dict[str, list[CourtCase]] = defaultdict(list)
    for cc in CourtCase.objects.filter(court=court).select_related("case", "court").order_by("pk"):
        tracked[cc.signature_key].append(cc)
    return dict(tracked)


def rows_by_key(rows: Iterable[SessionRow], tracked: dict[str, list[CourtCase]]) -> dict[str, list[SessionRow]]:
    """Tracked rows by signature key, in time order."""
    found: dict[str, list[SessionRow]] = defaultdict(list)
    for row in rows:
        key = signature_key(row.signature)
        if key in tracked:
            found[key].append(row)
    for group in found.values():
        group.sort(key=lambda r: (r.time, r.description))
    return found


def is_open_outcome(outcome: str) -> bool:
    """A result that leaves the matter open (adjourned, taken off the list...): a new date will follow."""
    return outcome.casefold().startswith(OPEN_OUTCOMES)


def outcome_heading(outcome: str, judgment_url: str) -> str:
    """What the event's text starts with once the court gave its result ("" before)."""
    if not outcome:
        return ""
    lines = [f"Wynik: {outcome}"]
    if judgment_url:
        lines.append(f"Orzeczenie: {judgment_url}")
    if is_open_outcome(outcome):
        lines.append(OPEN_NOTE)
    return "\n".join(lines) + "\n\n"


def plain_text(session: CourtSession) -> str:
    """The session event's text without the not-listed mark and the result heading: the row's description."""
    text = session.event.text.removeprefix(NOT_LISTED_PREFIX)
    return text.removeprefix(outcome_heading(session.outcome, session.judgment_url))


def cbosa_url(signature: str) -> str:
    return CBOSA_SEARCH.format(quote_plus(normalize_signature(signature)))


def _same_time(event: Event, row: SessionRow) -> bool:
    # As UTC instants (to the minute), not local hours: astimezone(WARSAW) returns a Warsaw datetime
    # unchanged, so a nonexistent local time never equalled its stored (normalised) self.
    return event.time.astimezone(UTC).replace(second=0, microsecond=0) == row.time.astimezone(UTC)


def _differs(session: CourtSession, row: SessionRow) -> bool:
    if not _same_time(session.event, row):
        return True
    return plain_text(session) != row.description and not _result_in_stored_text(session, row)


def _result_in_stored_text(session: CourtSession, row: SessionRow) -> bool:
    """The session was stored before results were read apart: its text is the row's with the court's result
    run into the subject line. Not a change of the hearing: the result is recorded and told as a result.
    """
    if session.outcome or not row.outcome:
        return False
    stored, current = plain_text(session).split("\n"), row.description.split("\n")
    if len(stored) != len(current):
        return False
    result = " ".join(row.outcome.split())
    for old, new in zip(stored, current, strict=True):
        if old != new and (not old.startswith(new) or result not in " ".join(old[len(new):].split())):
            return False
    return True


def _new_outcome(session: CourtSession, row: SessionRow, today: date) -> bool:
    """The row shows a result (or its link) the session, whose hearing day has come, does not have yet."""
    if session.date > today or not row.outcome:
        return False
    return row.outcome != session.outcome or bool(row.judgment_url and row.judgment_url != session.judgment_url)


def _same_instant(a: datetime, b: datetime) -> bool:
    return a.astimezone(UTC).replace(second=0, microsecond=0) == b.astimezone(UTC).replace(second=0, microsecond=0)


_ISO_DAY = re.compile(r"\b([0-9]{4})-([0-9]{2})-([0-9]{2})\b")


def readable_row(description: str) -> str:
    """The court's row as the e-mail repeats it, its ISO dates ("Data sesji: 2026-12-09") in words."""

    def day(match: re.Match[str]) -> str:
        try:
            return long_date(date(*map(int, match.groups())))
        except ValueError:  # not a calendar day: leave the court's text as it is
            return match.group(0)

    return _ISO_DAY.sub(day, description)


def _local_day(moment: datetime) -> date:
    return moment.astimezone(WARSAW).date()


# --- Planning: what a court case's rows mean for its sessions (pure, no writes) ---------------------


@dataclass
class CasePlan:
    matched: list[tuple[CourtSession, SessionRow]] = field(default_factory=list)  # incl. held and unchanged
    created: list[SessionRow] = field(default_factory=list)
    missed: list[CourtSession] = field(default_factory=list)  # absent, below the threshold
    not_listed: list[CourtSession] = field(default_factory=list)
    moved: list[tuple[CourtSession, SessionRow]] = field(default_factory=list)


def match_day(sessions: list[CourtSession], rows: list[SessionRow]
              ) -> tuple[list[tuple[CourtSession, SessionRow]], list[SessionRow], list[CourtSession]]:
    """Pair one date's rows with its sessions: exact (time and text) first, then closest time."""
    free_sessions = sorted(sessions, key=lambda s: s.slot)
    free_rows = list(rows)
    pairs: list[tuple[CourtSession, SessionRow]] = []
    for row in list(free_rows):
        for session in free_sessions:
            if not _differs(session, row):
                pairs.append((session, row))
                free_sessions.remove(session)
                free_rows.remove(row)
                break
    while free_sessions and free_rows:
        session, row = min(((s, r) for s in free_sessions for r in free_rows),
                           key=lambda p: (abs(p[0].event.time - p[1].time), p[1].time, p[0].slot))
        pairs.append((session, row))
        free_sessions.remove(session)
        free_rows.remove(row)
    return pairs, free_rows, free_sessions


def plan_case(sessions: list[CourtSession], rows: list[SessionRow], *, today: date, coverage: PageCoverage,
              missing_runs: int, run_id: str) -> CasePlan:
    plan = CasePlan()
    for session in sessions:
        if session.date < today:
            session.state = State.HELD  # the run marks them in the database first; a dry run only here
    by_day_sessions: dict[date, list[CourtSession]] = defaultdict(list)
    for session in sessions:
        by_day_sessions[session.date].append(session)
    by_day_rows: dict[date, list[SessionRow]] = defaultdict(list)
    for row in rows:
        by_day_rows[_local_day(row.time)].append(row)
    leftover: list[CourtSession] = []
    for day in sorted(set(by_day_sessions) | set(by_day_rows)):
        pairs, new_rows, free = match_day(by_day_sessions.get(day, []), by_day_rows.get(day, []))
        plan.matched += pairs
        plan.created += new_rows
        leftover += free
    going: list[CourtSession] = []
    for session in leftover:
        if session.date < today or session.state != State.LISTED or not coverage.covers(session.date):
            continue  # held, already not listed, or a date this page says nothing about
        if session.missed_in_run == run_id:  # this run already counted it (a retried attempt)
            misses = session.missed_runs
        else:
            misses = session.missed_runs + 1
        if misses >= missing_runs:
            going.append(session)
        else:
            plan.missed.append(session)
    # A hearing that left the page and one that appeared on another date in the same run: one move.
    arriving = [row for row in plan.created if _local_day(row.time) >= today]
    while going and arriving:
        session, row = min(((s, r) for s in going for r in arriving),
                           key=lambda p: (abs(p[0].event.time - p[1].time), p[1].time, p[0].slot))
        plan.moved.append((session, row))
        going.remove(session)
        arriving.remove(row)
        plan.created.remove(row)
    plan.not_listed = going
    return plan


# --- Applying ----------------------------------------------------------------------------------------


@dataclass
class SyncContext:
    court: Court
    now: datetime
    workflow_id: str
    run_id: str
    coverage: PageCoverage
    missing_runs: int
    bot: object = None

    @property
    def today(self) -> date:
        return _local_day(self.now)


def sync_court_rows(
    court: Court,
    rows: Iterable[SessionRow],
    *,
    coverage: PageCoverage | None = None,
    now: datetime | None = None,
    workflow_id: str = "",
    run_id: str = "",
    dry_run: bool = False,
    counts: CourtSyncSummary | None = None,
    on_progress: Callable[[CourtSyncSummary], None] | None = None,
) -> CourtSyncSummary:
    """Apply a court's rows. ``counts`` from a previous attempt's heartbeat skips court cases already written.

    ``coverage``: the dates the whole page covers and whether it is complete (``run_court`` reads them);
    None takes the dates from ``rows`` and trusts them (for callers that pass a whole page's rows).
    """
    rows = list(rows)
    if coverage is None:
        coverage = PageCoverage(*page_dates(rows), complete=True)
    now = now or datetime.now(UTC)
    # The run id makes a retried attempt count a miss once; a caller without one (--inline) is its own run.
    run_id = run_id or workflow_id or f"inline-{uuid.uuid4()}"
    ctx = SyncContext(court=court, now=now, workflow_id=workflow_id, run_id=run_id,
                      coverage=coverage, missing_runs=max(1, settings.COURT_SESSION_MISSING_RUNS))
    counts = counts or CourtSyncSummary()
    tracked = tracked_cases(court)
    found = rows_by_key(rows, tracked)
    done = set(counts.groups_done)
    if not dry_run:
        ctx.bot = judgement_bot()
        # Past hearings are held: never matched into a change, never marked, never reminded.
        CourtSession.objects.filter(court_case__court=court, date__lt=ctx.today).exclude(
            state=State.HELD).update(state=State.HELD)
    counts.tracked_rows = sum(len(found.get(key, [])) * len(ccs) for key, ccs in tracked.items())
    # Court cases with rows or with sessions that may go missing; the others have nothing to do.
    active = set(CourtSession.objects.filter(court_case__court=court, date__gte=ctx.today)
                 .exclude(state=State.HELD).values_list("court_case_id", flat=True))
    for key, court_cases in sorted(tracked.items()):
        for court_case in court_cases:
            group_id = str(court_case.pk)
            if group_id in done or (key not in found and court_case.pk not in active):
                continue
            case_rows = found.get(key, [])
            if dry_run:
                _plan_only(ctx, court_case, case_rows, counts)
            else:
                for attempt in range(3):
                    try:
                        _write_case(ctx, court_case, case_rows, counts)
                        break
                    except IntegrityError:
                        # A concurrent run wrote one of these sessions first; our transaction rolled
                        # back, so re-read and apply only what is still to do.
                        if attempt == 2:
                            raise
                        log.info("concurrent write on %s, retrying the court case", court_case.signature)
            counts.groups_done.append(group_id)
            if on_progress is not None:
                on_progress(counts)
    return counts


def _sessions(court_case: CourtCase) -> list[CourtSession]:
    return list(CourtSession.objects.filter(court_case=court_case).select_related("event"))


def _plan_only(ctx: SyncContext, court_case: CourtCase, rows: list[SessionRow], counts: CourtSyncSummary) -> None:
    sessions = _sessions(court_case)
    next_slot: dict[date, int] = defaultdict(int)
    for s in sessions:
        next_slot[s.date] = max(next_slot[s.date], s.slot + 1)

    def slot_for(day: date) -> int:
        next_slot[day] += 1
        return next_slot[day] - 1

    plan = plan_case(sessions, rows, today=ctx.today, coverage=ctx.coverage, missing_runs=ctx.missing_runs,
                     run_id=ctx.run_id)

    def add(action: str, day: date, slot: int, moment: datetime) -> None:
        if len(counts.planned) < MAX_PLANNED:
            counts.planned.append(PlannedChange(action, court_case.signature, day.isoformat(), slot,
                                                moment.astimezone(WARSAW).strftime("%H:%M"), court_case.case_id))

    for session, row in plan.matched:
        if session.state == State.HELD:
            counts.sessions_unchanged += 1
        elif session.state == State.NOT_LISTED:
            counts.sessions_listed_again += 1
            add("listed_again", session.date, session.slot, row.time)
        elif _differs(session, row):
            counts.sessions_updated += 1
            add("update", session.date, session.slot, row.time)
        else:
            counts.sessions_unchanged += 1
        if _new_outcome(session, row, ctx.today):
            counts.outcomes_recorded += 1
            add("outcome", session.date, session.slot, row.time)
    for row in plan.created:
        counts.sessions_created += 1
        day = _local_day(row.time)
        slot = slot_for(day)
        add("create", day, slot, row.time)
        if day <= ctx.today and row.outcome:
            counts.outcomes_recorded += 1
            add("outcome", day, slot, row.time)
    for _session, row in plan.moved:
        counts.sessions_moved += 1
        add("moved", _local_day(row.time), slot_for(_local_day(row.time)), row.time)
    for session in plan.not_listed:
        counts.sessions_not_listed += 1
        add("not_listed", session.date, session.slot, session.event.time)
    counts.sessions_missed += len(plan.missed)


def _snapshot(event_time: datetime, text: str) -> dict[str, str]:
    return {"time": event_time.astimezone(WARSAW).isoformat(), "text": text}


def _outcome_snapshot(outcome: str, judgment_url: str) -> dict[str, str]:
    return {"outcome": outcome, "judgment_url": judgment_url}


def _write_case(ctx: SyncContext, court_case: CourtCase, rows: list[SessionRow], counts: CourtSyncSummary) -> None:
    tally: dict[str, int] = defaultdict(int)
    with transaction.atomic():
        sessions = _sessions(court_case)
        plan = plan_case(sessions, rows, today=ctx.today, coverage=ctx.coverage, missing_runs=ctx.missing_runs,
                         run_id=ctx.run_id)
        for session, row in plan.matched:
            if session.state == State.HELD:
                tally["unchanged"] += 1
            elif session.state == State.NOT_LISTED:
                _listed_again(ctx, court_case, session, row, tally)
            elif _differs(session, row):
                _update(ctx, court_case, session, row, tally)
            else:
                tally["unchanged"] += 1
                if session.missed_runs or session.last_seen_at is None or session.missed_in_run:
                    _bump(session, missed_runs=0, missed_in_run="", last_seen_at=ctx.now)
                else:  # no revision bump: being seen again is no change and needs no e-mail
                    CourtSession.objects.filter(pk=session.pk).update(last_seen_at=ctx.now)
            if _new_outcome(session, row, ctx.today):
                _outcome(ctx, court_case, session.pk, row, tally)
        for session, row in plan.moved:
            _move(ctx, court_case, session, row, tally)
            if _local_day(row.time) <= ctx.today and row.outcome:
                _outcome(ctx, court_case, session.pk, row, tally)
        for row in plan.created:
            session_id = _create(ctx, court_case, row, tally)
            if _local_day(row.time) <= ctx.today and row.outcome:
                _outcome(ctx, court_case, session_id, row, tally)
        for session in plan.not_listed:
            _not_listed(ctx, court_case, session, tally)
        for session in plan.missed:
            if session.missed_in_run != ctx.run_id:
                _bump(session, missed_runs=session.missed_runs + 1, missed_in_run=ctx.run_id)
            tally["missed"] += 1
    # Counted only once the transaction committed, so a rolled-back attempt counts nothing.
    counts.sessions_created += tally["created"]
    counts.sessions_updated += tally["updated"]
    counts.sessions_unchanged += tally["unchanged"]
    counts.sessions_not_listed += tally["not_listed"]
    counts.sessions_listed_again += tally["listed_again"]
    counts.sessions_moved += tally["moved"]
    counts.sessions_missed += tally["missed"]
    counts.outcomes_recorded += tally["outcomes"]
    counts.emails_queued += tally["emails"]


def _bump(session: CourtSession, **fields: object) -> int:
    """Write ``fields`` only if nobody else changed the session since we read it; returns the new revision."""
    revision = session.revision + 1
    if not CourtSession.objects.filter(pk=session.pk, revision=session.revision).update(revision=revision,
                                                                                       **fields):
        raise IntegrityError(f"session {session.pk} changed concurrently")  # re-read the court case
    return revision


def _record(ctx: SyncContext, court_case: CourtCase, session: CourtSession | None, kind: str,
            before: dict, after: dict) -> None:
    CourtSessionChange.objects.create(court_session=session, court_case=court_case,
                                      signature=court_case.signature, kind=kind, before=before, after=after,
                                      workflow_id=ctx.workflow_id, created=ctx.now)


def _next_slot(court_case: CourtCase, day: date) -> int:
    top = CourtSession.objects.filter(court_case=court_case, date=day).aggregate(top=Max("slot"))["top"]
    return 0 if top is None else top + 1


def _retime_event(ctx: SyncContext, session: CourtSession, row: SessionRow) -> None:
    if not _same_time(session.event, row):
        # Reminders follow the hearing: deactivated rows make the reminder job remind at the new time.
        Reminder.objects.filter(event_id=session.event_id).update(active=False)
    text = outcome_heading(session.outcome, session.judgment_url) + row.description  # a result stays first
    Event.objects.filter(pk=session.event_id).update(time=row.time, text=text, modified_by=ctx.bot)


def _create(ctx: SyncContext, court_case: CourtCase, row: SessionRow, tally: dict[str, int]) -> int:
    day = _local_day(row.time)
    event = Event.objects.create(case=court_case.case, time=row.time, text=row.description, deadline=False,
                                 created_by=ctx.bot)
    with transaction.atomic():  # a savepoint: IntegrityError here means a concurrent creator won the slot
        session = CourtSession.objects.create(
            court_case=court_case, event=event, parser_key=ctx.court.parser_key, date=day,
            slot=_next_slot(court_case, day), last_seen_at=ctx.now,
            state=State.HELD if day < ctx.today else State.LISTED)
    _record(ctx, court_case, session, Kind.CREATED, {}, _snapshot(row.time, row.description))
    tally["emails"] += _notify(ctx, court_case, "created", f"created:{court_case.pk}:{session.pk}", row.time,
                               row.description)
    tally["created"] += 1
    return session.pk


def _outcome(ctx: SyncContext, court_case: CourtCase, session_id: int, row: SessionRow,
             tally: dict[str, int]) -> None:
    """Record the row's result (or the judgment's link) on the session, with its history row and e-mails.

    Read afresh: the hearing may have been updated a moment ago in this transaction (a new revision).
    """
    session = CourtSession.objects.select_related("event").get(pk=session_id)
    if not _new_outcome(session, row, ctx.today):
        return
    # The row's text where the stored one still carries the result inside it (stored before results were read).
    description = row.description if _result_in_stored_text(session, row) else plain_text(session)
    judgment_url = row.judgment_url or session.judgment_url
    link_only = row.outcome == session.outcome  # the same result, its judgment published since
    _bump(session, outcome=row.outcome, judgment_url=judgment_url, outcome_seen_at=ctx.now)
    # The page shows the hearing with its result, so a not-listed mark no longer holds.
    Event.objects.filter(pk=session.event_id).update(
        text=outcome_heading(row.outcome, judgment_url) + description, modified_by=ctx.bot)
    _record(ctx, court_case, session, Kind.OUTCOME, _outcome_snapshot(session.outcome, session.judgment_url),
            _outcome_snapshot(row.outcome, judgment_url))
    # Keyed by what is told, not by revision: one e-mail per result (and per link), never two.
    if link_only:
        fact = f"judgment:{court_case.pk}:{session.pk}:{_digest(judgment_url)}"
    else:
        fact = f"outcome:{court_case.pk}:{session.pk}:{_digest(row.outcome)}"
    with translation.override(date_language()):  # the e-mail's language, whatever the caller's
        context = {
            "signature": court_case.signature,
            "court": ctx.court.name,
            "outcome": row.outcome,
            "outcome_line": row.outcome.replace("\n", "; "),
            "previous_outcome": "" if link_only else session.outcome,
            "open": is_open_outcome(row.outcome),
            "judgment_url": judgment_url,
            "cbosa_url": cbosa_url(court_case.signature),
            "when": long_datetime(session.event.time, hearing=True),
            "when_short": short_datetime(session.event.time, hearing=True),
            "description": readable_row(description),
        }
    template = EmailTemplates.load(f"{OUTCOME_TEMPLATES}_judgment" if link_only else OUTCOME_TEMPLATES)
    tally["emails"] += _send(court_case, template, fact, context)
    tally["outcomes"] += 1


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _update(ctx: SyncContext, court_case: CourtCase, session: CourtSession, row: SessionRow,
            tally: dict[str, int]) -> None:
    event = session.event
    revision = _bump(session, missed_runs=0, missed_in_run="", last_seen_at=ctx.now)
    _retime_event(ctx, session, row)
    kind = Kind.TIME_CHANGED if not _same_time(event, row) else Kind.TEXT_CHANGED
    _record(ctx, court_case, session, kind, _snapshot(event.time, plain_text(session)),
            _snapshot(row.time, row.description))
    digest = hashlib.sha1(f"{row.time.isoformat()}|{row.description}".encode()).hexdigest()[:12]
    key = f"updated:{court_case.pk}:{session.pk}:r{revision}:{digest}"
    tally["emails"] += _notify(ctx, court_case, "updated", key, row.time, row.description, before=event.time)
    tally["updated"] += 1


def _listed_again(ctx: SyncContext, court_case: CourtCase, session: CourtSession, row: SessionRow,
                  tally: dict[str, int]) -> None:
    event = session.event
    revision = _bump(session, state=State.LISTED, missed_runs=0, missed_in_run="", last_seen_at=ctx.now)
    _retime_event(ctx, session, row)
    _record(ctx, court_case, session, Kind.LISTED_AGAIN, _snapshot(event.time, plain_text(session)),
            _snapshot(row.time, row.description))
    before = event.time if not _same_time(event, row) else None
    key = f"listed_again:{court_case.pk}:{session.pk}:r{revision}"
    tally["emails"] += _notify(ctx, court_case, "listed_again", key, row.time, row.description, before=before)
    tally["listed_again"] += 1


def _not_listed(ctx: SyncContext, court_case: CourtCase, session: CourtSession, tally: dict[str, int]) -> None:
    event = session.event
    text = plain_text(session)
    revision = _bump(session, state=State.NOT_LISTED, missed_runs=session.missed_runs + 1, missed_in_run=ctx.run_id)
    # The mark is in the text, so staff see it in every calendar view; reminders skip not-listed events.
    marked = NOT_LISTED_PREFIX + event.text.removeprefix(NOT_LISTED_PREFIX)  # a result heading stays
    Event.objects.filter(pk=session.event_id).update(text=marked, modified_by=ctx.bot)
    _record(ctx, court_case, session, Kind.NOT_LISTED, _snapshot(event.time, text), {})
    key = f"not_listed:{court_case.pk}:{session.pk}:r{revision}"
    tally["emails"] += _notify(ctx, court_case, "not_listed", key, event.time, text)
    tally["not_listed"] += 1


def _move(ctx: SyncContext, court_case: CourtCase, session: CourtSession, row: SessionRow,
          tally: dict[str, int]) -> None:
    event = session.event
    day = _local_day(row.time)
    with transaction.atomic():  # the new slot is unique: a concurrent creator there means re-read
        revision = _bump(session, date=day, slot=_next_slot(court_case, day), state=State.LISTED, missed_runs=0,
                         missed_in_run="", last_seen_at=ctx.now)
    _retime_event(ctx, session, row)
    _record(ctx, court_case, session, Kind.MOVED, _snapshot(event.time, plain_text(session)),
            _snapshot(row.time, row.description))
    tally["emails"] += _notify(ctx, court_case, "moved", f"moved:{court_case.pk}:{session.pk}:r{revision}",
                               row.time, row.description, before=event.time)
    tally["moved"] += 1


def _notify(ctx: SyncContext, court_case: CourtCase, change: str, fact: str, moment: datetime, description: str,
            *, before: datetime | None = None) -> int:
    """Queue one e-mail per staff member of the case (``is_staff``, deliverable); returns how many were new.

    ``change`` names the templates (``judgements/email/hearing_<change>/``: created, updated, not_listed,
    listed_again, moved); every notice is a case e-mail (``poradnia/cases/mail.py``): the case's
    Reply-To/From, its link, the case reference first in the subject.
    """
    template = EmailTemplates.load(f"{HEARING_TEMPLATES}_{change}")
    moved = before is not None and not _same_instant(before, moment)
    with translation.override(date_language()):  # the e-mail's language, whatever the caller's
        context = {
            "change": change,
            "signature": court_case.signature,
            "court": ctx.court.name,
            # Dates as people read them (poradnia.dates): "środa, 9 grudnia 2026 r., godz. 10:00" in the
            # text, "9.12.2026 10:00" in the subject; a hearing listed without an hour says so.
            "when": long_datetime(moment, hearing=True),
            "when_short": short_datetime(moment, hearing=True),
            "before": long_datetime(before, hearing=True) if moved else "",
            "before_short": short_datetime(before, hearing=True) if moved else "",
            "description": readable_row(description),
            "checked": long_datetime(ctx.now),
            "mark": NOT_LISTED_PREFIX.strip(),
        }
    return _send(court_case, template, fact, context)


def _send(court_case: CourtCase, template: EmailTemplates, fact: str, context: dict[str, object]) -> int:
    """Queue ``template``'s e-mail to each staff member of the case; returns how many were new.

    A closed case is told nothing: its calendar still follows the court, but nobody works on it.
    """
    case = court_case.case
    if case.status == Case.Status.CLOSED:
        return 0
    with translation.override(date_language()):
        message = template.render({**case_context(case.pk), "case": case, **context})
    subject, headers = case_subject(case.pk, message.subject), case_headers(case.pk)
    queued = 0
    for user in deliverable(case.staff.filter(is_staff=True)).order_by("pk"):
        queued += enqueue(key=f"{EMAIL_KIND}:{fact}:{user.pk}", kind=EMAIL_KIND, to=user.email, subject=subject,
                          body=message.body, html_body=message.html_body, headers=headers)
    return queued
