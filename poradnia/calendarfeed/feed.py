"""A staff member's calendar feed: every event of the cases they are staff on, as one iCalendar object.

``feed_state`` reads everything with one query, works out per event what would be published (``Item``),
keeps each event's SEQUENCE growing with its changes (``FeedEntry``) and the feed's ETag and Last-Modified
(``FeedSecret``). A poll whose ETag or date the client already has is answered from that alone;
``render`` builds the body (icalendar) only for a 200.

What an event shows: a hearing (an event with a court session) is titled by its signature and court,
located at the court and room, described by its date, judges, subject, result, judgment and case, and
CANCELLED while the court does not list it. A hearing listed without an hour (stored at local midnight,
``poradnia.dates.has_hour``) is an all-day event. Other events (deadlines, appointments) show their text.
Every event links to its case. The user's reminder lead time (``event_reminder_time`` days) is the alarm.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from poradnia.cases.mail import case_url
from poradnia.cases.models import CaseStaff
from poradnia.contracts import WARSAW
from poradnia.dates import has_hour, long_datetime
from poradnia.events.models import Event
from poradnia.judgements.models import CourtSession
from poradnia.judgements.sync import NOT_LISTED_PREFIX

from .models import FeedEntry, FeedSecret

PAST_DAYS = 90  # the feed starts this long ago: recent hearings and their results stay visible
# A court lists only when a hearing starts; an hour holds the slot in the lawyer's day.
HEARING_LENGTH = timedelta(hours=1)
# Part of every ETag: a change to how events are written reaches clients that have an older body.
FORMAT = "1"
PRODID = "-//Poradnia//Kalendarz spraw//PL"

_FIELDS = (
    "id", "case_id", "case__name", "time", "text", "deadline", "completed", "modified",
    "court_session__state", "court_session__outcome", "court_session__judgment_url",
    "court_session__court_case__signature", "court_session__court_case__court__name",
    "feed_entry__digest", "feed_entry__sequence", "feed_entry__changed_at",
)


@dataclass
class Item:
    """One VEVENT as published; its digest decides whether the event changed since the last poll."""

    event_id: int
    uid: str
    start: str  # ISO date (all day) or ISO instant
    all_day: bool
    end: str  # "" for an instant (a deadline)
    summary: str
    location: str
    description: str
    url: str
    status: str  # CONFIRMED | CANCELLED
    alarm: bool  # reminded about (not cancelled, not completed)

    @cached_property
    def digest(self) -> str:
        fields = (self.uid, self.start, self.all_day, self.end, self.summary, self.location, self.description,
                  self.url, self.status, self.alarm)
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


@dataclass
class Published:
    item: Item
    sequence: int
    changed_at: datetime


@dataclass
class Feed:
    user_id: int
    name: str
    reminder_days: int
    etag: str  # quoted, as in the header
    last_modified: datetime
    events: list[Published] = field(default_factory=list)


def site_host() -> str:
    """The host in every UID: the Poradnia site's, so a UID names the event wherever it is published."""
    return urlsplit(settings.PORADNIA_BASE_URL).hostname or "localhost"


def _fields(text: str) -> dict[str, str]:
    """The hearing's ``Header: value`` lines (poradnia.judgements.parser)."""
    pairs = (line.split(": ", 1) for line in text.removeprefix(NOT_LISTED_PREFIX).splitlines() if ": " in line)
    return {name.strip(): value.strip() for name, value in pairs}


@lru_cache(maxsize=8192)
def _when_text(moment: datetime, language: str) -> str:
    """The hearing's date as a person reads it (babel's formatting is the costliest part of a poll)."""
    return long_datetime(moment, language, hearing=True)


def _item(row: dict, host: str) -> Item:
    moment: datetime = row["time"]
    local = moment.astimezone(WARSAW)
    link = case_url(row["case_id"])
    hearing = row["court_session__state"] is not None
    cancelled = row["court_session__state"] == CourtSession.State.NOT_LISTED
    case_line = _("Case: %(name)s (%(link)s)") % {"name": row["case__name"], "link": link}
    if not hearing:
        text = row["text"].strip()
        first = text.splitlines()[0] if text else _("Event")
        summary = _("Deadline: %(text)s") % {"text": first} if row["deadline"] else first
        return Item(row["id"], f"event-{row['id']}@{host}", moment.astimezone(UTC).isoformat(), False, "",
                    summary, "", f"{text}\n\n{case_line}", link, "CONFIRMED", not row["completed"])
    cells = _fields(row["text"])
    signature = row["court_session__court_case__signature"]
    court = row["court_session__court_case__court__name"]
    room = cells.get("Sala", "")
    outcome = (row["court_session__outcome"] or "").strip()
    subject = cells.get("Przedmiot / Wynik") or cells.get("Przedmiot", "")
    if outcome and subject.endswith(outcome):  # the page writes the result after the subject
        subject = subject[: -len(outcome)].strip()
    summary = _("Hearing %(signature)s, %(court)s") % {"signature": signature, "court": court}
    place = f"{court}, {room}" if room else court
    lines = [
        _("When: %(when)s") % {"when": _when_text(moment, translation.get_language())},
        _("Court: %(court)s") % {"court": place},
        _("Signature: %(signature)s") % {"signature": signature},
    ]
    optional = [
        (_("Judges: %(value)s"), cells.get("Skład sędziowski", "")),
        (_("Sitting: %(value)s"), cells.get("Typ", "")),
        (_("Subject: %(value)s"), subject),
        (_("Result: %(value)s"), outcome),
        (_("Judgment: %(value)s"), row["court_session__judgment_url"] or ""),
    ]
    lines += [label % {"value": value} for label, value in optional if value]
    if cancelled:
        lines.insert(0, _("The court no longer lists this hearing."))
    lines.append(case_line)
    if has_hour(moment):
        end_at = moment + HEARING_LENGTH
        start, end, all_day = moment.astimezone(UTC).isoformat(), end_at.astimezone(UTC).isoformat(), False
    else:
        start, end, all_day = local.date().isoformat(), (local.date() + timedelta(days=1)).isoformat(), True
    return Item(row["id"], f"event-{row['id']}@{host}", start, all_day, end,
                (NOT_LISTED_PREFIX if cancelled else "") + summary, place,
                "\n".join(lines), link, "CANCELLED" if cancelled else "CONFIRMED",
                not cancelled and not row["completed"])


def _publish(item: Item, row: dict, now: datetime) -> Published:
    """The event's SEQUENCE and LAST-MODIFIED, bumped when what is published differs from the stored version."""
    digest = item.digest
    stored, sequence = row["feed_entry__digest"], row["feed_entry__sequence"]
    if stored == digest:
        return Published(item, sequence, row["feed_entry__changed_at"])
    # Conditional on the version read: two polls that see one change bump the sequence once.
    if FeedEntry.objects.filter(event_id=item.event_id, digest=stored, sequence=sequence).update(
            digest=digest, sequence=sequence + 1, changed_at=now):
        return Published(item, sequence + 1, now)
    entry = FeedEntry.objects.get(event_id=item.event_id)
    if entry.digest != digest:  # a concurrent poll published another version; ours is newer for our reader
        FeedEntry.objects.filter(pk=entry.pk, sequence=entry.sequence).update(
            digest=digest, sequence=entry.sequence + 1, changed_at=now)
        return Published(item, entry.sequence + 1, now)
    return Published(item, entry.sequence, entry.changed_at)


def _first(items: list[tuple[Item, dict]], now: datetime) -> list[Published]:
    """Events the feed has never published: version 0, in one statement (a concurrent poll's row wins)."""
    published = [Published(item, 0, min(row["modified"], now)) for item, row in items]
    FeedEntry.objects.bulk_create([FeedEntry(event_id=p.item.event_id, digest=p.item.digest, sequence=0,
                                             changed_at=p.changed_at) for p in published],
                                  ignore_conflicts=True, batch_size=500)
    return published


def feed_state(user, now: datetime | None = None) -> Feed:
    """What the user's feed publishes now (no body): events with their versions, the ETag and Last-Modified.

    Always in the site's language, whatever a calendar app asks for: two apps of one user asking in two
    languages would otherwise bump every SEQUENCE on each other's polls.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _feed_state(user, now)


def _feed_state(user, now: datetime | None) -> Feed:
    now = now or datetime.now(UTC)
    host = site_host()
    rows = (Event.objects
            .filter(case_id__in=CaseStaff.objects.filter(user=user).values("case_id"),
                    time__gte=now - timedelta(days=PAST_DAYS))
            .order_by("time", "id").values(*_FIELDS))
    known: dict[int, Published] = {}
    new: list[tuple[Item, dict]] = []
    order: list[int] = []
    for row in rows:
        item = _item(row, host)
        order.append(item.event_id)
        if row["feed_entry__digest"] is None:
            new.append((item, row))
        else:
            known[item.event_id] = _publish(item, row, now)
    if new:
        known.update((p.item.event_id, p) for p in _first(new, now))
    events = [known[event_id] for event_id in order]
    name = _("Poradnia: %(name)s") % {"name": user.get_full_name() or user.get_username()}
    reminder = max(0, user.event_reminder_time or 0)
    fingerprint = hashlib.sha256(json.dumps(
        [FORMAT, name, reminder, [(p.item.event_id, p.sequence, p.item.digest) for p in events]]).encode())
    etag = f'"{fingerprint.hexdigest()[:40]}"'
    secret = FeedSecret.objects.get(user=user)
    if secret.etag != etag or secret.changed_at is None:
        # Whole seconds (HTTP dates), and always later than the last: two changes within one second must not
        # leave a client that asks If-Modified-Since with the first body.
        changed = now.replace(microsecond=0)
        if secret.changed_at is not None and changed <= secret.changed_at:
            changed = secret.changed_at + timedelta(seconds=1)
        FeedSecret.objects.filter(pk=secret.pk).update(etag=etag, changed_at=changed)
        secret.changed_at = changed
    return Feed(user.pk, name, reminder, etag, secret.changed_at, events)


def _when(value: str, all_day: bool) -> date | datetime:
    # Instants in UTC, not Europe/Warsaw with a VTIMEZONE: the one icalendar derives from tzdata lists every
    # transition as RDATEs, and a second, independent parser (vobject) read hearings after the March switch
    # an hour off. UTC needs no time zone definition; every client shows it on the phone's own clock.
    return date.fromisoformat(value) if all_day else datetime.fromisoformat(value).astimezone(UTC)


def render(feed: Feed) -> bytes:
    """The iCalendar body (RFC 5545) of a feed state."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", feed.name)
    cal.add("x-wr-timezone", "Europe/Warsaw")  # the calendar's home zone, for clients that show one
    # Hints for clients that honour them (Apple, Outlook): poll hourly.
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for published in feed.events:
        item = published.item
        event = icalendar.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", published.changed_at.astimezone(UTC))
        event.add("last-modified", published.changed_at.astimezone(UTC))
        event.add("sequence", published.sequence)
        event.add("dtstart", _when(item.start, item.all_day))
        if item.end:
            event.add("dtend", _when(item.end, item.all_day))
        event.add("summary", item.summary)
        if item.location:
            event.add("location", item.location)
        event.add("description", item.description)
        event.add("url", item.url)
        event.add("status", item.status)
        if item.all_day:
            event.add("transp", "TRANSPARENT")  # a day with a hearing at some hour: not a whole busy day
        if item.alarm and feed.reminder_days:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", item.summary)
            alarm.add("trigger", timedelta(days=-feed.reminder_days))
            event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()
