"""``make messages``: the Polish catalogs of every app, from the code (makemessages), compiled (compilemessages).

Each Django app keeps its own ``locale/pl/LC_MESSAGES/django.po`` (and the compiled ``.mo``, in git, so
a deployment needs no gettext); ``schedules/`` (not an app: the schedule words the admin shows) has one
too, listed in ``LOCALE_PATHS``. makemessages runs inside each directory, so each catalog holds exactly
that directory's strings; the project's root package skips its apps' directories.

    python -m devtools.messages            # update every .po from the code, then compile the .mo files
    python -m devtools.messages --check    # exit 1 when a .po is out of date with the code or untranslated

The check runs makemessages on a copy of the sources (the working tree is not touched) and compares the
message ids; it also fails on an entry without a Polish translation or marked fuzzy. Needs GNU gettext
(Debian package ``gettext``; ``make gettext`` installs it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = "pl"
# Every app of the project keeps its own catalog (an app is a package with an apps.py).
APPS = tuple(sorted(path.parent.name for path in (ROOT / "poradnia").glob("*/apps.py")))
# Directories with a catalog, relative to the repository; the root package skips its apps and settings.
CATALOGS: dict[str, tuple[str, ...]] = {
    **{f"poradnia/{app}": () for app in APPS},
    "poradnia": (*APPS, "settings"),
    "schedules": (),
}


@dataclass(frozen=True)
class Problem:
    catalog: str
    text: str

    def __str__(self) -> str:
        return f"{self.catalog}: {self.text}"


def have_gettext() -> bool:
    return all(shutil.which(tool) for tool in ("xgettext", "msgmerge", "msgfmt"))


def po_path(base: Path, directory: str) -> Path:
    return base / directory / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"


def _django(base: Path, directory: str, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "poradnia.settings.dev")}
    cwd = base / directory
    (cwd / "locale").mkdir(exist_ok=True)
    result = subprocess.run([sys.executable, "-m", "django", *args], cwd=cwd, env=env, capture_output=True,
                            text=True)
    if result.returncode != 0:
        raise SystemExit(f"makemessages in {directory} failed:\n{result.stdout}{result.stderr}")


def make_messages(base: Path = ROOT) -> None:
    """Update each catalog under ``base`` from the code beside it.

    No file locations and no creation date: a catalog changes only when its messages do, so branches that
    each run ``make messages`` merge without conflicts in line numbers or timestamps.
    """
    for directory, skipped in CATALOGS.items():
        ignores = [arg for name in skipped for arg in ("--ignore", f"{name}/*")]
        _django(base, directory, "makemessages", "-l", LANGUAGE, "--no-location", "--no-obsolete", *ignores)
        po = po_path(base, directory)
        lines = po.read_text(encoding="utf-8").splitlines(keepends=True)
        po.write_text("".join(line for line in lines if not line.startswith('"POT-Creation-Date:')), encoding="utf-8")


def compile_messages(base: Path = ROOT) -> None:
    for directory in CATALOGS:
        _django(base, directory, "compilemessages", "-l", LANGUAGE)


def _ids(path: Path) -> dict[object, object]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {message.id: message for message in catalog if message.id}


def check(base: Path = ROOT) -> list[Problem]:
    """What is wrong with the committed catalogs: strings missing from or left over in them, untranslated ones."""
    problems: list[Problem] = []
    with tempfile.TemporaryDirectory(prefix="poradnia-messages-") as tmp:
        copy = Path(tmp)
        for top in ("poradnia", "schedules"):
            shutil.copytree(base / top, copy / top, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        make_messages(copy)
        for directory in CATALOGS:
            committed_path = po_path(base, directory)
            if not committed_path.exists():
                problems.append(Problem(directory, f"no {committed_path.relative_to(base)}: run make messages"))
                continue
            committed, fresh = _ids(committed_path), _ids(po_path(copy, directory))
            problems += [Problem(directory, f"not in the .po (run make messages): {msgid!r}")
                         for msgid in fresh.keys() - committed.keys()]
            problems += [Problem(directory, f"in the .po but no longer in the code (run make messages): {msgid!r}")
                         for msgid in committed.keys() - fresh.keys()]
            for msgid, message in committed.items():
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.fuzzy or not all(strings):
                    problems.append(Problem(directory, f"no Polish translation: {msgid!r}"))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="report out-of-date or untranslated catalogs")
    args = parser.parse_args(argv)
    if not have_gettext():
        print("GNU gettext is missing (xgettext, msgmerge, msgfmt): make gettext, or apt-get install gettext",
              file=sys.stderr)
        return 2
    if args.check:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    make_messages()
    compile_messages()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
