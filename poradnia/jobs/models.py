"""No table: the schedules' state lives on the Temporal server, nowhere else.

``BackgroundJob`` exists for two things Django only attaches to models: the permission to operate
the schedules (staff without it see the Background jobs page read-only) and the admin log entries
of what an operator did (``LogEntry`` points at a content type and an object id, the schedule id).
"""

from django.db import models

OPERATE_PERMISSION = "jobs.operate_schedules"


class BackgroundJob(models.Model):
    schedule_id = models.CharField(primary_key=True, max_length=200)

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("operate_schedules", "Can pause, unpause and trigger schedules")]
        verbose_name = "schedule"
        verbose_name_plural = "schedules"

    def __str__(self) -> str:
        return self.schedule_id
