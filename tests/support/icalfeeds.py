"""Read a calendar feed as two independent parsers do (icalendar and vobject) and insist they agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import icalendar
import vobject


@dataclass(frozen=True)
class Read:
    """One VEVENT as a client sees it: instants in UTC, all-day starts as dates."""

    uid: str
    sequence: int
    start: date | datetime
    end: date | datetime | None
    summary: str
    location: str
    description: str
    url: str
    status: str
    alarm: timedelta | None
    last_modified: datetime
    dtstamp: datetime


def _utc(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime):
        assert value.tzinfo is not None, f"floating time {value!r}"
        return value.astimezone(UTC)
    return value


def _by_icalendar(body: bytes) -> tuple[dict[str, str], dict[str, Read]]:
    cal = icalendar.Calendar.from_ical(body)
    head = {name: str(cal.get(name, "")) for name in ("VERSION", "PRODID", "X-WR-CALNAME")}
    events = {}
    for ev in cal.walk("VEVENT"):
        alarms = [a for a in ev.walk("VALARM")]
        end = ev.get("DTEND")
        events[str(ev["UID"])] = Read(
            str(ev["UID"]), int(ev.get("SEQUENCE", 0)), _utc(ev.decoded("DTSTART")),
            _utc(ev.decoded("DTEND")) if end is not None else None, str(ev.get("SUMMARY", "")),
            str(ev.get("LOCATION", "")), str(ev.get("DESCRIPTION", "")), str(ev.get("URL", "")),
            str(ev.get("STATUS", "")), alarms[0].decoded("TRIGGER") if alarms else None,
            _utc(ev.decoded("LAST-MODIFIED")), _utc(ev.decoded("DTSTAMP")))
    timezones = [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")]
    head["VTIMEZONE"] = ",".join(timezones)
    return head, events


def _by_vobject(body: bytes) -> tuple[dict[str, str], dict[str, Read]]:
    cal = vobject.readOne(body.decode("utf-8"))

    def value(component, name: str, default=""):
        return getattr(component, name).value if hasattr(component, name) else default

    head = {"VERSION": value(cal, "version"), "PRODID": value(cal, "prodid"),
            "X-WR-CALNAME": value(cal, "x_wr_calname"),
            "VTIMEZONE": ",".join(tz.tzid.value for tz in cal.contents.get("vtimezone", []))}
    events = {}
    for ev in cal.contents.get("vevent", []):
        alarms = ev.contents.get("valarm", [])
        events[ev.uid.value] = Read(
            ev.uid.value, int(value(ev, "sequence", 0)), _utc(ev.dtstart.value),
            _utc(ev.dtend.value) if hasattr(ev, "dtend") else None, value(ev, "summary"), value(ev, "location"),
            value(ev, "description"), value(ev, "url"), value(ev, "status"),
            alarms[0].trigger.value if alarms else None, _utc(ev.last_modified.value), _utc(ev.dtstamp.value))
    return head, events


@dataclass
class Calendar:
    head: dict[str, str]
    events: dict[str, Read]


def read(body: bytes) -> Calendar:
    """The feed as both parsers read it (they must agree on every field we publish)."""
    head, events = _by_icalendar(body)
    other_head, other_events = _by_vobject(body)
    assert head == other_head, (head, other_head)
    assert events == other_events, {uid: (events.get(uid), other_events.get(uid))
                                    for uid in events.keys() | other_events.keys()
                                    if events.get(uid) != other_events.get(uid)}
    return Calendar(head, events)
