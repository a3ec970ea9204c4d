"""``{% run_figures result %}``: a run's result as labelled figures in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from poradnia.monitoring.runsummary import figures

register = template.Library()


@register.inclusion_tag("monitoring/run_figures.html", name="run_figures")
def run_figures_tag(result: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"figures": figures(result)}
