"""Counts that must be zero however a court run was interrupted; used by the fault tests and benchmarks."""

from __future__ import annotations

from django.conf import settings

from poradnia.events.models import Event
from poradnia.judgements.models import CourtSession
from poradnia.outbox.models import OutboxEmail


def duplicate_counts() -> dict[str, int]:
    sessions = CourtSession.objects.count()
    distinct_slots = CourtSession.objects.values("court_case", "date", "slot").distinct().count()
    parser_events = Event.objects.filter(created_by__username=settings.JUDGEMENT_BOT_USERNAME).count()
    rows = OutboxEmail.objects.count()
    distinct_mails = OutboxEmail.objects.values("to", "subject", "body").distinct().count()
    return {
        "sessions": sessions - distinct_slots,
        "events": parser_events - sessions,  # every parser event belongs to exactly one session
        "emails": rows - distinct_mails,
    }
