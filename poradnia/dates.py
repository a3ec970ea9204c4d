"""How a person reads a moment: one Polish (or English) form everywhere, through babel's CLDR data.

Every e-mail, admin page and feed that shows a date to a person goes through here, so a date is
written one way everywhere: "środa, 9 grudnia 2026 r., godz. 10:00" in running text, "9.12.2026 10:00"
in subjects and tables. Month and weekday names (with Polish's genitive "grudnia") come from CLDR via
babel, not from a table of ours.

A hearing the court lists without an hour is stored at local midnight (the parser's convention: no
court sits at 00:00), and is written as its day with "godzina nie została podana", never "0:00".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from babel.dates import format_date, format_datetime
from django.utils import translation

from poradnia.contracts import WARSAW


@dataclass(frozen=True)
class _Forms:
    """CLDR patterns of one language (https://unicode.org/reports/tr35/tr35-dates.html)."""

    long_date: str
    long_time: str
    short_date: str
    short_time: str
    no_hour: str
    month_year: str


FORMS = {
    "pl": _Forms("EEEE, d MMMM y 'r.'", "'godz.' H:mm", "d.MM.y", "HH:mm", "godzina nie została podana", "LLLL y"),
    "en": _Forms("EEEE, d MMMM y", "'at' HH:mm", "d.MM.y", "HH:mm", "hour not given", "LLLL y"),
}


def _language(language: str | None) -> str:
    code = (language or translation.get_language() or "pl").split("-")[0]
    return code if code in FORMS else "pl"


def local(moment: datetime) -> datetime:
    """The moment on Warsaw's wall clock (an aware instant in, an aware Warsaw datetime out)."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware instant")
    return moment.astimezone(WARSAW)


def has_hour(moment: datetime) -> bool:
    """False for a hearing listed without an hour (stored at local midnight)."""
    return local(moment).time() != time(0, 0)


def long_date(value: date | datetime, language: str | None = None) -> str:
    """"środa, 9 grudnia 2026 r." (a datetime is read on Warsaw's clock)."""
    lang = _language(language)
    day = local(value).date() if isinstance(value, datetime) else value
    return format_date(day, FORMS[lang].long_date, locale=lang)


def long_datetime(moment: datetime, language: str | None = None, *, hearing: bool = False) -> str:
    """"środa, 9 grudnia 2026 r., godz. 10:00"; a hearing without an hour says that the hour was not given."""
    lang = _language(language)
    when = local(moment)
    day = format_date(when.date(), FORMS[lang].long_date, locale=lang)
    if hearing and not has_hour(when):
        return f"{day}, {FORMS[lang].no_hour}"
    return f"{day}, {format_datetime(when, FORMS[lang].long_time, tzinfo=WARSAW, locale=lang)}"


def short_datetime(moment: datetime, language: str | None = None, *, hearing: bool = False) -> str:
    """"9.12.2026 10:00" for subjects and tables; a hearing without an hour is its day alone."""
    lang = _language(language)
    when = local(moment)
    forms = FORMS[lang]
    if hearing and not has_hour(when):
        return format_date(when.date(), forms.short_date, locale=lang)
    return format_datetime(when, f"{forms.short_date} {forms.short_time}", tzinfo=WARSAW, locale=lang)


def short_date(value: date | datetime, language: str | None = None) -> str:
    """"9.12.2026": a day in tables and titles."""
    lang = _language(language)
    day = local(value).date() if isinstance(value, datetime) else value
    return format_date(day, FORMS[lang].short_date, locale=lang)


def month_year(value: date | datetime, language: str | None = None) -> str:
    """"grudzień 2026": a month on its own (CLDR's stand-alone month name, nominative in Polish)."""
    lang = _language(language)
    day = local(value).date() if isinstance(value, datetime) else value
    return format_date(day, FORMS[lang].month_year, locale=lang)
