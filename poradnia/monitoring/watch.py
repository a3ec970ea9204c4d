"""The watch: is the system itself working? Checks that need no worker of ours, run by ``manage.py watch``.

Each round asks Temporal and the database directly (never through a workflow, so a dead worker is
still seen) and turns what it finds into alerts it owns:

* **pollers** - live pollers of our task queue, workflow and activity (DescribeTaskQueue; a poller is
  live when it polled within WATCH_POLLER_STALE_S); fewer workers than WATCH_MIN_WORKERS: "no worker";
* **backlog** - the queue's approximate backlog (above WATCH_BACKLOG_MAX) and the schedule-to-start
  time of a probe activity (above WATCH_START_LATENCY_S, or a probe still waiting that long);
* **schedules** - each declared schedule: missing on the server, runs skipped for overlap or missed
  past the catch-up window since the previous round, paused for more than WATCH_PAUSED_DAYS;
* **mail** - outbox rows pending longer than WATCH_OUTBOX_STUCK_MIN or a burst of permanent
  failures: "mail is not going out";
* **webhook** - alert POSTs that failed since the webhook last accepted one, or that are still retried
  after WEBHOOK_RETRYING_ALERT attempts: the second channel is broken (said by e-mail);
* **runs** - a run whose JobRun says "running" while its workflow has ended on Temporal (terminated,
  cancelled or timed out: no step of it could record the end) is closed as failed, which raises its job's
  alert; runs still "running" longer than their job allows (``Job.max_run``) are flagged: a process that
  died without recording its end (a full disk, a kill), or a workflow Temporal no longer knows.

An alert a check raised is resolved by the first round of that check that no longer finds it; a
check that could not run (Temporal unreachable) leaves its alerts as they are and raises its own.
The round then sends the alert e-mails and webhook POSTs itself: nothing waits for a worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import translation
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from poradnia.contracts import first_line
from poradnia.outbox.models import OutboxEmail

from . import statuslines
from .alerts import ALERT_KIND, AlertKind, raise_alert, resolve_alert
from .mail import MAIL_DOWN_KEY
from .models import Alert, WatchCheck, WatchCounter, WebhookDelivery

WATCH_PREFIX = "watch:"
# The "mail is not going out" alert. The outbox's sending step raises the same key when the relay refuses
# us (and resolves it on the first accepted message); the watch raises it for rows stuck or refused.
MAIL_ALERT_KEY = MAIL_DOWN_KEY
PROBE_WORKFLOW = "WatchProbeWorkflow"
WEBHOOK_ALERT_KEY = f"{WATCH_PREFIX}webhook"
WEBHOOK_RETRYING_ALERT = 3  # attempts (about two minutes of backoff) before a retried POST is news
PROBE_TIMEOUT = timedelta(hours=1)  # a probe nobody picks up ends by itself; the next round starts another


def owns(key: str) -> bool:
    """Alerts the watch raises and resolves (and whose being open makes ``watch --once`` exit 1)."""
    return key.startswith(WATCH_PREFIX) or key == MAIL_ALERT_KEY


@dataclass
class Finding:
    key: str
    title: str
    message: str
    severity: str = Alert.Severity.ERROR
    kind: str = ""  # AlertKind: the e-mail's wording in its language, filled in from ``facts``
    facts: dict[str, object] = field(default_factory=dict)


@dataclass
class CheckResult:
    """What one check saw (``facts``, worded by ``statuslines``) and found (``findings``)."""

    name: str
    facts: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    prefixes: tuple[str, ...] = ()  # the alert keys this check decides about
    failed: bool = False  # could not run: leave its alerts alone
    keep: frozenset[str] = frozenset()  # not found by this check, but not cleared either: leave open

    @property
    def ok(self) -> bool:
        return not self.failed and not self.findings

    @property
    def state(self) -> str:
        return statuslines.state_of(self.failed, self.findings)

    @property
    def summary(self) -> str:
        """What the check saw, in English (the command's output and the stored ``line``)."""
        with translation.override("en"):
            return statuslines.summary(self.name, self.facts)

    def details(self) -> dict[str, Any]:
        """What ``WatchCheck.details`` keeps, for the admin to word in its reader's language."""
        return {"state": self.state, "facts": self.facts,
                "findings": [{"kind": f.kind, "facts": f.facts, "title": f.title} for f in self.findings]}

    def line(self) -> str:
        with translation.override("en"):
            return statuslines.line(self.name, self.state, self.facts, [f.title for f in self.findings])


def failed_check(name: str, exc: BaseException | str) -> CheckResult:
    """A check that could not run: its alerts stay as they are."""
    return CheckResult(name, {"error": first_line(exc) if isinstance(exc, BaseException) else exc}, failed=True)


def probe_id(task_queue: str) -> str:
    return f"watch-probe-{task_queue}"


# ---- facts from Temporal (async, no ORM) -------------------------------------------------------

@dataclass
class QueueFacts:
    pollers: dict[str, list[tuple[str, datetime]]]  # "workflow"/"activity" -> [(identity, last access)]
    backlog: dict[str, int]
    backlog_age_s: dict[str, float]


async def queue_facts(client: Client, task_queue: str) -> QueueFacts:
    facts = QueueFacts({}, {}, {})
    kinds = {"workflow": TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, "activity": TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY}
    for name, kind in kinds.items():
        response = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
            namespace=client.namespace, task_queue=TaskQueue(name=task_queue), task_queue_type=kind,
            report_stats=True))
        facts.pollers[name] = [(p.identity, p.last_access_time.ToDatetime(tzinfo=UTC)) for p in response.pollers]
        facts.backlog[name] = int(response.stats.approximate_backlog_count)
        facts.backlog_age_s[name] = response.stats.approximate_backlog_age.ToTimedelta().total_seconds()
    return facts


@dataclass
class ProbeFacts:
    running_since: datetime | None = None  # the current probe, not picked up or not finished yet
    latency_s: float | None = None  # the last finished probe's schedule-to-start time
    error: str = ""  # the previous probe's end when it did not complete: "terminated", "timed_out", ...


async def probe_facts(client: Client, task_queue: str) -> ProbeFacts:
    """What the previous probe found, then start the next one (one probe at a time)."""
    handle = client.get_workflow_handle(probe_id(task_queue))
    facts = ProbeFacts()
    try:
        description = await handle.describe()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        description = None
    if description is not None and description.status == WorkflowExecutionStatus.RUNNING:
        facts.running_since = description.start_time
        return facts
    if description is not None and description.status == WorkflowExecutionStatus.COMPLETED:
        facts.latency_s = float(await handle.result())
    elif description is not None and description.status is not None:
        facts.error = description.status.name.lower()  # how the previous probe ended
    try:
        await client.start_workflow(PROBE_WORKFLOW, id=probe_id(task_queue), task_queue=task_queue,
                                    execution_timeout=PROBE_TIMEOUT,
                                    id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE)
    except WorkflowAlreadyStartedError:  # another watch started it a moment ago
        pass
    return facts


@dataclass
class ScheduleFacts:
    schedule_id: str
    exists: bool
    paused: bool = False
    note: str = ""
    last_updated_at: datetime | None = None
    skipped_overlap: int = 0
    missed_catchup: int = 0


async def schedule_facts(client: Client, schedule_ids: Iterable[str]) -> list[ScheduleFacts]:
    async def one(schedule_id: str) -> ScheduleFacts:
        try:
            description = await client.get_schedule_handle(schedule_id).describe()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return ScheduleFacts(schedule_id, exists=False)
            raise
        state, info = description.schedule.state, description.info
        return ScheduleFacts(schedule_id, True, paused=state.paused, note=state.note or "",
                             last_updated_at=info.last_updated_at or info.created_at,
                             skipped_overlap=info.num_actions_skipped_overlap,
                             missed_catchup=info.num_actions_missed_catchup_window)

    return list(await asyncio.gather(*(one(s) for s in schedule_ids)))


# ---- evaluation (sync, ORM) --------------------------------------------------------------------

def evaluate_pollers(facts: QueueFacts, task_queue: str, now: datetime) -> CheckResult:
    key = f"{WATCH_PREFIX}no-worker:{task_queue}"
    fresh_after = now - timedelta(seconds=settings.WATCH_POLLER_STALE_S)
    live = {kind: sorted({identity for identity, seen in pollers if seen >= fresh_after})
            for kind, pollers in facts.pollers.items()}
    workers = min(len(v) for v in live.values()) if live else 0
    result = CheckResult("pollers", {"task_queue": task_queue, "workers": workers, "workflow": live.get("workflow", []),
                                     "activity": live.get("activity", [])}, prefixes=(key,))
    summary = result.summary
    if workers < settings.WATCH_MIN_WORKERS:
        seen = [seen for pollers in facts.pollers.values() for _, seen in pollers]
        last = f"last poll {max(seen):%Y-%m-%d %H:%M:%S} UTC" if seen else "no poll seen"
        title = ("no worker polls" if workers == 0 else f"only {workers} worker(s) poll") + \
            f" task queue {task_queue}"
        result.findings.append(Finding(key, title, (
            f"{summary}; WATCH_MIN_WORKERS is {settings.WATCH_MIN_WORKERS}; {last}. Scheduled runs are waiting and "
            "nothing is processed: start the worker (docker compose up -d worker, or python worker.py) and check its "
            "logs for the reason it stopped."), kind=AlertKind.NO_WORKER,
            facts={"task_queue": task_queue, "workers": workers, "min_workers": settings.WATCH_MIN_WORKERS,
                   "last_poll": max(seen).isoformat() if seen else None}))
    return result


def evaluate_backlog(facts: QueueFacts, probe: ProbeFacts, task_queue: str, now: datetime) -> CheckResult:
    backlog_key, latency_key = f"{WATCH_PREFIX}backlog:{task_queue}", f"{WATCH_PREFIX}start-latency:{task_queue}"
    backlog = max(facts.backlog.values(), default=0)
    seen: dict[str, Any] = {"workflow": facts.backlog.get("workflow", 0), "activity": facts.backlog.get("activity", 0)}
    if probe.running_since is not None:
        waited = (now - probe.running_since).total_seconds()
        seen |= {"probe": "waiting", "seconds": f"{waited:.0f}"}
    else:
        waited = probe.latency_s or 0.0
        seen |= ({"probe": "latency", "seconds": f"{probe.latency_s:.2f}"} if probe.latency_s is not None
                 else {"probe": "started", "probe_end": probe.error})
    result = CheckResult("backlog", seen, prefixes=(backlog_key, latency_key))
    if backlog > settings.WATCH_BACKLOG_MAX:
        age = max(facts.backlog_age_s.values(), default=0.0)
        result.findings.append(Finding(backlog_key, f"{backlog} tasks wait in task queue {task_queue}", (
            f"backlog workflow {seen['workflow']}, activity {seen['activity']} "
            f"(WATCH_BACKLOG_MAX {settings.WATCH_BACKLOG_MAX}); the oldest waits {age:.0f} s. "
            "The workers cannot keep up: start more workers or look for a run that floods the queue."),
            severity=Alert.Severity.WARNING, kind=AlertKind.BACKLOG,
            facts={"task_queue": task_queue, "backlog": backlog, "workflow": facts.backlog.get("workflow", 0),
                   "activity": facts.backlog.get("activity", 0), "max": settings.WATCH_BACKLOG_MAX,
                   "age_s": f"{age:.0f}"}))
    if waited > settings.WATCH_START_LATENCY_S:
        result.findings.append(Finding(latency_key, f"work waits {waited:.0f} s for a worker on {task_queue}", (
            f"The watch's probe activity waited {waited:.0f} s before a worker started it (WATCH_START_LATENCY_S "
            f"{settings.WATCH_START_LATENCY_S:.0f}). Workers are missing, stuck or all slots are busy."),
            severity=Alert.Severity.WARNING, kind=AlertKind.START_LATENCY,
            facts={"task_queue": task_queue, "waited_s": f"{waited:.0f}",
                   "max_s": f"{settings.WATCH_START_LATENCY_S:.0f}"}))
    return result


def _counter(key: str, value: int, now: datetime) -> WatchCounter:
    """Remember ``value``; its first sighting is the baseline (history before the watch is not news)."""
    counter, created = WatchCounter.objects.get_or_create(key=key, defaults={"value": value, "since": now})
    if not created and value > counter.value:
        counter.delta, counter.value, counter.changed_at = value - counter.value, value, now
        counter.save()
    elif not created and value < counter.value:  # schedule re-created: a new baseline
        counter.value, counter.delta, counter.changed_at = value, 0, None
        counter.save()
    return counter


def who_paused(schedule_id: str) -> str:
    """The admin user who paused it last, from the admin log, when it was paused from the admin."""
    from django.apps import apps
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    try:
        model = apps.get_model("jobs", "BackgroundJob")
    except LookupError:
        return ""
    entry = (LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
                                     object_id=schedule_id, change_message__startswith="Paused")
             .select_related("user").order_by("-action_time").first())
    return f"{entry.user.get_username()} at {entry.action_time:%Y-%m-%d %H:%M} UTC" if entry else ""


def evaluate_schedules(facts: list[ScheduleFacts], now: datetime) -> CheckResult:
    result = CheckResult("schedules", prefixes=(f"{WATCH_PREFIX}schedule:",))
    hold = timedelta(seconds=settings.WATCH_EVENT_HOLD_S)
    paused_after = timedelta(days=settings.WATCH_PAUSED_DAYS)
    states = []
    for s in facts:
        base = f"{WATCH_PREFIX}schedule:{s.schedule_id}"
        if not s.exists:
            states.append({"schedule": s.schedule_id, "state": "missing"})
            result.findings.append(Finding(f"{base}:missing", f"schedule {s.schedule_id} is missing on Temporal", (
                f"The schedule {s.schedule_id} is declared in the job registry (poradnia/contracts.py) but the server "
                "has none: its job never runs. Run: python manage.py apply_schedules"),
                kind=AlertKind.SCHEDULE_MISSING, facts={"schedule": s.schedule_id}))
            continue
        if s.paused:
            seen = WatchCounter.objects.get_or_create(key=f"paused:{s.schedule_id}", defaults={"since": now})[0]
            since = min(seen.since, s.last_updated_at or seen.since)
            days = (now - since).total_seconds() / 86400
            states.append({"schedule": s.schedule_id, "state": "paused", "days": f"{days:.1f}"})
            if now - since >= paused_after:
                by = who_paused(s.schedule_id)
                result.findings.append(Finding(
                    f"{base}:paused", f"schedule {s.schedule_id} paused for {days:.1f} days: {s.note or 'no note'}",
                    f"The schedule {s.schedule_id} has been paused since {since:%Y-%m-%d %H:%M} UTC "
                    f"(WATCH_PAUSED_DAYS {settings.WATCH_PAUSED_DAYS:g}). Note: {s.note or '(none)'}."
                    + (f" Paused by {by} in the admin." if by else "")
                    + f" If the reason is gone: python manage.py schedules unpause {s.schedule_id}",
                    severity=Alert.Severity.WARNING, kind=AlertKind.SCHEDULE_PAUSED,
                    facts={"schedule": s.schedule_id, "days": f"{days:.1f}", "since": since.isoformat(),
                           "note": s.note, "max_days": f"{settings.WATCH_PAUSED_DAYS:g}", "by": by}))
        else:
            WatchCounter.objects.filter(key=f"paused:{s.schedule_id}").delete()
            states.append({"schedule": s.schedule_id, "state": "active"})
        for kind, value, what in (("skipped", s.skipped_overlap, "skipped because the previous run was still going"),
                                  ("missed", s.missed_catchup, "missed past the catch-up window")):
            counter = _counter(f"{kind}:{s.schedule_id}", value, now)
            if counter.changed_at is not None and now - counter.changed_at < hold:
                result.findings.append(Finding(
                    f"{base}:{kind}", f"schedule {s.schedule_id}: {counter.delta} run(s) {what}",
                    f"{counter.delta} run(s) of {s.schedule_id} were {what} around {counter.changed_at:%Y-%m-%d %H:%M} "
                    f"UTC ({value} in all). Check the job's last runs on the Background jobs page; start a missed run "
                    f"with: python manage.py schedules trigger {s.schedule_id}", severity=Alert.Severity.WARNING,
                    kind=AlertKind.SCHEDULE_RUNS,
                    facts={"schedule": s.schedule_id, "what": kind, "delta": counter.delta,
                           "at": counter.changed_at.isoformat(), "total": value}))
    result.facts = {"schedules": states}
    return result


def evaluate_mail(now: datetime) -> CheckResult:
    stuck_before = now - timedelta(minutes=settings.WATCH_OUTBOX_STUCK_MIN)
    pending = OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING)
    stuck = pending.filter(created__lt=stuck_before)
    stuck_count = stuck.count()
    failed_recent = OutboxEmail.objects.filter(status=OutboxEmail.Status.FAILED,
                                               failed_at__gte=now - timedelta(hours=1)).count()
    result = CheckResult("mail", {"pending": pending.count(), "stuck": stuck_count,
                                  "stuck_min": f"{settings.WATCH_OUTBOX_STUCK_MIN:g}", "refused": failed_recent},
                         prefixes=(MAIL_ALERT_KEY,))
    summary = result.summary
    if stuck_count or failed_recent >= settings.WATCH_OUTBOX_FAILED_BURST:
        oldest = stuck.order_by("created").values_list("created", "last_error").first()
        detail = (f"the oldest pending since {oldest[0]:%Y-%m-%d %H:%M} UTC, last error: {oldest[1] or '-'}"
                  if oldest else "")
        result.findings.append(Finding(MAIL_ALERT_KEY, "E-mail is not going out", (
            f"Outbox: {summary}; {detail}. E-mails to case staff (and the alert e-mails) wait in the outbox. Check "
            "the mail relay (EMAIL_HOST, EMAIL_PORT, credentials) and the worker logs; pending rows go out by "
            "themselves once it answers, refused ones are listed under Outbox with the reason."),
            kind=AlertKind.MAIL_STUCK,
            facts={"pending": pending.count(), "stuck": stuck_count,
                   "stuck_min": f"{settings.WATCH_OUTBOX_STUCK_MIN:g}", "refused": failed_recent,
                   "oldest": oldest[0].isoformat() if oldest else None,
                   "last_error": (oldest[1] or "-") if oldest else None}))
    elif _mail_alert_unconfirmed(pending):
        result.keep = frozenset({MAIL_ALERT_KEY})
    return result


def _mail_alert_unconfirmed(pending) -> bool:
    """The alert is open (maybe raised by the outbox's sending step) and no e-mail went out since: keep it.

    Nothing stuck yet is no proof the relay is back; a message it accepted after the alert, or an empty
    outbox, is.
    """
    alert = Alert.objects.filter(dedupe_key=MAIL_ALERT_KEY, resolved_at__isnull=True).first()
    if alert is None or not pending.exists():
        return False
    return not OutboxEmail.objects.filter(status=OutboxEmail.Status.SENT, sent_at__gte=alert.last_seen).exists()


def evaluate_webhook(now: datetime) -> CheckResult:
    """The webhook channel itself: deliveries refused since the receiver last took one, or long retried."""
    url = settings.ALERT_WEBHOOK_URL
    result = CheckResult("webhook", prefixes=(WEBHOOK_ALERT_KEY,))
    rows = WebhookDelivery.objects.all()
    last_sent = rows.filter(status=WebhookDelivery.Status.SENT).aggregate(last=Max("sent_at"))["last"]
    failed = rows.filter(status=WebhookDelivery.Status.FAILED,
                         created__gte=now - timedelta(seconds=settings.WATCH_EVENT_HOLD_S))
    if last_sent is not None:
        failed = failed.filter(created__gt=last_sent)
    retrying = rows.filter(status=WebhookDelivery.Status.PENDING, attempts__gte=WEBHOOK_RETRYING_ALERT)
    failed_count, retrying_count = failed.count(), retrying.count()
    if not url and not failed_count and not retrying_count:
        result.facts = {"off": True}
        return result
    host = (urlsplit(url).hostname or "?") if url else "(no URL)"  # never the path: a hook's path is its secret
    result.facts = {"pending": rows.filter(status=WebhookDelivery.Status.PENDING).count(), "retrying": retrying_count,
                    "retried_min": WEBHOOK_RETRYING_ALERT, "failed": failed_count, "host": host}
    if failed_count or retrying_count:
        latest = (failed | retrying).order_by("-id").values_list("last_error", flat=True).first() or "-"
        result.findings.append(Finding(WEBHOOK_ALERT_KEY, f"the alert webhook at {host} is failing", (
            f"Webhook: {result.summary}; last error: {latest}. Alerts still go by e-mail to ADMINS, but not to the "
            "chat. Check ALERT_WEBHOOK_URL (a revoked hook answers 403, 404 or 410), ALERT_WEBHOOK_ALLOWED_HOSTS, "
            "and the rows under Monitoring -> Webhook deliveries, which say why each failed."),
            severity=Alert.Severity.WARNING, kind=AlertKind.WEBHOOK_FAILING,
            facts={"host": host, "pending": rows.filter(status=WebhookDelivery.Status.PENDING).count(),
                   "retrying": retrying_count, "retried_min": WEBHOOK_RETRYING_ALERT, "failed": failed_count,
                   "last_error": latest}))
    return result


RUN_STUCK_PREFIX = f"{WATCH_PREFIX}run-stuck:"
INLINE_RUN_PREFIX = "inline-"  # ``--inline`` runs: no workflow to ask about
ENDED_RUNS_PER_ROUND = 50  # describe calls per round at most; the rest wait for the next round


@dataclass
class EndedRun:
    """A run whose JobRun is open while Temporal says its workflow has closed."""

    run_id: str
    status: str  # Temporal's WorkflowExecutionStatus, lower case: "terminated", "canceled", "timed_out", ...
    closed_at: datetime | None


def open_runs() -> list[tuple[str, str]]:
    """(workflow id, run id) of the runs recorded as running that a workflow runs, oldest first."""
    from .models import JobRun

    return list(JobRun.objects.filter(finished__isnull=True).exclude(run_id__startswith=INLINE_RUN_PREFIX)
                .order_by("started").values_list("workflow_id", "run_id")[:ENDED_RUNS_PER_ROUND])


async def ended_runs(client: Client, runs: list[tuple[str, str]]) -> list[EndedRun]:
    """Ask Temporal about each run; a workflow it no longer knows is left to the stuck-run check."""
    ended = []
    for workflow_id, run_id in runs:
        try:
            description = await client.get_workflow_handle(workflow_id, run_id=run_id).describe()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                continue
            raise
        if description.status is not None and description.status != WorkflowExecutionStatus.RUNNING:
            ended.append(EndedRun(run_id, description.status.name.lower(), description.close_time))
    return ended


def close_ended(ended: list[EndedRun], now: datetime) -> int:
    """Record each ended run as failed (its job's alert says so); a run its workflow closed meanwhile is kept."""
    from .history import record_end
    from .models import JobRun

    closed = 0
    for run in ended:
        row = JobRun.objects.filter(run_id=run.run_id, finished__isnull=True).first()
        if row is None:  # the workflow recorded its end after all
            continue
        error = (f"The workflow was {run.status.replace('_', ' ')} on Temporal before it recorded its end "
                 "(nothing it did after its last step is recorded).")
        record_end(job=row.job, workflow_id=row.workflow_id, run_id=row.run_id, started=row.started,
                   finished=run.closed_at or now, status=JobRun.Status.FAILED, summary={}, error=error)
        closed += 1
    return closed


def evaluate_runs(now: datetime, closed: int = 0, ask_error: str = "") -> CheckResult:
    """Runs whose JobRun still says "running" long after their job should have ended, one alert per job."""
    from poradnia.contracts import JOBS

    from .models import JobRun

    limits = {job.id: job.max_run for job in JOBS}
    default = max(limits.values())
    running = JobRun.objects.filter(finished__isnull=True).order_by("started")
    seen: dict[str, Any] = {"running": running.count(), "closed": closed}
    if ask_error:  # Temporal could not be asked which runs ended: the stuck-run rule still holds
        seen["ask_error"] = ask_error
    result = CheckResult("runs", seen, prefixes=(RUN_STUCK_PREFIX,))
    stuck: dict[str, list[JobRun]] = {}
    for run in running:
        if now - run.started > limits.get(run.job, default):
            stuck.setdefault(run.job, []).append(run)
    for job, runs in sorted(stuck.items()):
        limit = limits.get(job, default)
        hours = f"{limit.total_seconds() / 3600:g}"
        oldest = runs[0]
        result.findings.append(Finding(
            f"{RUN_STUCK_PREFIX}{job}", f"{job}: {len(runs)} run(s) still running after more than {hours} h",
            f"{len(runs)} run(s) of {job} have been running for more than {hours} h, the longest a run of it may "
            f"take; the oldest, {oldest.workflow_id} / {oldest.run_id}, since {oldest.started:%Y-%m-%d %H:%M} UTC. "
            "Its process may have died without recording the end (a full disk, a kill) or its workflow was "
            "terminated: check the run in the Web UI and the worker's logs; the next run is not held back by it.",
            kind=AlertKind.RUN_STUCK,
            facts={"job": job, "runs": len(runs), "hours": hours, "workflow_id": oldest.workflow_id,
                   "run_id": oldest.run_id, "since": oldest.started.isoformat()}))
    return result


def temporal_failure(exc: BaseException, address: str) -> CheckResult:
    reason = first_line(exc)
    result = CheckResult("temporal", {"address": address, "reason": reason}, prefixes=(f"{WATCH_PREFIX}temporal",))
    result.findings.append(Finding(f"{WATCH_PREFIX}temporal", f"Temporal at {address} does not answer", (
        f"The watch cannot reach Temporal at {address} (namespace {settings.TEMPORAL_NAMESPACE}): {reason}. No job "
        "runs while it is down. Check the temporal service (docker compose ps temporal; its logs) and its database."),
        kind=AlertKind.TEMPORAL_DOWN,
        facts={"address": address, "namespace": settings.TEMPORAL_NAMESPACE, "reason": reason}))
    return result


def apply(results: list[CheckResult], now: datetime) -> None:
    """Raise what the checks found, resolve what checks that ran no longer find, record each line."""
    for result in results:
        found = {f.key for f in result.findings}
        for finding in result.findings:
            raise_alert(finding.key, finding.title, finding.message, now=now, severity=finding.severity,
                        kind=finding.kind, facts=finding.facts)
        if not result.failed:
            for key in Alert.objects.filter(resolved_at__isnull=True).values_list("dedupe_key", flat=True):
                if key.startswith(result.prefixes) and key not in found and key not in result.keep:
                    resolve_alert(key, now=now)
        with transaction.atomic():
            WatchCheck.objects.update_or_create(name=result.name, defaults={
                "ok": result.ok, "line": result.line(), "details": result.details(), "checked_at": now})


def open_owned_alerts() -> list[Alert]:
    return [a for a in Alert.objects.filter(resolved_at__isnull=True).order_by("dedupe_key") if owns(a.dedupe_key)]


def deliver(now: datetime) -> str:
    """Send the pending alert e-mails and webhook POSTs (every alert's, not only the watch's)."""
    from poradnia.outbox.services import TemporaryEmailError

    from .mail import send_and_watch
    from .webhook import deliver_pending

    try:
        # A relay that refuses us raises the mail alert here too; the webhooks go below, all of them.
        sent = send_and_watch(kinds=[ALERT_KIND], webhooks=False)
        mail = f"alert e-mails sent {sent.sent}, refused {sent.failed}"
    except TemporaryEmailError as exc:
        mail = f"alert e-mails wait: {exc}"
    hooks = deliver_pending(now)
    return (f"delivery: {mail}; webhooks sent {hooks.sent}, retrying {hooks.retrying}, failed {hooks.failed}"
            + (f" ({hooks.errors[-1]})" if hooks.errors else ""))


# ---- one round ---------------------------------------------------------------------------------

async def run_round(connect: Callable[[], Awaitable[Client]], schedule_ids: list[str], task_queue: str,
                    to_thread: Callable[..., Awaitable[Any]] = asyncio.to_thread) -> tuple[list[str], list[Alert]]:
    """One round: every check once, alerts raised / resolved, notifications sent.

    Returns the lines to print (one per check, then delivery) and the watch's alerts still open.
    """
    now = datetime.now(UTC)
    results: list[CheckResult] = []
    client: Client | None = None
    try:
        client = await asyncio.wait_for(connect(), timeout=15)
    except Exception as exc:  # noqa: BLE001 - an unreachable Temporal is a finding, not a crash
        results.append(temporal_failure(exc, settings.TEMPORAL_ADDRESS))
        results += [CheckResult(name, {"unchecked": True}, failed=True) for name in ("pollers", "backlog", "schedules")]
    else:
        results.append(CheckResult("temporal", {"address": settings.TEMPORAL_ADDRESS},
                                   prefixes=(f"{WATCH_PREFIX}temporal",)))
        results += await _temporal_checks(client, schedule_ids, task_queue, now, to_thread)
    closed, runs_error = 0, ""
    if client is not None:
        try:
            closed = await to_thread(close_ended, await ended_runs(client, await to_thread(open_runs)), now)
        except Exception as exc:  # noqa: BLE001 - the stuck-run check below still runs
            runs_error = first_line(exc)
    results.append(await to_thread(evaluate_mail, now))
    results.append(await to_thread(evaluate_webhook, now))
    results.append(await to_thread(evaluate_runs, now, closed, runs_error))
    await to_thread(apply, results, now)
    delivery = await to_thread(deliver, now)
    return [r.line() for r in results] + [delivery], await to_thread(open_owned_alerts)


async def _temporal_checks(client: Client, schedule_ids: list[str], task_queue: str, now: datetime,
                           to_thread: Callable[..., Awaitable[Any]]) -> list[CheckResult]:
    results: list[CheckResult] = []
    queue: QueueFacts | None = None
    try:
        queue = await queue_facts(client, task_queue)
        results.append(await to_thread(evaluate_pollers, queue, task_queue, now))
    except Exception as exc:  # noqa: BLE001
        results.append(failed_check("pollers", f"DescribeTaskQueue: {first_line(exc)}"))
    try:
        if queue is None:
            raise RuntimeError("no task queue figures")
        probe = await probe_facts(client, task_queue)
        results.append(await to_thread(evaluate_backlog, queue, probe, task_queue, now))
    except Exception as exc:  # noqa: BLE001
        results.append(failed_check("backlog", exc))
    try:
        facts = await schedule_facts(client, schedule_ids)
        results.append(await to_thread(evaluate_schedules, facts, now))
    except Exception as exc:  # noqa: BLE001
        results.append(failed_check("schedules", exc))
    return results
