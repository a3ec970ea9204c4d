"""Rows that read wrong in quiet ways: a tracked row whose date or hour can't be read, a time that
doesn't exist on the spring-forward night, signatures with invisible characters."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from temporalio.testing import ActivityEnvironment

from activities.court_sessions import SyncCourtInput, sync_court
from devtools.standin import StandIn
from devtools.synthetic import SyntheticRow, generate_page
from poradnia.judgements.models import Court, CourtSession
from poradnia.judgements.parser import parse_page
from poradnia.judgements.signatures import normalize_signature, signature_key
from poradnia.judgements.sync import sync_court_rows, tracked_among
from poradnia.monitoring.models import Alert
from poradnia.outbox.models import OutboxEmail
from tests.support.courtdata import make_case, track

WARSAW = ZoneInfo("Europe/Warsaw")
SIGNATURE = "II SA/Op 1/26"


def page(hour: str, *, date: str = "2026-12-01", judges: str = "A. Kowalski (spr.)") -> bytes:
    return generate_page([SyntheticRow(SIGNATURE, date, hour, judges=judges),
                          SyntheticRow("II SA/Op 2/26", date, "11:00")])


# --- Signatures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [
    "II SA/Op\u200b 1/26", "\ufeffII SA/Op 1/26", "II\u2060 SA/Op 1/26\u200d", "II SA/Op 1\u200c/26",
    "ＩＩ ＳＡ／Ｏｐ　１／２６",  # full-width, as some word processors paste it
])
def test_invisible_and_compatibility_characters_are_normalised(typed: str) -> None:
    assert normalize_signature(typed) == SIGNATURE and signature_key(typed) == signature_key(SIGNATURE)


@pytest.mark.postgres
def test_a_page_signature_with_a_zero_width_space_matches_the_tracked_one() -> None:
    body = generate_page([SyntheticRow("II SA/Op 1/\u200b26", "2026-12-01", "10:00")])
    rows = parse_page(body).rows
    assert [signature_key(row.signature) for row in rows] == [signature_key(SIGNATURE)]


# --- A tracked row that can't be read ---------------------------------------------------------------


def test_only_unreadable_tracked_rows_are_named() -> None:
    body = generate_page([SyntheticRow(SIGNATURE, "2026-12-01", "10.00"),
                          SyntheticRow("II SA/Op 2/26", "2026-13-01", "11:00"),  # bad, but not tracked
                          SyntheticRow("II SA/Op 3/26", "2026-12-01", "12:00")])
    parsed = parse_page(body)
    assert parsed.bad_signatures == [SIGNATURE, "II SA/Op 2/26"] and parsed.bad_rows == 2
    assert tracked_among(parsed.bad_signatures, [SIGNATURE.lower(), "II SA/Op 3/26"]) == [SIGNATURE]
    assert tracked_among(parsed.bad_signatures, []) == []  # nothing tracked, nothing to name


@pytest.mark.django_db
def test_an_unreadable_tracked_row_raises_an_alert_that_resolves_when_it_reads_again(settings) -> None:
    settings.ADMINS = [("Admin", "admin@example.org")]
    tracked = make_case()
    track(tracked.case, "WSA_Opole", SIGNATURE)
    court = Court.objects.get(parser_key="WSA_Opole")
    key = f"court:WSA_Opole:row:{signature_key(SIGNATURE)}"
    with StandIn({"WSA_Opole": page("10.00", judges="Z. Tajny-Sędzia")}) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        summary = ActivityEnvironment().run(sync_court, SyncCourtInput(court_id=court.pk))
        assert (summary.bad_rows, summary.sessions_created, summary.unreadable) == (1, 0, [SIGNATURE])
        alert = Alert.objects.get(dedupe_key=key)
        assert alert.resolved_at is None and SIGNATURE in alert.title and "WSA_Opole" in alert.title
        assert court.name in alert.message and "Tajny" not in alert.message + alert.title  # no other row data
        assert OutboxEmail.objects.filter(kind="alert", to="admin@example.org").count() == 1

        ActivityEnvironment().run(sync_court, SyncCourtInput(court_id=court.pk))  # still broken: one alert
        assert Alert.objects.filter(dedupe_key__startswith="court:WSA_Opole:row:").count() == 1

        standin.set_page("WSA_Opole", page("10:00"))
        summary = ActivityEnvironment().run(sync_court, SyncCourtInput(court_id=court.pk))
    assert (summary.bad_rows, summary.sessions_created, summary.unreadable) == (0, 1, [])
    assert Alert.objects.get(dedupe_key=key).resolved_at is not None


# --- The spring-forward night ---------------------------------------------------------------------


def test_nonexistent_and_ambiguous_local_times_follow_the_documented_rules() -> None:
    spring = parse_page(page("02:30", date="2026-03-29")).rows[0].time
    assert spring.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # moved forward by the gap
    assert (spring.hour, spring.minute, spring.utcoffset().total_seconds()) == (3, 30, 7200)
    autumn = parse_page(page("02:30", date="2026-10-25")).rows[0].time
    assert autumn.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first 02:30 (CEST)


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(("day", "hour"), [("2026-03-29", "02:30"), ("2026-10-25", "02:30")])
def test_a_second_run_on_a_daylight_saving_night_changes_nothing(day: str, hour: str) -> None:
    tracked = make_case(staff=2)
    track(tracked.case, "WSA_Opole", SIGNATURE)
    court = Court.objects.get(parser_key="WSA_Opole")
    body = page(hour, date=day)
    first = sync_court_rows(court, parse_page(body).rows)
    assert (first.sessions_created, first.emails_queued) == (1, 2)
    queued = OutboxEmail.objects.count()
    second = sync_court_rows(court, parse_page(body).rows)
    assert (second.sessions_created, second.sessions_updated, second.sessions_unchanged) == (0, 0, 1)
    assert second.emails_queued == 0 and OutboxEmail.objects.count() == queued
    session = CourtSession.objects.select_related("event").get(court_case__signature=SIGNATURE)
    assert session.revision == 0 and session.date.isoformat() == day


# --- A page too complex to parse --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_hostile_page_fails_that_court_as_page_too_complex_without_retries(settings) -> None:
    from temporalio.exceptions import ApplicationError

    from devtools.synthetic import HOSTILE_PAGES
    from poradnia.monitoring.models import CourtPageStat

    court = Court.objects.get(parser_key="WSA_Opole")
    track(make_case().case, "WSA_Opole", SIGNATURE)  # with nothing tracked no row would be decoded
    with StandIn({"WSA_Opole": HOSTILE_PAGES["irregular_rows"](2_000_000)}) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        with pytest.raises(ApplicationError) as error:
            ActivityEnvironment().run(sync_court, SyncCourtInput(court_id=court.pk))
    assert (error.value.type, error.value.non_retryable) == ("PageTooComplex", True)
    assert error.value.message.startswith("WSA_Opole: ") and "units of work" in error.value.message
    stat = CourtPageStat.objects.get(court=court)
    assert not stat.ok and "units of work" in stat.error


# --- Charset labels no court uses; rows and pages nobody foresaw -----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("label", ["punycode", "idna"])
def test_a_hostile_charset_label_fails_that_court_once_as_a_parse_error(settings, label: str) -> None:
    # punycode decodes in quadratic pure Python (minutes for a big page), idna raises UnicodeError: both
    # were retried five times. A label outside the list is refused before any decoding.
    from temporalio.exceptions import ApplicationError

    from poradnia.monitoring.models import CourtPageStat

    court = Court.objects.get(parser_key="WSA_Opole")
    track(make_case().case, "WSA_Opole", SIGNATURE)
    body = generate_page([SyntheticRow(SIGNATURE, "2026-12-01", "10:00", subject="żółć " * 20_000)],
                         meta_charset=False)
    with StandIn({"WSA_Opole": body}, content_type=f"text/html; charset={label}") as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        with pytest.raises(ApplicationError) as error:
            ActivityEnvironment().run(sync_court, SyncCourtInput(court_id=court.pk))
    assert (error.value.type, error.value.non_retryable) == ("ParseError", True)
    assert error.value.message == (f"WSA_Opole: charset '{label}' is not one a court page uses (UTF-8, "
                                   "ISO-8859-2, windows-1250 and the like)")
    stat = CourtPageStat.objects.get(court=court)
    assert not stat.ok and "charset" in stat.error


@pytest.mark.django_db
def test_a_row_before_year_one_in_utc_is_a_bad_row_not_a_failed_court(settings) -> None:
    # 0001-01-01 00:30 in Warsaw is before year 1 in UTC: OverflowError, on a row nobody tracks.
    court = Court.objects.get(parser_key="WSA_Opole")
    track(make_case().case, "WSA_Opole", SIGNATURE)
    body = generate_page([SyntheticRow("II SA/Op 9/26", "0001-01-01", "00:30"),
                          SyntheticRow("II SA/Op 8/26", "9999-12-31", "23:30"),
                          SyntheticRow(SIGNATURE, "2026-12-01", "10:00")])
    assert parse_page(body).bad_rows == 2
    with StandIn({"WSA_Opole": body}) as standin:
        settings.EWOKANDA_BASE_URL = standin.base_url
        summary = ActivityEnvironment().run(sync_court, SyncCourtInput(court_id=court.pk))
    assert (summary.rows_seen, summary.sessions_created) == (3, 1)
    assert CourtSession.objects.get(court_case__signature=SIGNATURE).date.isoformat() == "2026-12-01"


def test_an_unforeseen_failure_reading_a_page_is_a_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from poradnia.judgements import parser

    def broken(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(parser, "_layout", broken)
    with pytest.raises(parser.ParseError, match="WSA_Opole: page cannot be read: RecursionError: maximum"):
        parse_page(page("10:00"), court="WSA_Opole")


@pytest.mark.django_db(transaction=True)
def test_an_inline_run_with_a_hostile_page_ends_in_one_line_not_a_traceback(test_database_url: str) -> None:
    from poradnia.monitoring.models import JobRun
    from tests.support.watching import manage

    track(make_case().case, "WSA_Opole", SIGNATURE)
    with StandIn({"WSA_Opole": page("10:00")}, content_type="text/html; charset=idna") as standin:
        done = manage("run_court_session_parser", "--inline", "--parser", "WSA_Opole",
                      env={"DATABASE_URL": test_database_url, "EWOKANDA_BASE_URL": standin.base_url,
                           "EWOKANDA_ALLOW_LOOPBACK": "true", "DJANGO_SETTINGS_MODULE": "poradnia.settings.dev"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "court-session parser finished with status" in done.stderr
    assert '"type": "ParseError"' in done.stdout and "charset 'idna'" in done.stdout
    assert JobRun.objects.get().status == JobRun.Status.FAILED_ALL
