from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """The Background jobs admin page and the schedule commands; the schedules live on Temporal."""

    name = "poradnia.jobs"
    verbose_name = _("Background jobs")
    label = "jobs"
