"""Keep an activity's heartbeat alive while it blocks on something that cannot report progress."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from temporalio import activity


@contextmanager
def heartbeat_while_blocked(details: Any, interval_s: float | None = None) -> Iterator[None]:
    """Heartbeat ``details`` from a helper thread until the block ends.

    The default interval is a third of the activity's heartbeat timeout (at most 5 s), so a long block
    never looks like a dead worker whatever the timeout is set to.

    A page download can take minutes at a court's bandwidth; without this the heartbeat timeout
    would have to exceed the slowest download, and a dead worker would be noticed that late. The
    helper thread dies with the process, so a crashed worker still stops heartbeating at once.
    """
    if interval_s is None:
        timeout = activity.info().heartbeat_timeout
        interval_s = min(5.0, timeout.total_seconds() / 3) if timeout else 5.0
    stop = threading.Event()
    context = contextvars.copy_context()  # the activity context lives in contextvars

    def beat() -> None:
        while not stop.wait(interval_s):
            context.run(activity.heartbeat, details)

    thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
    activity.heartbeat(details)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
