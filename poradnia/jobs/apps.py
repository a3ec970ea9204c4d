from django.apps import AppConfig


class JobsConfig(AppConfig):
    """The Background jobs admin page and the schedule commands; the schedules live on Temporal."""

    name = "poradnia.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
