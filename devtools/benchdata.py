"""Benchmark of the event-reminder job: time, SQL queries and peak memory for N candidate events.

``run_reminders_benchmark(events, staff)`` fills the *current* database with a synthetic data set
(so point DATABASE_URL at a throwaway database and migrate it first) and runs the job's domain
function in-process, the body of the ``queue_event_reminders`` activity: recording reminders and
writing their e-mails to the outbox. Sending is the outbox's per-row step and is not measured here.

The data set is shaped like production: each staff user has one of the lead times (1, 3, 7 days or
never), a case has two staff or (every tenth case) none, so its events go to the three management
users; events are spread evenly over the candidate window and one in ten is completed.
"""

from __future__ import annotations

import gc
import random
import time
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from devtools.rss import peak_rss_mb, reset_peak_rss
from poradnia.cases.models import Case
from poradnia.events.models import Event
from poradnia.events.reminders import MAX_LEAD, PAGE_SIZE, queue_event_reminders
from poradnia.users.models import User

LEADS = [1, 3, 7, 0]
BATCH = 5000  # rows per bulk insert while building the data set, to keep its memory flat


def create_reminder_dataset(events: int, staff: int, now: datetime, *, seed: int = 7) -> dict[str, int]:
    """Create ``staff`` lawyers, 3 management users, ``events // 10`` cases and ``events`` candidates."""
    rng = random.Random(seed)
    password = make_password(None)  # unusable; hashing one per user would dominate the set-up
    with transaction.atomic():
        client = User.objects.create(username=f"bench-client-{seed}", password=password)
        User.objects.bulk_create(
            [User(username=f"bench-mgmt-{seed}-{i}", email=f"mgmt{i}@example.org", password=password,
                  is_staff=True, notify_unassigned_letter=True, event_reminder_time=LEADS[i % 3]) for i in range(3)])
        lawyers = User.objects.bulk_create(
            [User(username=f"bench-staff-{seed}-{i}", email=f"staff{i}@example.org", password=password,
                  is_staff=True, event_reminder_time=LEADS[i % len(LEADS)]) for i in range(staff)])
        lawyer_ids = [user.pk for user in lawyers]  # SQLite >= 3.35 and PostgreSQL return bulk-insert ids

    n_cases = max(1, events // 10)
    case_ids: list[int] = []
    for start in range(0, n_cases, BATCH):
        with transaction.atomic():
            created = Case.objects.bulk_create(
                [Case(name=f"Case {i}", client=client, status=Case.Status.ASSIGNED)
                 for i in range(start, min(n_cases, start + BATCH))])
            ids = [case.pk for case in created]
            Case.staff.through.objects.bulk_create(
                [Case.staff.through(case_id=case_id, user_id=user_id)
                 for n, case_id in enumerate(ids, start) if n % 10
                 for user_id in rng.sample(lawyer_ids, min(2, len(lawyer_ids)))])
            case_ids += ids

    window = 2 * MAX_LEAD.total_seconds()
    for start in range(0, events, BATCH):
        with transaction.atomic():
            Event.objects.bulk_create(
                [Event(case_id=rng.choice(case_ids), created_by=client,
                       time=now - MAX_LEAD + timedelta(seconds=rng.uniform(0, window)),
                       text=f"Hearing {i}: bring the documents", completed=(i % 10 == 0))
                 for i in range(start, min(events, start + BATCH))])
    return {"events": events, "staff": staff, "cases": n_cases}


def run_reminders_benchmark(events: int, staff: int, *, page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """Build the data set, run the reminder job once, and return what it cost.

    SQL statements are counted with an execute wrapper (nothing is stored, unlike
    CaptureQueriesContext, whose copies of large bulk INSERTs would inflate the memory figure), and
    the job runs with DEBUG off, as in production: with DEBUG on Django keeps the last 9,000
    statements' SQL in memory.
    """
    now = timezone.now()
    create_reminder_dataset(events, staff, now)
    if connection.vendor == "postgresql":
        # Autovacuum has analysed a production table long before; right after a bulk load the
        # planner would still believe the tables are empty and pick plans no deployment sees.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    gc.collect()
    queries = 0

    def count(execute, sql, params, many, context):  # Django's execute-wrapper signature
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    reset = reset_peak_rss()
    started = time.perf_counter()
    with override_settings(DEBUG=False), connection.execute_wrapper(count):
        done = queue_event_reminders(now, page_size=page_size)
    seconds = time.perf_counter() - started
    return {
        "events": events, "staff": staff, "seconds": round(seconds, 2), "sql_queries": queries,
        "peak_rss_mb": peak_rss_mb(reset), "reminders_queued": done.sent, "skipped": done.skipped,
        "page_size": page_size, "database": connection.vendor,
    }
