"""Court page stats: each court's row count, dates covered and bytes per run, and the alerts they raise
(a page that cannot be parsed, a drop in rows (drift), a tracked hearing whose row cannot be read).

The court-session run reaches this through ``CourtPageLog`` (poradnia.judgements.services.PageLog), which
the activity passes in: the court run stays below monitoring, and monitoring (the parser monitor) reads the
court app, never the other way.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import transaction

from poradnia.judgements.models import Court
from poradnia.judgements.signatures import signature_key

from .alerts import AlertKind, Raised, raise_alert, resolve_alert
from .models import Alert, CourtPageStat


def _previous_good(court: Court, run_id: str) -> CourtPageStat | None:
    return (CourtPageStat.objects.filter(court=court, ok=True, rows_seen__gt=0)
            .exclude(run_id=run_id).order_by("-created").first())


def _drifted(previous: CourtPageStat | None, rows_seen: int) -> bool:
    return rows_seen == 0 or (previous is not None and rows_seen < previous.rows_seen * settings.DRIFT_MIN_FRACTION)


def page_drifted(court: Court, run_id: str, rows_seen: int) -> bool:
    """Whether ``rows_seen`` trips the drift alert against the court's last good page (record_court_page's rule).

    The court-session run asks before it writes: a page that drifted cannot prove a hearing is gone.
    """
    return _drifted(_previous_good(court, run_id), rows_seen)


def record_court_page(*, court: Court, run_id: str, source: str, now: datetime, ok: bool, rows_seen: int = 0,
                      tracked_rows: int = 0, bad_rows: int = 0, error: str = "", alert_parse: bool = True,
                      unreadable: list[str] | None = None, first_date: date | None = None,
                      last_date: date | None = None, bytes_fetched: int = 0) -> list[Raised]:
    """Keep the court's row count and alert on a parse failure or a drop in rows (drift).

    A court-session run passes ``alert_parse=False``: its failed courts are named by the run's own alert.
    ``unreadable``: the tracked signatures whose row on the page could not be read (a hearing the sync
    missed): one alert per court and signature, resolved by the first run that no longer reports it;
    None (the monitor's full parse, which tracks nothing) leaves those alerts alone.
    """
    raised: list[Raised] = []
    with transaction.atomic():
        previous = _previous_good(court, run_id)
        CourtPageStat.objects.update_or_create(
            court=court, run_id=run_id,
            defaults={"source": source, "created": now, "ok": ok, "rows_seen": rows_seen,
                      "tracked_rows": tracked_rows, "bad_rows": bad_rows, "error": error,
                      "first_date": first_date, "last_date": last_date, "bytes_fetched": bytes_fetched},
        )
        parse_key, drift_key = f"court:{court.parser_key}:parse", f"court:{court.parser_key}:drift"
        if not ok:
            if alert_parse:
                raised.append(raise_alert(parse_key, f"{court.parser_key}: page cannot be parsed", error, now=now,
                                          kind=AlertKind.PAGE_UNPARSABLE,
                                          facts={**_court_facts(court), "error": error}))
            return raised
        resolve_alert(parse_key, now=now)
        if unreadable is not None:
            raised += _alert_unreadable_rows(court, unreadable, now)
        if _drifted(previous, rows_seen):
            before = f"{previous.rows_seen} rows on {previous.created:%Y-%m-%d}" if previous else "no earlier run"
            raised.append(raise_alert(
                drift_key, f"{court.parser_key}: page has {rows_seen} rows ({before})",
                f"{court.name} ({court.url}) listed {rows_seen} hearings; {before}. The court may have changed "
                "its page: check it with manage.py view_court_sessions --parser " + court.parser_key,
                now=now, severity="warning", kind=AlertKind.PAGE_DRIFT,
                facts={**_court_facts(court), "rows": rows_seen,
                       "previous_rows": previous.rows_seen if previous else None,
                       "previous_date": previous.created.isoformat() if previous else None}))
        else:
            resolve_alert(drift_key, now=now)
    return raised


def _court_facts(court: Court) -> dict[str, str]:
    return {"parser_key": court.parser_key, "court": court.name, "url": court.url}


def _alert_unreadable_rows(court: Court, signatures: list[str], now: datetime) -> list[Raised]:
    """Only the court and the signature are named: the row's other cells (parties, judges) stay out of e-mail."""
    prefix = f"court:{court.parser_key}:row:"
    keys = {prefix + signature_key(s): s for s in signatures}
    raised = [raise_alert(key, f"{court.parser_key}: hearing of {signature} cannot be read",
                          f"{court.name} lists a hearing of {signature} whose date or hour cannot be read, so it "
                          "was not synced. Check the page with manage.py view_court_sessions --parser "
                          f"{court.parser_key}.", now=now, kind=AlertKind.ROW_UNREADABLE,
                          facts={**_court_facts(court), "signature": signature})
              for key, signature in sorted(keys.items())]
    for key in (Alert.objects.filter(dedupe_key__startswith=prefix, resolved_at__isnull=True)
                .exclude(dedupe_key__in=keys).values_list("dedupe_key", flat=True)):
        resolve_alert(key, now=now)
    return raised


class CourtPageLog:
    """What the court-session run needs of monitoring: the drift check before it writes, the page's stats after."""

    def drifted(self, court: Court, run_id: str, rows_seen: int) -> bool:
        return page_drifted(court, run_id, rows_seen)

    def record(self, *, court: Court, run_id: str, now: datetime, ok: bool, **stats: object) -> list[Raised]:
        return record_court_page(court=court, run_id=run_id, source=CourtPageStat.Source.SYNC, now=now, ok=ok,
                                 **stats)  # type: ignore[arg-type]
