"""The dependency direction, checked by walking every import (ast) of every .py file in the repository.

    worker.py, bench/, devtools/, tests/, management commands -> workflows/, activities/ -> poradnia/ apps
        -> schedules/ -> poradnia.contracts

Workflows and schedules/ import only poradnia.contracts, temporalio and the standard library (workflows
run in the sandbox; both import without Django: the callers pass schedules/ the settings it needs); the
apps never import a layer above them, except their management commands, which are entry points like
worker.py (``--inline`` runs a workflow's flow with the activities). No two apps import each other, even
through others: an app that needs one above it gets what it needs passed in. The last tests check the
same at run time, in fresh interpreters.
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
    except_commands: bool = False  # management commands are entry points: the rule does not bind them


def is_command(module: str) -> bool:
    return ".management.commands." in module + "."


RULES: list[Rule] = [
    Rule(("poradnia",), "the Django apps are below workflows and activities (their commands aside)",
         forbidden=("workflows", "activities"), except_commands=True),
    Rule(("poradnia",), "the Django apps and their commands are below the tooling", forbidden=TOP_LAYERS),
    Rule(("activities",), "activities are called by workflows, not the other way",
         forbidden=("workflows", *TOP_LAYERS)),
    Rule(("workflows",), "workflows run in the sandbox and import without Django",
         allowed=("temporalio", "poradnia.contracts", "workflows")),
    Rule(("schedules",), "schedules are built from the registry and import without Django (callers pass settings)",
         allowed=("temporalio", "poradnia.contracts", "schedules")),
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
                      if any(module == i if r.exact else within(module, i) for i in r.importers)
                      and not (r.except_commands and is_command(module))]
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


APPS = frozenset(p.name for p in (ROOT / "poradnia").iterdir() if (p / "apps.py").is_file())


def app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "poradnia" and parts[1] in APPS else None


def app_imports() -> dict[str, dict[str, str]]:
    """app -> {app it imports: the first such import}, management commands aside (entry points)."""
    graph: dict[str, dict[str, str]] = {app: {} for app in APPS}
    for path in python_files():
        module = module_name(path)
        source = app_of(module)
        if source is None or is_command(module):
            continue
        for line, target in imports_of(path):
            other = app_of(target)
            if other is not None and other != source:
                graph[source].setdefault(other, f"{path.relative_to(ROOT)}:{line} imports {target}")
    return graph


def cycles(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """Each set of apps that reach one another (a strongly connected component of more than one), sorted."""
    reach = {app: set(graph[app]) for app in graph}
    changed = True
    while changed:  # transitive closure: a handful of apps
        changed = False
        for app in reach:
            more = set().union(*(reach[o] for o in reach[app])) - reach[app]
            if more:
                reach[app] |= more
                changed = True
    found = {frozenset(o for o in reach[app] if app in reach[o]) | {app} for app in reach if app in reach[app]}
    return sorted(sorted(c) for c in found)


def test_no_app_imports_another_in_a_circle() -> None:
    graph = app_imports()
    circles = cycles(graph)
    assert circles == [], [(c, [graph[a][b] for a in c for b in c if b in graph[a]]) for c in circles]
    assert graph["monitoring"].keys() >= {"judgements", "outbox"}  # the walker sees the apps' imports


def test_the_cycle_finder_finds_direct_and_indirect_circles() -> None:
    assert cycles({"a": {"b": ""}, "b": {"a": ""}, "c": {"a": ""}}) == [["a", "b"]]
    assert cycles({"a": {"b": ""}, "b": {"c": ""}, "c": {"a": ""}, "d": {}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b": ""}, "b": {"c": ""}, "c": {}}) == []


def fixtures_defined(path: Path) -> set[str]:
    """Names of the functions decorated ``@pytest.fixture`` (with or without arguments) in a file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if ast.unparse(target) in {"pytest.fixture", "fixture"}:
                    names.add(node.name)
    return names


def test_no_fixture_is_defined_in_two_test_modules() -> None:
    # A fixture in a test module is seen by that module only: one that two modules need is a copy,
    # and belongs in tests/support/fixtures.py.
    where: dict[str, list[str]] = {}
    for path in sorted((ROOT / "tests").glob("*/test_*.py")):
        for name in fixtures_defined(path):
            where.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in where.items() if len(paths) > 1} == {}
    assert "smtp" in fixtures_defined(ROOT / "tests" / "support" / "fixtures.py")  # the walker sees fixtures


def run_python(code: str, **env: str) -> list[str]:
    """Run ``code`` in a fresh interpreter at the repository root; its stdout's lines (it must exit 0)."""
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | env
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


# Every module of workflows/ and schedules/, imported with ``django`` made unimportable: not merely
# unconfigured but absent, so no lazy or indirect Django import can hide.
IMPORT_WITHOUT_DJANGO = """
import importlib, importlib.abc, pkgutil, sys

class NoDjango(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "django":
            raise ImportError(f"{name} imported with Django unavailable")
        return None

sys.meta_path.insert(0, NoDjango())
import workflows, schedules
for package in (workflows, schedules):
    for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
print(",".join(sorted(m for m in sys.modules if m.split(".")[0] in {"django", "activities"})))
print(",".join(sorted(m for m in sys.modules if m.split(".")[0] in {"workflows", "schedules"})))
"""


def test_workflows_and_schedules_import_without_django() -> None:
    # The check first, as written: Django is installed but not set up.
    assert run_python("import sys, workflows, schedules; print('django.conf' in sys.modules)") == ["False"]

    loaded_django, loaded = run_python(IMPORT_WITHOUT_DJANGO)
    assert loaded_django == ""
    expected = {f"{package}.{path.stem}" for package in ("workflows", "schedules")
                for path in (ROOT / package).glob("*.py") if path.stem != "__init__"}
    assert expected <= set(loaded.split(","))  # every module was imported, so the check covered them all


# The admin's Background jobs page, served once (Temporal unreachable: the page's error path) after
# Django has loaded every app, admin and URLconf: no workflow or activity module may be loaded.
JOBS_PAGE = """
import socket, sys
import django
django.setup()
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.urls import resolve

with socket.socket() as probe:  # a port nobody listens on
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
from django.conf import settings
settings.TEMPORAL_ADDRESS = f"127.0.0.1:{port}"

request = RequestFactory().get("/admin/jobs/")
request.user = User(username="operator", is_staff=True, is_superuser=True, is_active=True)
response = resolve("/admin/jobs/").func(request)  # the URLconf's view, behind admin_view's staff check
response.render()
print(response.status_code, "Zadania w tle" in response.content.decode())  # Polish: LANGUAGE_CODE
print(",".join(sorted(m for m in sys.modules if m.split(".")[0] in {"workflows", "activities"})))
"""


def test_the_admin_jobs_page_loads_no_workflow_or_activity_module(tmp_path: Path) -> None:
    status, loaded = run_python(JOBS_PAGE, DJANGO_SETTINGS_MODULE="poradnia.settings.dev",
                                DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    assert status == "503 True"  # the page itself rendered, saying Temporal is unreachable
    assert loaded == ""
