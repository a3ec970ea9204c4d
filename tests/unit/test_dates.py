"""poradnia.dates: the one way a person reads a moment, across Warsaw's DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from poradnia.contracts import WARSAW
from poradnia.dates import has_hour, long_date, long_datetime, short_datetime


def test_long_and_short_forms_in_polish() -> None:
    moment = datetime(2026, 12, 9, 8, 8, tzinfo=WARSAW)
    assert long_datetime(moment, "pl") == "środa, 9 grudnia 2026 r., godz. 8:08"
    assert short_datetime(moment, "pl") == "9.12.2026 08:08"
    assert long_date(moment, "pl") == "środa, 9 grudnia 2026 r."
    assert long_date(date(2027, 1, 1), "pl") == "piątek, 1 stycznia 2027 r."


def test_english_stays_available() -> None:
    assert long_datetime(datetime(2026, 12, 9, 8, 8, tzinfo=WARSAW), "en") == "Wednesday, 9 December 2026, at 08:08"


def test_an_instant_is_read_on_warsaws_clock_on_both_sides_of_a_dst_change() -> None:
    # 00:30 UTC on the spring-change night is 01:30 CET; 01:30 UTC is 03:30 CEST (02:00-03:00 does not exist).
    assert short_datetime(datetime(2027, 3, 28, 0, 30, tzinfo=UTC), "pl") == "28.03.2027 01:30"
    assert short_datetime(datetime(2027, 3, 28, 1, 30, tzinfo=UTC), "pl") == "28.03.2027 03:30"
    # The last seconds of a year in UTC are already the next year in Warsaw.
    assert long_date(datetime(2027, 12, 31, 23, 30, tzinfo=UTC), "pl") == "sobota, 1 stycznia 2028 r."


def test_a_hearing_without_an_hour_never_reads_midnight() -> None:
    day = datetime(2027, 3, 28, tzinfo=WARSAW)
    assert not has_hour(day)
    assert long_datetime(day, "pl", hearing=True) == "niedziela, 28 marca 2027 r., godzina nie została podana"
    assert short_datetime(day, "pl", hearing=True) == "28.03.2027"
    assert "0:00" not in long_datetime(day, "en", hearing=True)
    # Not a hearing: midnight is a real time (a reminder run, a deadline).
    assert long_datetime(day, "pl") == "niedziela, 28 marca 2027 r., godz. 0:00"


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        long_datetime(datetime(2026, 12, 9, 8, 8))
