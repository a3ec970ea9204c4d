"""CourtLookupWorkflow: a court-session run for one court, soon after court cases are registered there.

Started by signal-with-start under one id per court (``court-lookup-<parser key>``): while it runs,
further registrations only signal it. It waits for a quiet spell (a burst of registrations becomes
one run), then runs CourtSessionSyncWorkflow for the court as a child (JobRun, page stats, drift
checks, e-mails: exactly a scheduled run's effects). A registration whose signal arrives after that
run was scheduled may have committed after the run read the tracked cases, so it gets another run.
Signals arriving before the run was scheduled are covered by it: its activity reads the tracked cases
after it starts, and the signal is sent only after the registration committed.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from poradnia.contracts import (
        LOOKUP_SIGNAL,
        LOOKUP_WORKFLOW,
        CourtLookupInput,
        CourtLookupRequest,
        CourtLookupResult,
        CourtSessionSyncInput,
        CourtSessionSyncResult,
    )
    from workflows.court_sessions import CourtSessionSyncWorkflow


@workflow.defn(name=LOOKUP_WORKFLOW)
class CourtLookupWorkflow:
    def __init__(self) -> None:
        self._requests = 0

    @workflow.signal(name=LOOKUP_SIGNAL)
    def lookup(self, request: CourtLookupRequest) -> None:
        self._requests += 1

    @workflow.query
    def requests(self) -> int:
        return self._requests

    @workflow.run
    async def run(self, input: CourtLookupInput) -> CourtLookupResult:
        result = CourtLookupResult(runs=0, requests=0, statuses=[])
        while True:
            await self._quiet(input)
            covered = self._requests
            try:
                child: CourtSessionSyncResult = await workflow.execute_child_workflow(
                    CourtSessionSyncWorkflow.run, CourtSessionSyncInput(court_ids=[input.court_id]),
                    id=f"{workflow.info().workflow_id}-{workflow.info().run_id}-{result.runs}",
                )
                result.statuses.append(child.status)
            except ChildWorkflowError as exc:  # recorded and alerted by the child's own run history
                result.statuses.append(f"failed: {exc.cause or exc}")
            result.runs += 1
            if self._requests == covered:  # nobody registered while the run was going
                result.requests = self._requests
                return result

    async def _quiet(self, input: CourtLookupInput) -> None:
        """Until no signal came for ``quiet_s`` (at most ``max_wait_s``)."""
        deadline = workflow.now() + timedelta(seconds=input.max_wait_s)
        while True:
            seen = self._requests
            left = (deadline - workflow.now()).total_seconds()
            if left <= 0:
                return
            try:
                await workflow.wait_condition(lambda seen=seen: self._requests != seen,
                                              timeout=min(input.quiet_s, left))
            except TimeoutError:
                return
