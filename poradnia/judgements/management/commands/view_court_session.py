"""``manage.py view_court_session``: the legacy name of ``view_court_sessions`` (operators' scripts call it)."""

from poradnia.judgements.management.commands.view_court_sessions import Command as ViewCourtSessions


class Command(ViewCourtSessions):
    help = "Legacy name of view_court_sessions. " + ViewCourtSessions.help
