from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A Poradnia user: client, lawyer (staff of cases) or management."""

    class ReminderTime(models.IntegerChoices):
        NEVER = 0, "never"
        ONE_DAY = 1, "1 day before"
        THREE_DAYS = 3, "3 days before"
        SEVEN_DAYS = 7, "7 days before"

    event_reminder_time = models.IntegerField(
        choices=ReminderTime.choices,
        default=ReminderTime.ONE_DAY,
        help_text="How many days before an event of one of my cases I am e-mailed a reminder.",
    )
    notify_old_cases = models.BooleanField(
        default=False, help_text="Receive the monthly count of cases old enough to be deleted."
    )
    notify_unassigned_letter = models.BooleanField(
        default=False, help_text="Management: reminded of events in cases that have no staff assigned."
    )
