from django.conf import settings
from django.db import models
from django.utils import timezone


class Case(models.Model):
    """A client's matter; its staff (``CaseStaff``) are the users who handle it and get its notifications."""

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
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="case_staff",
                                   through="CaseStaff")
    last_action = models.DateTimeField(default=timezone.now, db_index=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_action"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"


class CaseStaff(models.Model):
    """A user's role on a case. ``can_send_to_client`` is False for volunteers, whose letters a lawyer checks.

    The table is the one the plain many-to-many field had (``cases_case_staff``); every row that existed
    before the role did can send to the client, as before.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    can_send_to_client = models.BooleanField(
        default=True, help_text="Off for volunteers: their letters to the client are checked by a lawyer first."
    )

    class Meta:
        db_table = "cases_case_staff"
        unique_together = [("case", "user")]
        verbose_name = "case staff member"

    def __str__(self) -> str:
        return f"{self.user} on {self.case}"
