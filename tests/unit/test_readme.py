"""The README is the front door: short, its two commands first, every job in its table, every page it names there."""

from __future__ import annotations

import re

from poradnia.contracts import JOBS
from tests.support.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_is_a_front_door_of_at_most_250_lines() -> None:
    assert len(README.splitlines()) <= 250


def test_its_first_commands_set_up_and_run_the_worker_and_the_tests_and_ci_runs_the_test_command() -> None:
    block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.splitlines()]
    assert commands == ["make dev", "make test"]
    assert README.index("```sh") < README.index("\n## ")  # before any section
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines() if not line.startswith("#")]
    assert commands[1] in ci
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.MULTILINE))
    assert {"dev", "test"} <= targets


def test_the_jobs_table_names_every_job_its_workflow_and_command() -> None:
    rows = {line.split("|")[1].strip(" `"): line for line in README.split("\n## The jobs\n", 1)[1].splitlines()
            if line.startswith("| `")}
    assert set(rows) == {job.id for job in JOBS}
    for job in JOBS:
        assert f"`{job.workflow}`" in rows[job.id]
        assert job.command is None or f"`{job.command}" in rows[job.id]


def test_every_docs_page_the_readme_names_exists() -> None:
    named = set(re.findall(r"docs/([a-z-]+\.md)", README))
    assert "configuration.md" in named
    assert {name for name in named if not (ROOT / "docs" / name).is_file()} == set()
