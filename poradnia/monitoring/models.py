from django.db import models
from django.utils import timezone

from poradnia.contracts import RunStatus


class HealthCheck(models.Model):
    """One round of the health check: can the worker reach its database and Temporal, and how fast."""

    created = models.DateTimeField(default=timezone.now, db_index=True)
    db_ms = models.FloatField(null=True, blank=True, help_text="Database round trip, milliseconds")
    temporal_ms = models.FloatField(null=True, blank=True, help_text="Temporal round trip, milliseconds")
    db_ok = models.BooleanField(default=False)
    temporal_ok = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    workflow_id = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created"]
        get_latest_by = "created"

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {'ok' if self.ok else 'FAILED'}"

    @property
    def ok(self) -> bool:
        return self.db_ok and self.temporal_ok


class JobRun(models.Model):
    """One row per workflow run of a background job, written at its start and its end."""

    class Status(models.TextChoices):
        # The values are poradnia.contracts.RunStatus's (a test checks they agree); the labels are the admin's.
        RUNNING = RunStatus.RUNNING.value, "running"
        SUCCESS = RunStatus.SUCCESS.value, "completed"
        PARTIAL = RunStatus.PARTIAL.value, "partial"
        NO_COURTS = RunStatus.NO_COURTS.value, "nothing to do"
        FAILED_ALL = RunStatus.FAILED_ALL.value, "all courts failed"
        FAILED = RunStatus.FAILED.value, "failed"

    job = models.CharField(max_length=100, db_index=True)
    workflow_id = models.CharField(max_length=255)
    run_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.RUNNING, db_index=True)
    started = models.DateTimeField()
    finished = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started"]

    def __str__(self) -> str:
        return f"{self.job} {self.started:%Y-%m-%d %H:%M} {self.status}"

    @property
    def ui_url(self) -> str:
        from django.conf import settings

        return (f"{settings.TEMPORAL_UI_URL.rstrip('/')}/namespaces/{settings.TEMPORAL_NAMESPACE}"
                f"/workflows/{self.workflow_id}/{self.run_id}")


class Alert(models.Model):
    """A condition an operator must know about, e-mailed to ADMINS once per cooldown, resolved when it clears."""

    class Severity(models.TextChoices):
        WARNING = "warning", "warning"
        ERROR = "error", "error"

    dedupe_key = models.CharField(max_length=255, unique=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.ERROR)
    title = models.CharField(max_length=255)
    message = models.TextField(blank=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    occurrences = models.PositiveIntegerField(default=1)
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_emailed_at = models.DateTimeField(null=True, blank=True)
    email_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return self.title

    @property
    def active(self) -> bool:
        return self.resolved_at is None


class CourtPageStat(models.Model):
    """Rows a court's page had when a run read it: the history that shows a parser's drift."""

    class Source(models.TextChoices):
        SYNC = "sync", "court-session run"
        MONITOR = "monitor", "parser monitor"

    court = models.ForeignKey("judgements.Court", on_delete=models.CASCADE, related_name="page_stats")
    run_id = models.CharField(max_length=64)
    source = models.CharField(max_length=10, choices=Source.choices)
    created = models.DateTimeField()
    ok = models.BooleanField(default=True)
    rows_seen = models.PositiveIntegerField(default=0)
    tracked_rows = models.PositiveIntegerField(default=0)
    bad_rows = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [models.UniqueConstraint(fields=["court", "run_id"], name="courtpagestat_unique_run")]

    def __str__(self) -> str:
        return f"{self.court.parser_key} {self.created:%Y-%m-%d} {self.rows_seen} rows"


class WebhookDelivery(models.Model):
    """One POST of one alert notification to ALERT_WEBHOOK_URL: the webhook's outbox.

    ``key`` is ``alert:<dedupe key>:<n>`` (the alert's n-th notification, the same n as its e-mails),
    so a re-raised alert within its cooldown, a retried activity or a restarted watch never writes a
    second row, and the row is marked sent in the transaction that holds it while it is POSTed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    key = models.CharField(max_length=255, unique=True)
    alert_key = models.CharField(max_length=255, db_index=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_status_next")]

    def __str__(self) -> str:
        return self.key


class WatchCheck(models.Model):
    """The latest outcome of each watch check (``manage.py watch``), shown on the admin's front page."""

    name = models.CharField(max_length=50, unique=True)
    ok = models.BooleanField(default=True)
    line = models.TextField()
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.line


class WatchCounter(models.Model):
    """What the watch remembers between rounds: a schedule's skipped / missed counts, when it was first seen paused."""

    key = models.CharField(max_length=255, unique=True)
    value = models.BigIntegerField(default=0)
    delta = models.BigIntegerField(default=0)  # the last increase
    changed_at = models.DateTimeField(null=True, blank=True)  # when value last rose
    since = models.DateTimeField()  # first seen

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
