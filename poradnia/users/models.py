from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A Poradnia user: client, lawyer (staff of cases) or management."""

    class ReminderTime(models.IntegerChoices):
        NEVER = 0, _("never")
        ONE_DAY = 1, _("1 day before")
        THREE_DAYS = 3, _("3 days before")
        SEVEN_DAYS = 7, _("7 days before")

    event_reminder_time = models.IntegerField(
        _("event reminder time"),
        choices=ReminderTime.choices,
        default=ReminderTime.ONE_DAY,
        help_text=_("How many days before an event of one of my cases I am e-mailed a reminder."),
    )
    notify_old_cases = models.BooleanField(
        _("notify old cases"), default=False,
        help_text=_("Receive the monthly count of cases old enough to be deleted.")
    )
    notify_unassigned_letter = models.BooleanField(
        _("notify unassigned letter"), default=False,
        help_text=_("Management: reminded of events in cases that have no staff assigned.")
    )
