"""``calendar-feed``: a calendar feed of N events: seconds and SQL queries of a first, a steady and a 304 poll.

The events are a realistic mix over the lawyer's cases: two in three are hearings (court sessions with the
parser's text; some without an hour, some not listed, some with a result), the rest deadlines. Queries
are counted at N and at N/10: a feed's queries must not grow with its events (only its first poll, which
publishes the new events' first versions, writes them in batches of 500).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--cases", type=int, default=50)


def _make(owner_name: str, events: int, cases: int) -> str:
    """A lawyer with ``events`` events over ``cases`` cases; returns the feed's path."""
    from poradnia.calendarfeed import tokens
    from poradnia.cases.models import Case
    from poradnia.contracts import WARSAW
    from poradnia.events.models import Event
    from poradnia.judgements.models import Court, CourtCase, CourtSession
    from poradnia.users.models import User

    lawyer = User.objects.create_user(owner_name, f"{owner_name}@example.org", is_staff=True, event_reminder_time=3)
    client = User.objects.create_user(f"{owner_name}-client")
    court = Court.objects.get(parser_key="WSA_Bialystok")
    made = [Case.objects.create(name=f"Sprawa {i}", client=client, status=Case.Status.ASSIGNED) for i in range(cases)]
    for case in made:
        case.staff.add(lawyer)
    court_cases = [CourtCase.objects.create(court=court, signature=f"II SA/Bk {i + 1}/26", case=case,
                                            created_by=client) for i, case in enumerate(made)]
    today = datetime.now(UTC).astimezone(WARSAW).replace(hour=0, minute=0, second=0, microsecond=0)
    rows, sessions = [], []
    for i in range(events):
        day = today + timedelta(days=i % 120 - 30)
        hearing = i % 3 != 2
        when = day if hearing and i % 7 == 0 else day.replace(hour=9 + i % 6, minute=15 * (i % 4))
        cc = court_cases[i % cases]
        text = (f"Data: {when:%Y-%m-%d}\nGodz.: {when:%H:%M}\nPrzedmiot / Wynik: odmowa przyznania świadczenia "
                f"pielęgnacyjnego\nSala: Sala {1 + i % 4}\nSkład sędziowski: M. Roleder G. Gryglaszewska "
                f"B. Romanczuk (spr.)\nSygnatura: {cc.signature}\nSymbol: 6329\nTyp: jawne") if hearing else (
                f"Termin na odpowiedź na skargę nr {i}")
        rows.append(Event(case=cc.case, time=when, text=text, deadline=not hearing, created_by=client))
    created = Event.objects.bulk_create(rows, batch_size=500)
    slots: dict[tuple[int, object], int] = {}
    for i, event in enumerate(created):
        if event.deadline:
            continue
        cc = court_cases[i % cases]
        day = event.time.astimezone(WARSAW).date()
        slot = slots[(cc.pk, day)] = slots.get((cc.pk, day), -1) + 1
        sessions.append(CourtSession(
            court_case=cc, event=event, parser_key=court.parser_key, date=day, slot=slot,
            state=CourtSession.State.NOT_LISTED if i % 11 == 0 else CourtSession.State.LISTED,
            outcome="Uchylono decyzję I i II instancji" if i % 5 == 0 else ""))
    CourtSession.objects.bulk_create(sessions, batch_size=500)
    url = tokens.feed_url(lawyer)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _poll(path: str, **headers: str) -> tuple[float, int, int, int]:
    """(seconds, SQL queries, status, body bytes) of one GET through the whole Django stack."""
    from django.db import connection
    from django.test import Client

    queries = 0

    def count(execute, sql, params, many, context):  # Django's execute-wrapper signature; stores nothing
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    client = Client(HTTP_HOST="localhost")
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        response = client.get(path, **headers)
        body = b"".join(response)
    return time.perf_counter() - started, queries, response.status_code, len(body)


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from django.test.utils import override_settings

    with override_settings(DEBUG=False):
        small = _make("lawyer-small", max(1, args.events // 10), args.cases)
        big = _make("lawyer", args.events, args.cases)
        first_s, first_q, status, _ = _poll(big)
        assert status == 200, status
        steady_s, steady_q, status, size = min(_poll(big) for _ in range(3))
        from django.test import Client

        etag = Client(HTTP_HOST="localhost").get(big)["ETag"]
        not_modified_s, not_modified_q, status, _ = min(_poll(big, HTTP_IF_NONE_MATCH=etag) for _ in range(3))
        assert status == 304, status
        _poll(small)
        _, small_q, _, _ = _poll(small)
    return {
        "events": args.events,
        "first_poll_s": round(first_s, 4), "first_poll_sql_queries": first_q,
        "poll_s": round(steady_s, 4), "poll_sql_queries": steady_q, "body_bytes": size,
        "not_modified_s": round(not_modified_s, 4), "not_modified_sql_queries": not_modified_q,
        "events_small": max(1, args.events // 10), "poll_sql_queries_small": small_q,
    }
