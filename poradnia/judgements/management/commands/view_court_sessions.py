"""Show what the parser reads from a court's page: the operator's tool for checking a parser."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from poradnia.judgements.fetcher import FetchError, fetch_court_page
from poradnia.judgements.models import Court
from poradnia.judgements.parser import ParseError, parse_page


class Command(BaseCommand):
    help = "Parse a court's eWokanda page (live, or a saved file) and print its hearings."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--parser", dest="parser_key", required=True, metavar="KEY")
        parser.add_argument("--file", type=Path, help="a saved page instead of the live one")
        parser.add_argument("--signature", help="only this signature (normalised, case-insensitive match)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="one JSON object per row per line")

    def handle(self, *args, parser_key: str, file: Path | None, signature: str | None, as_json: bool, **opts) -> None:
        try:
            court = Court.objects.get(parser_key=parser_key)
        except Court.DoesNotExist:
            known = ", ".join(Court.objects.values_list("parser_key", flat=True))
            raise CommandError(f"unknown parser key {parser_key!r}; known: {known}") from None
        if file is not None:
            try:
                body, content_type = file.read_bytes(), None
            except OSError as exc:
                raise CommandError(f"cannot read {file}: {exc}") from exc
        else:
            try:
                page = fetch_court_page(
                    court.url, user_agent=settings.EWOKANDA_USER_AGENT,
                    connect_timeout=settings.EWOKANDA_CONNECT_TIMEOUT, read_timeout=settings.EWOKANDA_READ_TIMEOUT,
                    total_timeout=settings.EWOKANDA_TOTAL_TIMEOUT, max_bytes=settings.EWOKANDA_MAX_BYTES,
                )
            except FetchError as exc:
                raise CommandError(str(exc)) from exc
            body, content_type = page.body, page.content_type
        try:
            parsed = parse_page(body, content_type=content_type, court=parser_key,
                                signatures=[signature] if signature else None)
        except ParseError as exc:
            raise CommandError(str(exc)) from exc
        for row in parsed.rows:
            if as_json:
                self.stdout.write(_json_line(row))
            else:
                details = row.description.replace("\n", "\n  ")
                self.stdout.write(f"{row.signature}  {row.time.isoformat()}\n  {details}")
        if not as_json:
            self.stdout.write(f"{len(parsed.rows)} rows shown, {parsed.rows_seen} on page, {parsed.bad_rows} bad rows "
                              f"skipped; headers: {', '.join(parsed.headers)}")


def _json_line(row) -> str:
    return json.dumps({"signature": row.signature, "datetime": row.time.isoformat(), "description": row.description},
                      ensure_ascii=False)
