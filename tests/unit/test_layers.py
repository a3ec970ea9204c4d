"""The dependency direction, checked by walking every import (ast) of every .py file in the repository.

    worker.py, bench/, devtools/, tests/ -> workflows/, activities/ -> poradnia/ apps -> schedules/
        -> poradnia.contracts

Workflows import only poradnia.contracts, temporalio and the standard library (they run in the
sandbox and must import without Django); the apps never import a layer above them.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "venv", "var", "node_modules", ".git", "build", "dist", "histories", "__pycache__"}
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}
TOP_LAYERS = ("worker", "bench", "devtools", "tests")


@dataclass(frozen=True)
class Rule:
    """Modules matching ``importers`` (a name and its submodules; ``exact``: the name only) may not import
    ``forbidden`` (names and their submodules); with ``allowed`` set they import only those and the stdlib."""

    importers: tuple[str, ...]
    why: str
    forbidden: tuple[str, ...] = ()
    allowed: tuple[str, ...] | None = None
    exact: bool = False


RULES: list[Rule] = [
    Rule(("poradnia",), "the Django apps are below workflows, activities and the tooling",
         forbidden=("workflows", "activities", *TOP_LAYERS)),
    Rule(("activities",), "activities are called by workflows, not the other way",
         forbidden=("workflows", *TOP_LAYERS)),
    Rule(("workflows",), "workflows run in the sandbox and import without Django",
         allowed=("temporalio", "poradnia.contracts", "workflows")),
    Rule(("schedules",), "schedules are built from the registry and used by the apps (settings only from Django)",
         allowed=("temporalio", "poradnia.contracts", "schedules", "django.conf")),
    Rule(("poradnia.contracts",), "the contracts are the bottom layer: no Django", allowed=("temporalio",)),
    Rule(("poradnia",), "poradnia/__init__.py stays Django-free", allowed=(), exact=True),
    Rule(("poradnia.settings",), "settings must load before any app code (the codec reads settings)",
         forbidden=("poradnia.codec",)),
    Rule(("bench", "devtools"), "tooling does not reach into the test suite", forbidden=("tests",)),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files() -> Iterator[Path]:
    for directory, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                yield Path(directory) / name


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """Every imported module name (absolute), wherever the import statement is (functions, ``with`` blocks)."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if package else []
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:  # ``from pkg import submodule``
                yield node.lineno, f"{target}.{alias.name}"


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(rules: list[Rule]) -> list[str]:
    found: dict[tuple[str, int, str], str] = {}  # one report per import statement and rule
    for path in python_files():
        module = module_name(path)
        applicable = [r for r in rules
                      if any(module == i if r.exact else within(module, i) for i in r.importers)]
        for line, target in (imports_of(path) if applicable else ()):
            for rule in applicable:
                bad = any(within(target, f) for f in rule.forbidden) or (
                    rule.allowed is not None and target.split(".")[0] not in STDLIB
                    and not any(within(target, a) or within(a, target) for a in rule.allowed))
                where = str(path.relative_to(ROOT))
                if bad and (where, line, rule.why) not in found:
                    found[(where, line, rule.why)] = f"{where}:{line} imports {target}: {rule.why}"
    return sorted(found.values())


def test_no_upward_imports() -> None:
    assert violations(RULES) == []


def test_the_walker_sees_imports_in_functions_and_relative_ones(tmp_path: Path) -> None:
    # The walker itself: a rule over this very file must report its (function-level) import of subprocess.
    rule = Rule(("tests.unit.test_layers",), "example", forbidden=("subprocess",))
    assert any("imports subprocess" in v for v in violations([rule]))
    relative = Rule(("tests.unit",), "example", forbidden=("tests.unit.test_layers",))
    assert violations([relative]) == []  # no test module imports another


def test_workflows_and_schedules_import_without_django() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = ("import sys, workflows, schedules, schedules.declared, schedules.build, poradnia.contracts\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'activities'})\n"
            "print(','.join(loaded))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
