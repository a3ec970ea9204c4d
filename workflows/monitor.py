"""CourtParserMonitorWorkflow: weekly, read every active court's live page and alert on any that broke.

Court sites change their HTML without notice; this finds out before a missing hearing does.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from poradnia.contracts import (
        PARSER_MONITOR,
        CheckCourtInput,
        CourtCheck,
        CourtParserMonitorInput,
        CourtParserMonitorResult,
        CourtSelection,
        EmailKind,
        SelectCourtsInput,
        monitor_result,
    )
    from workflows.sending import send_emails
    from workflows.steps import Steps, WorkflowSteps
    from workflows.tracking import tracked_run

__all__ = ["CourtParserMonitorInput", "CourtParserMonitorResult", "CourtParserMonitorWorkflow"]


async def parser_monitor_run(steps: Steps, input: CourtParserMonitorInput | None = None
                             ) -> CourtParserMonitorResult:
    """Check every selected court's live page; recorded in the job history."""
    # Each broken court raises its own alert (check_court_page); no second, run-level one.
    return await tracked_run(steps, PARSER_MONITOR.id, lambda: _check(steps, input or CourtParserMonitorInput()),
                             lambda r: r.status, alert=False)


async def _check(steps: Steps, input: CourtParserMonitorInput) -> CourtParserMonitorResult:
    selection = await steps.activity(
        "select_courts", SelectCourtsInput(court_ids=input.court_ids, parser_key=input.parser_key),
        result_type=CourtSelection,
        start_to_close_timeout=timedelta(seconds=60), retry_policy=RetryPolicy(maximum_attempts=10),
    )
    limit = asyncio.Semaphore(selection.concurrency)
    now = steps.now().isoformat()

    async def check(court_id: int) -> CourtCheck:
        async with limit:
            return await steps.activity(
                "check_court_page", CheckCourtInput(court_id=court_id, now=now), result_type=CourtCheck,
                start_to_close_timeout=timedelta(seconds=selection.start_to_close_s),
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=selection.retry_initial_s),
                                         maximum_interval=timedelta(seconds=selection.retry_max_interval_s),
                                         maximum_attempts=selection.max_attempts),
            )

    checks = list(await asyncio.gather(*(check(c.id) for c in selection.courts)))
    if any(c.alert_emails_queued for c in checks):
        await send_emails(steps, EmailKind.ALERT)
    return monitor_result(checks)


@workflow.defn
class CourtParserMonitorWorkflow:
    @workflow.run
    async def run(self, input: CourtParserMonitorInput | None = None) -> CourtParserMonitorResult:
        return await parser_monitor_run(WorkflowSteps(), input)
