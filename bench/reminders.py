"""``reminders``: the event-reminder job on N candidate events: seconds, SQL queries, peak RSS."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--staff", type=int, default=200)


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from devtools.benchdata import run_reminders_benchmark

    return run_reminders_benchmark(args.events, args.staff)
