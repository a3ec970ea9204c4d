"""``make dev``: the whole system on one laptop, on embedded defaults.

Starts a Temporal dev server (persistent SQLite file under var/, Web UI on :8233), migrates the
SQLite database, creates a dev superuser when there is none, starts the worker and Django's server
for the admin (:8000), and prints the URLs. Ctrl-C stops every child. A second run reuses var/.
With ``--demo`` an eWokanda stand-in serves recorded or synthetic pages and a few real signatures
are tracked, so court sessions appear without internet.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poradnia.settings.dev")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run Temporal, the worker and the Django admin locally.")
    parser.add_argument("--temporal-port", type=int, default=7233)
    parser.add_argument("--admin-port", type=int, default=8000)
    parser.add_argument("--demo", action="store_true", help="serve eWokanda pages locally and track demo cases")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from devtools.devserver import TemporalDevServer, port_is_free

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    ensure_superuser()

    env = dict(os.environ)
    children: list[tuple[str, subprocess.Popen]] = []
    temporal_server: TemporalDevServer | None = None
    if not port_is_free(args.temporal_port):
        print(f"dev: port {args.temporal_port} is taken: stop the other Temporal server or pass --temporal-port",
              file=sys.stderr)
        return 1
    temporal_server = TemporalDevServer(
        port=args.temporal_port, ui=True, db_filename=settings.DATA_DIR / "temporal.sqlite",
        log_file=settings.DATA_DIR / "temporal.log",
    )
    stop_everything = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stop_everything
        stop_everything = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        print(f"dev: starting Temporal dev server on {temporal_server.address} (log: {temporal_server.log_file})")
        temporal_server.start()
        env["TEMPORAL_ADDRESS"] = temporal_server.address
        if args.demo:
            from devtools.demo import start_demo

            env.update(start_demo(settings.DATA_DIR))
        # The worker syncs the declared schedules at start, so the Web UI lists them right away.
        children.append(("worker", subprocess.Popen([sys.executable, str(ROOT / "worker.py")], cwd=ROOT,
                                                    env={**env, "WORKER_APPLY_SCHEDULES": "true"})))
        children.append(("admin", subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{args.admin_port}", "--noreload"],
            cwd=ROOT, env=env,
        )))
        print(
            "\n"
            f"  Temporal Web UI : {temporal_server.ui_url}\n"
            f"  Temporal gRPC   : {temporal_server.address} (task queue {settings.TEMPORAL_TASK_QUEUE})\n"
            f"  Django admin    : http://127.0.0.1:{args.admin_port}/admin/\n"
            f"  Database        : {settings.DATABASES['default']['NAME']}\n"
            "  Ctrl-C stops everything.\n",
            flush=True,
        )
        while not stop_everything:
            for name, child in children:
                if child.poll() is not None:
                    print(f"dev: {name} exited with code {child.returncode}; stopping", file=sys.stderr)
                    stop_everything = True
            time.sleep(0.5)
    finally:
        for _, child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for _, child in children:
            try:
                child.wait(40)
            except subprocess.TimeoutExpired:
                child.kill()
        if args.demo:
            from devtools.demo import stop_demo

            stop_demo()
        temporal_server.stop()
        print("dev: stopped")
    return 0


def ensure_superuser() -> None:
    """A dev superuser admin/admin, created only when the database has no superuser at all."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if User.objects.filter(is_superuser=True).exists():
        print("dev: superuser exists (create another with: .venv/bin/python manage.py createsuperuser)")
        return
    User.objects.create_superuser("admin", "admin@localhost", "admin")
    print("dev: created dev superuser admin / admin (local use only; change it in the admin)")


if __name__ == "__main__":
    sys.exit(main())
