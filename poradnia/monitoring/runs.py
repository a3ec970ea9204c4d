"""Job-run history and the alerts that follow from a run's end or a court page's row count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from poradnia.contracts import ALERTING_STATUSES, CLEAN_STATUSES, EmailKind, RunStatus, run_summary
from poradnia.judgements.models import Court
from poradnia.judgements.signatures import signature_key
from poradnia.outbox.services import TemporaryEmailError

from .alerts import AlertKind, Raised, raise_alert, resolve_alert
from .mail import send_and_watch
from .models import Alert, CourtPageStat, JobRun

R = TypeVar("R")



def record_start(*, job: str, workflow_id: str, run_id: str, started: datetime) -> JobRun:
    run, _ = JobRun.objects.get_or_create(run_id=run_id, defaults={"job": job, "workflow_id": workflow_id,
                                                                    "started": started})
    return run


def record_end(*, job: str, workflow_id: str, run_id: str, started: datetime, finished: datetime, status: str,
               summary: dict[str, Any], error: str = "", alert: bool = True) -> list[Raised]:
    """Close the run (idempotent: a run already closed is left alone) and raise or resolve its alert.

    ``alert=False`` for runs whose findings raise their own alerts (the parser monitor) and dry runs.
    """
    with transaction.atomic():
        run = record_start(job=job, workflow_id=workflow_id, run_id=run_id, started=started)
        if run.finished is not None:
            return []
        JobRun.objects.filter(pk=run.pk).update(status=status, finished=finished, summary=summary, error=error)
        key = f"job:{job}:failed"
        if not alert:
            return []
        if status in ALERTING_STATUSES:
            details = error or "\n".join(
                f"{e.get('court')}: {e.get('type')}: {e.get('message')}" for e in summary.get("errors", []))
            return [raise_alert(key, f"{job} run ended {status}", f"Run {workflow_id} / {run_id}\n{details}",
                                now=finished, kind=AlertKind.JOB_FAILED,
                                facts={"job": job, "status": status, "workflow_id": workflow_id, "run_id": run_id,
                                       "details": details})]
        if status in CLEAN_STATUSES:
            resolve_alert(key, now=finished)
        return []


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


def run_inline(*, job: str, workflow_id: str, run_id: str, body: Callable[[], R],
               status_of: Callable[[R], str] = lambda _: RunStatus.SUCCESS, alert: bool = True) -> R:
    """An --inline run recorded as its workflow records itself (workflows/tracking.py): a JobRun row at the
    start and end, the alert a bad end raises, and the alert e-mails sent; a failure is recorded and re-raised."""
    started = timezone.now()
    record_start(job=job, workflow_id=workflow_id, run_id=run_id, started=started)
    try:
        result = body()
    except Exception as exc:
        raised = record_end(job=job, workflow_id=workflow_id, run_id=run_id, started=started,
                            finished=timezone.now(), status=RunStatus.FAILED, summary={},
                            error=f"{type(exc).__name__}: {exc}", alert=alert)
        _send_alerts(raised)
        raise
    raised = record_end(job=job, workflow_id=workflow_id, run_id=run_id, started=started, finished=timezone.now(),
                        status=status_of(result), summary=run_summary(result), alert=alert)
    _send_alerts(raised)
    return result


def _send_alerts(raised: list[Raised]) -> None:
    if not sum(r.emails_queued + r.webhooks_queued for r in raised):
        return
    try:
        send_and_watch(kinds=[EmailKind.ALERT])
    except TemporaryEmailError:  # the rows stay pending: the next run's sending step delivers them
        pass
