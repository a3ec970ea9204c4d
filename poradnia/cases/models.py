from django.conf import settings
from django.db import models
from django.utils import timezone


class Case(models.Model):
    """A client's matter; its staff are the users who handle it and get its notifications."""

    class Status(models.TextChoices):
        FREE = "free", "free"
        MODERATED = "moderated", "moderated"
        ASSIGNED = "assigned", "assigned"
        CLOSED = "closed", "closed"

    name = models.CharField(max_length=250)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FREE, db_index=True)
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_client"
    )
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="case_staff")
    last_action = models.DateTimeField(default=timezone.now, db_index=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_action"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"
