from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from poradnia.contracts import RunStatus
from poradnia.dates import short_date, short_datetime


class HealthCheck(models.Model):
    """One round of the health check: can the worker reach its database and Temporal, and how fast."""

    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    db_ms = models.FloatField(_("db ms"), null=True, blank=True, help_text=_("Database round trip, milliseconds"))
    temporal_ms = models.FloatField(_("temporal ms"), null=True, blank=True,
                                    help_text=_("Temporal round trip, milliseconds"))
    db_ok = models.BooleanField(_("db ok"), default=False)
    temporal_ok = models.BooleanField(_("temporal ok"), default=False)
    error = models.TextField(_("error"), blank=True)
    workflow_id = models.CharField(_("workflow id"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        ordering = ["-created"]
        get_latest_by = "created"

    def __str__(self) -> str:
        return f"{short_datetime(self.created)} {gettext('ok') if self.ok else gettext('FAILED')}"

    @property
    def ok(self) -> bool:
        return self.db_ok and self.temporal_ok


class JobRun(models.Model):
    """One row per workflow run of a background job, written at its start and its end."""

    class Status(models.TextChoices):
        # The values are poradnia.contracts.RunStatus's (a test checks they agree); the labels are the admin's.
        RUNNING = RunStatus.RUNNING.value, _("running")
        SUCCESS = RunStatus.SUCCESS.value, _("completed")
        PARTIAL = RunStatus.PARTIAL.value, _("partial")
        NO_COURTS = RunStatus.NO_COURTS.value, _("nothing to do")
        FAILED_ALL = RunStatus.FAILED_ALL.value, _("all courts failed")
        FAILED = RunStatus.FAILED.value, _("failed")

    job = models.CharField(_("job"), max_length=100, db_index=True)
    workflow_id = models.CharField(_("workflow id"), max_length=255)
    run_id = models.CharField(_("run id"), max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.RUNNING, db_index=True)
    started = models.DateTimeField(_("started"))
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started"]

    def __str__(self) -> str:
        return f"{self.job} {short_datetime(self.started)} {self.get_status_display()}"

    @property
    def ui_url(self) -> str:
        from django.conf import settings

        return (f"{settings.TEMPORAL_UI_URL.rstrip('/')}/namespaces/{settings.TEMPORAL_NAMESPACE}"
                f"/workflows/{self.workflow_id}/{self.run_id}")


class Alert(models.Model):
    """A condition an operator must know about, e-mailed to ADMINS once per cooldown, resolved when it clears."""

    class Severity(models.TextChoices):
        WARNING = "warning", _("warning")
        ERROR = "error", _("error")

    dedupe_key = models.CharField(_("dedupe key"), max_length=255, unique=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.ERROR)
    title = models.CharField(_("title"), max_length=255)
    message = models.TextField(_("message"), blank=True)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, db_index=True)
    last_emailed_at = models.DateTimeField(_("last emailed at"), null=True, blank=True)
    email_count = models.PositiveIntegerField(_("email count"), default=0)
    # What the alert is about, as data: the title and message above are the English text the logs and the watch
    # read; the admin and the e-mails word the alert from these, in the reader's language.
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    facts = models.JSONField(_("facts"), default=dict, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        """The title in the active language (page titles, breadcrumbs, the admin log)."""
        from .alerts import worded_title

        return worded_title(self)

    @property
    def active(self) -> bool:
        return self.resolved_at is None


class CourtPageStat(models.Model):
    """Rows a court's page had when a run read it: the history that shows a parser's drift."""

    class Source(models.TextChoices):
        SYNC = "sync", _("court-session run")
        MONITOR = "monitor", _("parser monitor")

    court = models.ForeignKey("judgements.Court", verbose_name=_("court"), on_delete=models.CASCADE,
                              related_name="page_stats")
    run_id = models.CharField(_("run id"), max_length=64)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    created = models.DateTimeField(_("created"))
    ok = models.BooleanField(_("ok"), default=True)
    rows_seen = models.PositiveIntegerField(_("rows seen"), default=0)
    tracked_rows = models.PositiveIntegerField(_("tracked rows"), default=0)
    bad_rows = models.PositiveIntegerField(_("bad rows"), default=0)
    # The dates the page covered (first and last hearing): a tracked hearing inside them that the page
    # does not list is missing; one outside them says nothing.
    first_date = models.DateField(_("first date"), null=True, blank=True)
    last_date = models.DateField(_("last date"), null=True, blank=True)
    bytes_fetched = models.PositiveIntegerField(_("bytes fetched"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("court page stat")
        verbose_name_plural = _("court page stats")
        ordering = ["-created"]
        constraints = [models.UniqueConstraint(fields=["court", "run_id"], name="courtpagestat_unique_run")]

    def __str__(self) -> str:
        return gettext("%(court)s %(day)s: %(rows)s rows") % {
            "court": self.court.parser_key, "day": short_date(self.created), "rows": self.rows_seen}


class WebhookDelivery(models.Model):
    """One POST of one alert notification to ALERT_WEBHOOK_URL: the webhook's outbox.

    ``key`` is ``alert:<dedupe key>:<n>`` (the alert's n-th notification, the same n as its e-mails),
    so a re-raised alert within its cooldown, a retried activity or a restarted watch never writes a
    second row, and the row is marked sent in the transaction that holds it while it is POSTed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    key = models.CharField(_("key"), max_length=255, unique=True)
    alert_key = models.CharField(_("alert key"), max_length=255, db_index=True)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    created = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_status_next")]

    def __str__(self) -> str:
        return self.key


class WatchCheck(models.Model):
    """The latest outcome of each watch check (``manage.py watch``), shown on the admin's front page."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    ok = models.BooleanField(_("ok"), default=True)
    line = models.TextField(_("line"))  # in English, as ``manage.py watch`` printed it
    # What the check saw and found (state, facts, findings): worded in the reader's language by ``shown_line``.
    details = models.JSONField(_("details"), default=dict, blank=True)
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("watch check")
        verbose_name_plural = _("watch checks")
        ordering = ["name"]

    def __str__(self) -> str:
        from .statuslines import check_name

        return check_name(self.name)

    def shown_line(self, language: str | None = None) -> str:
        """The line in ``language`` (the active one by default); a row recorded before ``details``: as stored."""
        if not self.details:
            return self.line
        from .statuslines import worded_line

        return worded_line(self.name, self.details, language)


class WatchCounter(models.Model):
    """What the watch remembers between rounds: a schedule's skipped / missed counts, when it was first seen paused."""

    key = models.CharField(_("key"), max_length=255, unique=True)
    value = models.BigIntegerField(_("value"), default=0)
    delta = models.BigIntegerField(_("delta"), default=0)  # the last increase
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)  # when value last rose
    since = models.DateTimeField(_("since"))  # first seen

    class Meta:
        verbose_name = _("watch counter")
        verbose_name_plural = _("watch counters")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
