"""A throwaway environment for a benchmark: its own SQLite file (or DATABASE_URL), dev server and worker."""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# $EWOKANDA_SHARED_DIR: the recorded pages when the checkout is not beside shared/ (a worktree).
DEFAULT_PAGES = Path(os.environ.get("EWOKANDA_SHARED_DIR") or ROOT.parent / "shared" / "ewokanda") / "pages"


def setup_django(database_url: str | None) -> Path:
    """Point Django at a fresh database (a temp SQLite file unless given) and migrate it; returns the temp dir."""
    workdir = Path(tempfile.mkdtemp(prefix="poradnia-bench-"))
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["PORADNIA_DATA_DIR"] = str(workdir)
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    os.environ.setdefault("EWOKANDA_ALLOW_LOOPBACK", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poradnia.settings.dev")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return workdir


def cleanup(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)


def load_pages(pages_dir: Path) -> dict[str, bytes]:
    """``<parser key>.html`` files of a directory."""
    from poradnia.judgements.courts import COURTS

    known = {key for key, _ in COURTS}
    pages = {p.stem: p.read_bytes() for p in sorted(pages_dir.glob("*.html")) if p.stem in known}
    if not pages:
        raise SystemExit(f"no <parser key>.html pages in {pages_dir}")
    return pages


def track_sample(pages: dict[str, bytes], tracked: int, *, seed: int = 0, per_case: int = 10) -> int:
    """Track ``tracked`` signatures sampled (fixed seed) across the pages; returns the rows they have."""
    from poradnia.cases.models import Case
    from poradnia.judgements.models import Court, CourtCase
    from poradnia.judgements.parser import parse_page
    from poradnia.judgements.signatures import signature_key
    from poradnia.users.models import User

    rng = random.Random(seed)
    per_court = {key: sorted({r.signature for r in parse_page(body, court=key).rows}) for key, body in pages.items()}
    chosen: list[tuple[str, str]] = []
    pools = {key: rng.sample(sigs, len(sigs)) for key, sigs in per_court.items()}
    while len(chosen) < tracked and any(pools.values()):
        for key in sorted(pools):
            if pools[key] and len(chosen) < tracked:
                chosen.append((key, pools[key].pop()))
    courts = {c.parser_key: c for c in Court.objects.filter(parser_key__in=list(pages))}
    staff = User.objects.create_user("bench-lawyer", "lawyer@bench.invalid", is_staff=True)  # hearing notices: staff
    case = None
    for i, (key, signature) in enumerate(chosen):
        if i % per_case == 0:
            case = Case.objects.create(name=f"bench {i // per_case}", client=staff, status="assigned")
            case.staff.add(staff)
        CourtCase.objects.create(court=courts[key], signature=signature, case=case, created_by=staff)
    keys = {(k, signature_key(s)) for k, s in chosen}
    return sum(1 for key, body in pages.items() for r in parse_page(body, court=key).rows
               if (key, signature_key(r.signature)) in keys)


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size (VmHWM) so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


@contextmanager
def temporal_and_worker(workdir: Path, worker_env: dict[str, str]) -> Iterator[tuple[object, object]]:
    """A headless dev server and one ``python worker.py``; yields (server, worker process)."""
    from devtools.devserver import TemporalDevServer
    from devtools.processes import WorkerProcess

    server = TemporalDevServer(db_filename=workdir / "temporal.sqlite", log_file=workdir / "temporal.log").start()
    env = {"DATABASE_URL": os.environ["DATABASE_URL"], "TEMPORAL_ADDRESS": server.address,
           "TEMPORAL_TASK_QUEUE": "bench", "EMAIL_BACKEND": os.environ["EMAIL_BACKEND"],
           "EWOKANDA_ALLOW_LOOPBACK": "true", **worker_env}
    worker = WorkerProcess(env, workdir / "worker.log").start()
    try:
        yield server, worker
    finally:
        worker.stop()
        server.stop()


def now() -> float:
    return time.perf_counter()
