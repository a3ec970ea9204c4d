"""``manage.py outbox retry [--kind K] [--since ISO]`` and ``manage.py outbox send [--kind K]``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from poradnia.monitoring.mail import send_and_watch
from poradnia.outbox.services import TemporaryEmailError, requeue_failed, waiting

SINCE_MAX_DAYS = 3660  # no outbox row is older than ten years; earlier instants only overflow


def _instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
        moment = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
        now = timezone.now()
        inside = now - timedelta(days=SINCE_MAX_DAYS) <= moment <= now + timedelta(days=1)
    except (ValueError, OverflowError):
        raise CommandError(f"--since {value!r}: use ISO 8601, e.g. 2026-12-01T08:00:00+01:00") from None
    if not inside:
        raise CommandError(f"--since {value!r} is outside the last {SINCE_MAX_DAYS} days")
    return moment


class Command(BaseCommand):
    help = "Operate the e-mail outbox: re-queue failed e-mails, or send pending ones now."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        retry = actions.add_parser("retry", help="put failed e-mails back in the queue (with fresh attempts)")
        retry.add_argument("--kind", action="append", dest="kinds",
                           help="only this kind (repeatable), e.g. reminder, old-cases, alert")
        retry.add_argument("--since", help="only e-mails that failed at or after this ISO time")
        send = actions.add_parser("send", help="send the pending e-mails now, in this process")
        send.add_argument("--kind", action="append", dest="kinds", help="only this kind (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "retry":
            since = _instant(options["since"]) if options["since"] is not None else None
            count = requeue_failed(kinds=options["kinds"], since=since)
            self.stdout.write(f"re-queued {count} e-mail(s); the next sending step of their kind sends them "
                              "(or: manage.py outbox send)")
            return
        try:
            summary = send_and_watch(kinds=options["kinds"])
        except TemporaryEmailError as exc:
            raise CommandError(f"{exc}; every e-mail not sent stays pending") from None
        rest = waiting(kinds=options["kinds"])
        self.stdout.write(f"sent {summary.sent}, failed {summary.failed}, waiting {rest.count if rest else 0}")
