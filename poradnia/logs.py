"""Log formats: plain for a terminal, JSON (one object per line) for production log shippers.

Every record emitted inside an activity or workflow carries the workflow id, run id and activity type,
whichever logger emitted it, so a court run's lines can be found by its workflow id. Personal data (e-mail
addresses, event text) is never logged at INFO by our code.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

CONTEXT_FIELDS = ("workflow_id", "run_id", "activity_type", "activity_id", "attempt", "workflow_type")


class TemporalContextFilter(logging.Filter):
    """Adds the Temporal context of the current activity or workflow to the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        from temporalio import activity, workflow

        try:
            if activity.in_activity():
                info = activity.info()
                record.workflow_id, record.run_id = info.workflow_id, info.workflow_run_id
                record.workflow_type = info.workflow_type
                record.activity_type, record.activity_id, record.attempt = (
                    info.activity_type, info.activity_id, info.attempt)
            elif workflow.in_workflow():
                info = workflow.info()
                record.workflow_id, record.run_id = info.workflow_id, info.run_id
                record.workflow_type = info.workflow_type
        except RuntimeError:  # not in a Temporal context after all
            pass
        return True


class PlainFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        if getattr(record, "workflow_id", None):
            context = f"workflow_id={record.workflow_id} run_id={record.run_id}"
            if getattr(record, "activity_type", None):
                context += f" activity={record.activity_type}"
            line += f" [{context}]"
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
