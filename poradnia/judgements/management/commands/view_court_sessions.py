"""Show what the parser reads from a court's page: the operator's tool for checking a parser."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from poradnia.contracts import WARSAW
from poradnia.judgements.fetcher import FetchError, fetch_court_page
from poradnia.judgements.models import Court, CourtSessionChange
from poradnia.judgements.parser import ParseError, parse_page
from poradnia.judgements.signatures import signature_key


class Command(BaseCommand):
    help = ("Parse a court's eWokanda page (live, or a saved file) and print its hearings; or, with --history, "
            "print the recorded changes of a signature's hearings.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--parser", dest="parser_key", metavar="KEY")
        parser.add_argument("--history", metavar="SIGNATURE",
                            help="print the hearing history of this signature (any spacing or letter case)")
        parser.add_argument("--file", type=Path, help="a saved page instead of the live one")
        parser.add_argument("--signature", help="only this signature (normalised, case-insensitive match)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="one JSON object per row per line")

    def handle(self, *args, parser_key: str | None, file: Path | None, signature: str | None, as_json: bool,
               history: str | None = None, **opts) -> None:
        if history is not None:
            self._history(history, parser_key, as_json)
            return
        if not parser_key:
            raise CommandError("give --parser KEY (or --history SIGNATURE)")
        try:
            court = Court.objects.get(parser_key=parser_key)
        except Court.DoesNotExist:
            known = ", ".join(Court.objects.values_list("parser_key", flat=True))
            raise CommandError(f"unknown parser key {parser_key!r}; known: {known}") from None
        if file is not None:
            limit = settings.EWOKANDA_MAX_BYTES  # as for a live page; /dev/zero would be read forever
            try:
                if not file.is_file():
                    raise CommandError(f"cannot read {file}: not a regular file")
                with file.open("rb") as handle:
                    body, content_type = handle.read(limit + 1), None
            except OSError as exc:
                raise CommandError(f"cannot read {file}: {exc}") from exc
            if len(body) > limit:
                raise CommandError(f"{file} is larger than EWOKANDA_MAX_BYTES ({limit} bytes)")
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


    def _history(self, signature: str, parser_key: str | None, as_json: bool) -> None:
        changes = (CourtSessionChange.objects.filter(court_case__signature_key=signature_key(signature))
                   .select_related("court_case__court", "court_case__case").order_by("created", "id"))
        if parser_key:
            changes = changes.filter(court_case__court__parser_key=parser_key)
        count = 0
        for change in changes:
            count += 1
            cc = change.court_case
            if as_json:
                self.stdout.write(json.dumps({
                    "time": change.created.isoformat(), "court": cc.court.parser_key, "signature": change.signature,
                    "case_id": cc.case_id, "session_id": change.court_session_id, "kind": change.kind,
                    "before": change.before, "after": change.after, "workflow_id": change.workflow_id,
                }, ensure_ascii=False))
                continue
            when = change.created.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"{when}  {cc.court.parser_key}  {change.signature}  case #{cc.case_id}  "
                              f"{change.kind}  {_moment(change.before)} -> {_moment(change.after)}  "
                              f"[{change.workflow_id or '-'}]")
        if not as_json:
            self.stdout.write(f"{count} changes")
        if count == 0 and not CourtSessionChange.objects.filter(
                court_case__signature_key=signature_key(signature)).exists():
            raise CommandError(f"no hearing history for {signature!r}")


def _moment(snapshot: dict) -> str:
    """A history snapshot as the hearing's local date and time ("-" for none)."""
    return snapshot["time"][:16].replace("T", " ") if snapshot.get("time") else "-"


def _json_line(row) -> str:
    return json.dumps({"signature": row.signature, "datetime": row.time.isoformat(), "description": row.description},
                      ensure_ascii=False)
