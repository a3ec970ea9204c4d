"""``manage.py clear_expired_sessions``: the legacy name of ``clear_sessions_job`` (operators' scripts call it)."""

from poradnia.users.management.commands.clear_sessions_job import Command as ClearSessionsJob


class Command(ClearSessionsJob):
    help = "Legacy name of clear_sessions_job. " + ClearSessionsJob.help
