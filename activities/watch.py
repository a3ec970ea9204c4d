"""The watch's probe activity: how long did it wait between being scheduled and a worker starting it."""

from __future__ import annotations

from temporalio import activity


@activity.defn(name="watch_probe")
def watch_probe() -> float:
    """Schedule-to-start time of this attempt, in seconds (a sync activity: it waits for a slot like real work)."""
    info = activity.info()
    return max((info.started_time - info.current_attempt_scheduled_time).total_seconds(), 0.0)
