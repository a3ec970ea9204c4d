"""``manage.py schedules list | describe ID | pause ID [--note] | unpause ID [--note] | trigger ID | backfill ID``

The same operations as ``temporal schedule ...`` and the admin's Background jobs page, on the
declared schedules only (an id that is not declared is refused, so a typo never reaches someone
else's schedule). Times are shown in the schedule's time zone; backfill times without an offset are
read in it too.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from temporalio.client import Client, ScheduleOverlapPolicy

from poradnia.jobs.command import TemporalCommand
from schedules import operate
from schedules.declared import declared_schedules
from schedules.overview import ScheduleView, overview, schedule_view

OVERLAPS = [policy.name.lower() for policy in ScheduleOverlapPolicy]


def when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M %Z}"


NOTE_MAX = 500  # as the admin's note field: the server takes 100k characters, the Web UI shows a line
BACKFILL_MAX_DAYS = 366  # a backfill reaches at most a year back (and not into the future)


def parse_time(value: str, tz: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not an ISO 8601 time, e.g. 2025-06-01T00:00 or 2025-06-01T00:00+02:00") \
            from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(tz))
    now = datetime.now(UTC)
    try:
        inside = now - timedelta(days=BACKFILL_MAX_DAYS) <= moment <= now + timedelta(days=1)
    except OverflowError:  # year 1 with a positive offset is before year 1 in UTC
        inside = False
    if not inside:
        raise CommandError(f"{value!r} is outside the backfill window: at most {BACKFILL_MAX_DAYS} days back, "
                           "not in the future")
    return moment


def checked_note(note: str | None) -> str | None:
    if note is not None and len(note) > NOTE_MAX:
        raise CommandError(f"--note has {len(note)} characters: at most {NOTE_MAX}")
    return note


def overlap_option(value: str | None) -> ScheduleOverlapPolicy | None:
    return None if value is None else ScheduleOverlapPolicy[value.upper()]


class Command(TemporalCommand):
    help = "List, describe, pause, unpause, trigger or backfill the declared schedules on Temporal."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("list", help="every declared schedule: state, timing, next and last run")
        describe = actions.add_parser("describe", help="one schedule in detail")
        describe.add_argument("schedule_id")
        for name, verb in (("pause", "why it is paused"), ("unpause", "why it runs again")):
            action = actions.add_parser(name, help=f"{name} a schedule")
            action.add_argument("schedule_id")
            action.add_argument("--note", help=f"the schedule's note: {verb} (shown in the Web UI and admin)")
        trigger = actions.add_parser("trigger", help="start the schedule's workflow now")
        trigger.add_argument("schedule_id")
        trigger.add_argument("--overlap", choices=OVERLAPS, help="default: the schedule's policy (skip)")
        backfill = actions.add_parser("backfill", help="take the runs the schedule would have taken in a past period")
        backfill.add_argument("schedule_id")
        backfill.add_argument("--start", required=True, help="ISO 8601, exclusive; no offset: the schedule's zone")
        backfill.add_argument("--end", required=True, help="ISO 8601, inclusive; no offset: the schedule's zone")
        backfill.add_argument("--overlap", choices=OVERLAPS,
                              help="default: the schedule's policy (skip: overlapping runs are skipped; "
                                   "buffer_all runs each in turn)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        checked_note(options.get("note"))  # the arguments' ranges first: a bad one needs no Temporal
        if action == "backfill":
            tz = operate.declared(options["schedule_id"]).time_zone if options["schedule_id"] in {
                e.id for e in declared_schedules()} else "UTC"
            parse_time(options["start"], tz), parse_time(options["end"], tz)

        async def run() -> None:
            client = await self.connect()
            try:
                await getattr(self, f"do_{action}")(client, **options)
            except operate.UnknownSchedule as exc:
                raise CommandError(str(exc)) from None

        self.run_async(run())

    async def do_list(self, client: Client, **options: Any) -> None:
        for view in await overview(client, ui_url=settings.TEMPORAL_UI_URL, next_count=1, run_count=1):
            next_run = when(view.next_runs[0]) if view.next_runs else "-"
            last = f"{when(view.recent_runs[0].started_at)} {view.recent_runs[0].status}" if view.recent_runs else "-"
            note = f"  note: {view.note}" if view.note else ""
            self.stdout.write(f"{view.entry.id:<22} {view.state:<7} {view.spec or '-':<45} "
                              f"next {next_run:<22} last {last}{note}")

    async def do_describe(self, client: Client, schedule_id: str, **options: Any) -> None:
        view = await schedule_view(client, operate.declared(schedule_id), ui_url=settings.TEMPORAL_UI_URL,
                                   next_count=5, run_count=10)
        self.stdout.write("\n".join(describe_lines(view)))

    async def do_pause(self, client: Client, schedule_id: str, note: str | None, **options: Any) -> None:
        # Temporal records no "who": the note carries it, so the watch's paused-too-long alert names them.
        note, by = checked_note(note), f"paused by {_os_user()} with manage.py schedules"
        await operate.pause(client, schedule_id, f"{note} ({by})" if note else by)
        self.stdout.write(f"{schedule_id}: paused")

    async def do_unpause(self, client: Client, schedule_id: str, note: str | None, **options: Any) -> None:
        await operate.unpause(client, schedule_id, checked_note(note) or "unpaused with manage.py schedules")
        self.stdout.write(f"{schedule_id}: unpaused")

    async def do_trigger(self, client: Client, schedule_id: str, overlap: str | None, **options: Any) -> None:
        applied = await operate.trigger(client, schedule_id, overlap_option(overlap))
        self.stdout.write(f"{schedule_id}: triggered (overlap {applied.name})")

    async def do_backfill(self, client: Client, schedule_id: str, start: str, end: str, overlap: str | None,
                          **options: Any) -> None:
        tz = operate.declared(schedule_id).time_zone
        begin, finish = parse_time(start, tz), parse_time(end, tz)
        try:
            applied = await operate.backfill(client, schedule_id, begin, finish, overlap_option(overlap))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{schedule_id}: backfill requested for {begin.isoformat()} .. {finish.isoformat()} "
                          f"(overlap {applied.name})")


def describe_lines(view: ScheduleView) -> list[str]:
    entry = view.entry
    lines = [f"{entry.id}: {entry.description}", f"  workflow     {entry.workflow} (workflow ids {entry.id}-<time>)"]
    if not view.exists:
        return [*lines, "  state        missing on the server: run manage.py apply_schedules"]
    lines += [
        f"  state        {view.state}" + (f" - note: {view.note}" if view.note else ""),
        f"  when         {view.spec}",
        f"  policy       overlap {view.overlap}, catch-up window {view.catchup_window}",
        f"  actions      {view.actions} taken, {view.skipped_overlap} skipped (overlap), "
        f"{view.missed_catchup_window} missed (catch-up window)",
        "  next runs    " + (", ".join(when(t) for t in view.next_runs) or "-"),
        "  recent runs" + ("" if view.recent_runs else "  -"),
    ]
    lines += [f"    {when(run.started_at)}  {run.status:<10} {run.workflow_id}  {run.url}" for run in view.recent_runs]
    return lines


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user with no passwd entry and no LOGNAME/USER
        return "an unknown user"
