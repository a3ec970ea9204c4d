"""``{% load readable_dates %}``: poradnia.dates as template filters, so pages and e-mails write dates one way.

``{{ moment|long_datetime }}`` -> "środa, 9 grudnia 2026 r., godz. 10:00"; ``{{ moment|short_datetime }}`` ->
"9.12.2026 10:00"; ``{{ day|long_date }}``; the ``hearing_`` forms say that a hearing listed without an
hour has none instead of printing midnight. The language is the active one (the admin's, or the e-mail's).
"""

from __future__ import annotations

from datetime import date, datetime

from django import template

from poradnia import dates

register = template.Library()


@register.filter
def long_datetime(moment: datetime | None) -> str:
    return dates.long_datetime(moment) if moment else ""


@register.filter
def short_datetime(moment: datetime | None) -> str:
    return dates.short_datetime(moment) if moment else ""


@register.filter
def long_date(value: date | datetime | None) -> str:
    return dates.long_date(value) if value else ""


@register.filter
def hearing_long_datetime(moment: datetime | None) -> str:
    return dates.long_datetime(moment, hearing=True) if moment else ""


@register.filter
def hearing_short_datetime(moment: datetime | None) -> str:
    return dates.short_datetime(moment, hearing=True) if moment else ""
