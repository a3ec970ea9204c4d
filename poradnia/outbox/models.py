from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEmail(models.Model):
    """One e-mail fact, written in the same transaction as the change it reports.

    ``key`` names the fact (e.g. ``courtsession:created:<id>``, ``reminder:<event>:<user>``); its
    uniqueness makes writing the row idempotent, and a separate step sends pending rows and marks
    them sent, so retries and re-runs never send twice and a crash loses nothing.

    A sender claims a row (``sending``, ``lease_until``, ``lease_owner``) before it talks to the mail
    server; a lease that has run out (the sender died) makes the row sendable again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    key = models.CharField(_("key"), max_length=255, unique=True)
    kind = models.CharField(_("kind"), max_length=50, db_index=True)
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    html_body = models.TextField(_("html body"), blank=True)
    # From, Reply-To, Message-ID... as decided when the fact was recorded, so a retry sends the same message.
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True,
                                           help_text=_("A deferred row is not sent before this time"))
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True,
                                       help_text=_("A sending row is held until then"))
    lease_owner = models.CharField(_("lease owner"), max_length=32, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox e-mail")
        verbose_name_plural = _("outbox e-mails")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "id"], name="outbox_status_id")]

    def __str__(self) -> str:
        return self.key
