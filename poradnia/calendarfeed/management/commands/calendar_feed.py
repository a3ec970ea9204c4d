"""``manage.py calendar_feed USERNAME [--rotate]``: print the user's calendar feed URL (a thin caller of tokens)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from poradnia.calendarfeed import tokens


class Command(BaseCommand):
    help = ("Print USERNAME's private calendar feed URL, creating it if needed; --rotate replaces it "
            "(the old URL answers 404 from then on).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--rotate", action="store_true", help="replace the URL now; the old one stops working")

    def handle(self, *args, username: str, rotate: bool, **options) -> None:
        try:
            user = tokens.user_by_username(username)
        except Exception as exc:  # DoesNotExist of the swappable user model
            raise CommandError(f"no user {username!r}") from exc
        if not user.is_active:
            self.stderr.write(f"{username} is inactive: the URL answers 404 until the account is active again")
        self.stdout.write(tokens.feed_url(user, rotate=rotate))
