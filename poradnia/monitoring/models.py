from django.db import models
from django.utils import timezone


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
