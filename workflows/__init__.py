"""Workflow definitions. Only temporalio and the standard library are imported at module level (sandbox)."""

from workflows.health import HealthCheckWorkflow

WORKFLOWS: list[type] = [HealthCheckWorkflow]

__all__ = ["WORKFLOWS", "HealthCheckWorkflow"]
