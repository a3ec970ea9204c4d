from django.db import models


class OutboxEmail(models.Model):
    """One e-mail fact, written in the same transaction as the change it reports.

    ``key`` names the fact (e.g. ``courtsession:created:<id>``, ``reminder:<event>:<user>``); its
    uniqueness makes writing the row idempotent, and a separate step sends pending rows and marks
    them sent, so retries and re-runs never send twice and a crash loses nothing.

    A sender claims a row (``sending``, ``lease_until``, ``lease_owner``) before it talks to the mail
    server; a lease that has run out (the sender died) makes the row sendable again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    key = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=50, db_index=True)
    to = models.EmailField()
    subject = models.CharField(max_length=255)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    # From, Reply-To, Message-ID... as decided when the fact was recorded, so a retry sends the same message.
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True,
                                           help_text="A deferred row is not sent before this time")
    lease_until = models.DateTimeField(null=True, blank=True, help_text="A sending row is held until then")
    lease_owner = models.CharField(max_length=32, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "id"], name="outbox_status_id")]

    def __str__(self) -> str:
        return self.key
