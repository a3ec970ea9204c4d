"""``{% load readable_dates %}``: poradnia.dates as template filters, so pages and e-mails write dates one way.

``{{ moment|long_datetime }}`` -> "środa, 9 grudnia 2026 r., godz. 10:00"; ``{{ moment|short_datetime }}`` ->
"9.12.2026 10:00"; ``{{ day|long_date }}``; the ``hearing_`` forms say that a hearing listed without an
hour has none instead of printing midnight. The language is the active one (the admin's, or the e-mail's).
A value may also be an ISO 8601 string (an alert's facts travel as JSON); naive ones are read as UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from django import template

from poradnia import dates

register = template.Library()


def _moment(value: object) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@register.filter
def long_datetime(value: datetime | str | None) -> str:
    moment = _moment(value)
    return dates.long_datetime(moment) if moment else (value or "")


@register.filter
def short_datetime(value: datetime | str | None) -> str:
    moment = _moment(value)
    return dates.short_datetime(moment) if moment else (value or "")


@register.filter
def long_date(value: date | datetime | None) -> str:
    return dates.long_date(value) if value else ""


@register.filter
def hearing_long_datetime(value: datetime | str | None) -> str:
    moment = _moment(value)
    return dates.long_datetime(moment, hearing=True) if moment else (value or "")


@register.filter
def hearing_short_datetime(value: datetime | str | None) -> str:
    moment = _moment(value)
    return dates.short_datetime(moment, hearing=True) if moment else (value or "")
