"""``python -m bench parse | parse-hostile | court-run | crash-resume | reminders | retention | calendar-feed ...``.

Each benchmark sets up what it needs (a temp SQLite database unless ``--database-url``, a headless
Temporal dev server, worker processes, the eWokanda stand-in) and prints exactly one JSON object of
figures on its last line.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import calendar_feed, court_run, crash_resume, parse, parse_hostile, reminders, retention
from .env import cleanup, setup_django

BENCHMARKS = {"parse": parse, "parse-hostile": parse_hostile, "court-run": court_run, "crash-resume": crash_resume,
              "reminders": reminders, "retention": retention, "calendar-feed": calendar_feed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="name", required=True)
    for name, module in BENCHMARKS.items():
        command = sub.add_parser(name, help=module.__doc__.splitlines()[0])
        command.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
        module.add_arguments(command)
    args = parser.parse_args(argv)
    workdir = setup_django(args.database_url)
    try:
        module = BENCHMARKS[args.name]
        figures = module.run(args) if module in (parse, parse_hostile) else module.run(args, workdir)
    finally:
        cleanup(workdir)
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
