"""A schedule's spec in words ("daily at 23:10 (Europe/Warsaw)"), for the admin page and the CLI.

Operators read when a job runs, not ranges of a calendar spec. The common shapes (hourly, daily,
weekly, monthly at one time) get a sentence; anything else is spelled out field by field, so an
unusual spec set by hand on the server is still shown truthfully. The sentences are English; a caller
that speaks another language passes its gettext functions (``Words``: the admin passes Django's, whose
catalog for them is schedules/locale), since schedules import without Django.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import ScheduleCalendarSpec, ScheduleRange, ScheduleSpec


def gettext_noop(message: str) -> str:
    """Marks a message for makemessages (it knows this name) without translating it here."""
    return message


def _plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


@dataclass(frozen=True)
class Words:
    """The translation functions the sentences go through (English: none)."""

    gettext: Callable[[str], str] = gettext_noop
    ngettext: Callable[[str, str, int], str] = _plural


ENGLISH = Words()

# "weekly on <day>": the day in the form the sentence needs (Polish: "w niedzielę", accusative).
DAYS = (gettext_noop("on Sunday"), gettext_noop("on Monday"), gettext_noop("on Tuesday"),
        gettext_noop("on Wednesday"), gettext_noop("on Thursday"), gettext_noop("on Friday"),
        gettext_noop("on Saturday"))


def _single(ranges: Sequence[ScheduleRange]) -> int | None:
    """The one value the ranges match, or None when they match several."""
    if len(ranges) == 1 and max(ranges[0].end, ranges[0].start) == ranges[0].start:
        return ranges[0].start
    return None


def _every(ranges: Sequence[ScheduleRange], low: int, high: int) -> bool:
    return len(ranges) == 1 and ranges[0].start == low and ranges[0].end >= high and (ranges[0].step or 1) == 1


def _ranges_text(ranges: Sequence[ScheduleRange]) -> str:
    parts = []
    for r in ranges:
        end = max(r.end, r.start)
        text = str(r.start) if end == r.start else f"{r.start}-{end}"
        parts.append(text + (f"/{r.step}" if (r.step or 1) != 1 else ""))
    return ",".join(parts) or "*"


def calendar_in_words(calendar: ScheduleCalendarSpec, words: Words = ENGLISH) -> str:
    gettext = words.gettext
    second, minute, hour = _single(calendar.second), _single(calendar.minute), _single(calendar.hour)
    every_day_of_month = _every(calendar.day_of_month, 1, 31)
    every_month = _every(calendar.month, 1, 12)
    every_day_of_week = _every(calendar.day_of_week, 0, 6)
    day_of_month, day_of_week = _single(calendar.day_of_month), _single(calendar.day_of_week)
    if second == 0 and minute is not None and every_month and not calendar.year:
        if hour is None and _every(calendar.hour, 0, 23) and every_day_of_month and every_day_of_week:
            return gettext("hourly at minute %(minute)s") % {"minute": minute}
        if hour is not None:
            time = f"{hour:02d}:{minute:02d}"
            if every_day_of_month and every_day_of_week:
                return gettext("daily at %(time)s") % {"time": time}
            if every_day_of_month and day_of_week is not None:
                return gettext("weekly %(day)s at %(time)s") % {"day": gettext(DAYS[day_of_week % 7]), "time": time}
            if every_day_of_week and day_of_month is not None:
                return gettext("monthly on day %(day)s at %(time)s") % {"day": day_of_month, "time": time}
    fields = ("second", "minute", "hour", "day_of_month", "month", "day_of_week", "year")
    return "calendar " + " ".join(f"{name}={_ranges_text(getattr(calendar, name))}" for name in fields)


def spec_in_words(spec: ScheduleSpec, words: Words = ENGLISH) -> str:
    """Every part of the spec in words, followed by the time zone it is evaluated in."""
    gettext = words.gettext
    parts = [calendar_in_words(calendar, words) for calendar in spec.calendars]
    parts += [gettext("every %(interval)s") % {"interval": interval.every} for interval in spec.intervals]
    parts += [f"cron '{expression}'" for expression in spec.cron_expressions]
    parts += [gettext("except %(calendar)s") % {"calendar": calendar_in_words(calendar, words)}
              for calendar in spec.skip]
    text = "; ".join(parts) or gettext("never")
    return f"{text} ({spec.time_zone_name or 'UTC'})"


def duration_in_words(value: timedelta | None, words: Words = ENGLISH) -> str:
    """A catch-up window as people say it: "1 day", "7 days", "1 hour", "90 minutes"."""
    if value is None:
        return words.gettext("server default (1 year)")
    ngettext = words.ngettext
    seconds = int(value.total_seconds())
    units = ((86400, lambda n: ngettext("%(count)d day", "%(count)d days", n)),
             (3600, lambda n: ngettext("%(count)d hour", "%(count)d hours", n)),
             (60, lambda n: ngettext("%(count)d minute", "%(count)d minutes", n)))
    for size, words in units:
        if seconds >= size and seconds % size == 0:
            return words(seconds // size) % {"count": seconds // size}
    return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
