"""The court-lookup workflow's name, signal and input: Django-free, shared by the app and the workflow.

The app starts the workflow by these names (it never imports workflows/), the worker runs it.
"""

from __future__ import annotations

from dataclasses import dataclass

LOOKUP_WORKFLOW = "CourtLookupWorkflow"
LOOKUP_SIGNAL = "lookup"


@dataclass
class CourtLookupInput:
    court_id: int
    parser_key: str
    quiet_s: float = 10.0  # wait until no registration came for this long, then run
    max_wait_s: float = 120.0  # but never wait longer than this after the first one


@dataclass
class CourtLookupRequest:
    """The signal's payload: which court case was registered (for the history; the run reads them all)."""

    court_case_id: int


@dataclass
class CourtLookupResult:
    runs: int  # court-session runs started (one per burst of registrations)
    requests: int  # registrations that asked for a lookup
    statuses: list[str]


def lookup_workflow_id(parser_key: str) -> str:
    """One id per court: registrations of one court join one lookup instead of starting one each."""
    return f"court-lookup-{parser_key}"
