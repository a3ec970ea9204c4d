from django.conf import settings
from django.db import models


class Event(models.Model):
    """A dated item in a case's calendar: a deadline, a hearing, an appointment."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="events")
    time = models.DateTimeField(db_index=True)
    text = models.TextField()
    deadline = models.BooleanField(default=True)
    completed = models.BooleanField(default=False)
    public = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="event_created_by"
    )
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="event_modified_by",
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["time"]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.text[:40]}"


class Reminder(models.Model):
    """Records that a user was reminded of an event, so nobody is reminded twice."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders")
    active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="reminder_unique_event_user")]

    def __str__(self) -> str:
        return f"{self.user} <- {self.event}"
