"""``retention``: the retention purge over N rows: seconds, SQL queries, batches, peak RSS."""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path
from typing import Any

from devtools.rss import peak_rss_mb, reset_peak_rss


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1000)


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import override_settings
    from django.utils import timezone

    from devtools.retentiondata import make_retention_rows
    from poradnia.monitoring.retention import purge

    now = timezone.now()
    made = make_retention_rows(args.rows, now)
    gc.collect()
    queries = 0

    def count(execute, sql, params, many, context):  # Django's execute-wrapper signature; stores nothing
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    reset = reset_peak_rss()
    started = time.perf_counter()
    with override_settings(DEBUG=False), connection.execute_wrapper(count):
        result = purge(now, batch_size=args.batch_size)
    seconds = time.perf_counter() - started
    return {"rows": sum(made.values()), "seconds": round(seconds, 2), "sql_queries": queries,
            "batches": result.batches, "batch_size": args.batch_size, "deleted": result.deleted,
            "scrubbed_emails": result.scrubbed_emails, "peak_rss_mb": peak_rss_mb(reset),
            "database": connection.vendor}
