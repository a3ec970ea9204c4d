from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from poradnia.dates import short_datetime


class Event(models.Model):
    """A dated item in a case's calendar: a deadline, a hearing, an appointment."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    time = models.DateTimeField(_("time"), db_index=True)
    text = models.TextField(_("text"))
    deadline = models.BooleanField(_("deadline"), default=True)
    completed = models.BooleanField(_("completed"), default=False)
    public = models.BooleanField(_("public"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="event_created_by"
    )
    modified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("modified by"),
                                    on_delete=models.PROTECT, null=True, blank=True,
        related_name="event_modified_by",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["time"]

    def __str__(self) -> str:
        return f"{short_datetime(self.time, hearing=True)} {self.text[:40]}"


class Reminder(models.Model):
    """Records that a user was reminded of an event, so nobody is reminded twice."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="reminders")
    active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="reminder_unique_event_user")]

    def __str__(self) -> str:
        return f"{self.user} <- {self.event}"
