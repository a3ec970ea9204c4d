"""No table: the schedules' state lives on the Temporal server, nowhere else.

``BackgroundJob`` exists for two things Django only attaches to models: the permission to operate
the schedules (staff without it see the Background jobs page read-only) and the admin log entries
of what an operator did (``LogEntry`` points at a content type and an object id, the schedule id).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

OPERATE_PERMISSION = "jobs.operate_schedules"


class BackgroundJob(models.Model):
    schedule_id = models.CharField(_("schedule id"), primary_key=True, max_length=200)

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        managed = False
        default_permissions = ()
        permissions = [("operate_schedules", _("Can pause, unpause and trigger schedules"))]

    def __str__(self) -> str:
        return self.schedule_id
