"""Workflow definitions. Only temporalio and the standard library are imported at module level (sandbox)."""

from workflows.court_sessions import CourtSessionSyncWorkflow
from workflows.health import HealthCheckWorkflow
from workflows.monitor import CourtParserMonitorWorkflow
from workflows.reminders import ClearSessionsWorkflow, EventRemindersWorkflow, OldCasesReminderWorkflow
from workflows.retention import RetentionWorkflow
from workflows.watch import WatchProbeWorkflow

WORKFLOWS: list[type] = [
    CourtSessionSyncWorkflow,
    HealthCheckWorkflow,
    CourtParserMonitorWorkflow,
    EventRemindersWorkflow,
    OldCasesReminderWorkflow,
    ClearSessionsWorkflow,
    RetentionWorkflow,
    WatchProbeWorkflow,
]

__all__ = ["WORKFLOWS"]
