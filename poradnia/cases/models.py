from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Case(models.Model):
    """A client's matter; its staff (``CaseStaff``) are the users who handle it and get its notifications."""

    class Status(models.TextChoices):
        FREE = "free", _("free")
        MODERATED = "moderated", _("moderated")
        ASSIGNED = "assigned", _("assigned")
        CLOSED = "closed", _("closed")

    name = models.CharField(_("name"), max_length=250)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.FREE, db_index=True)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("client"), on_delete=models.PROTECT,
                               related_name="case_client"
    )
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("staff"), blank=True,
                                   related_name="case_staff",
                                   through="CaseStaff")
    last_action = models.DateTimeField(_("last action"), default=timezone.now, db_index=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-last_action"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"


class CaseStaff(models.Model):
    """A user's role on a case. ``can_send_to_client`` is False for volunteers, whose letters a lawyer checks.

    The table is the one the plain many-to-many field had (``cases_case_staff``); every row that existed
    before the role did can send to the client, as before.
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE)
    can_send_to_client = models.BooleanField(
        _("can send to client"), default=True,
        help_text=_("Off for volunteers: their letters to the client are checked by a lawyer first.")
    )

    class Meta:
        verbose_name = _("case staff member")
        verbose_name_plural = _("case staff members")
        db_table = "cases_case_staff"
        unique_together = [("case", "user")]

    def __str__(self) -> str:
        return gettext("%(user)s on %(case)s") % {"user": self.user, "case": self.case}
