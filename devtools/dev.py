"""``make dev``: the whole system on one laptop, on embedded defaults.

Starts a Temporal dev server (persistent SQLite file under var/, Web UI on :8233), migrates the
SQLite database, creates a dev superuser when there is none, starts the worker and Django's server
for the admin (:8000), and prints the URLs. Ctrl-C stops every child. A second run reuses var/.
Every port moves (``make dev TEMPORAL_PORT=7333 UI_PORT=8333 ADMIN_PORT=8100``, ``STANDIN_PORT`` for the
demo); the admin's Web UI links follow. A port that is taken, or a child that fails, stops everything
and exits 1 with one line that says which port to move and how.
With ``--demo`` an eWokanda stand-in serves recorded or synthetic pages and a few real signatures
are tracked, so court sessions appear without internet.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poradnia.settings.dev")
DEFAULT_STANDIN_PORT = int(os.environ.get("EWOKANDA_DEMO_PORT", "8765"))


@dataclass(frozen=True)
class Port:
    """A port ``make dev`` listens on, and how a person moves it."""

    what: str  # "the Django admin"
    number: int
    make_var: str  # ADMIN_PORT
    flag: str  # --admin-port

    def taken_line(self, demo: bool) -> str:
        """One line: which port, and the command that moves it."""
        other = next_free_port(self.number)
        target = "demo" if demo else "dev"
        return (f"dev: port {self.number} ({self.what}) is taken: run make {target} {self.make_var}={other} "
                f"(or python -m devtools.dev {self.flag} {other})")


def next_free_port(port: int) -> int:
    for candidate in range(port + 100, min(port + 1100, 65535), 100):
        if port_is_free(candidate):
            return candidate
    return port + 1


def port_is_free(port: int) -> bool:
    """Whether a server can listen on the port now. SO_REUSEADDR, as Temporal, Django and the stand-in set it:
    a port left in TIME_WAIT by the last run's connections is free to them, one with a listener is not."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def env_port(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run Temporal, the worker and the Django admin locally. "
                                     "Each port also comes from the make variable of the same name.")
    parser.add_argument("--temporal-port", type=int, default=env_port("TEMPORAL_PORT", 7233),
                        help="Temporal's gRPC port (TEMPORAL_PORT, default 7233)")
    parser.add_argument("--ui-port", type=int, default=None,
                        help="the Temporal Web UI's port (UI_PORT, default the gRPC port + 1000)")
    parser.add_argument("--admin-port", type=int, default=env_port("ADMIN_PORT", 8000),
                        help="the Django admin's port (ADMIN_PORT, default 8000)")
    parser.add_argument("--standin-port", type=int, default=env_port("STANDIN_PORT", DEFAULT_STANDIN_PORT),
                        help="the demo's eWokanda stand-in port (STANDIN_PORT, default 8765)")
    parser.add_argument("--demo", action="store_true", help="serve eWokanda pages locally and track demo cases")
    args = parser.parse_args(argv)
    if args.ui_port is None:
        args.ui_port = env_port("UI_PORT", args.temporal_port + 1000)
    return args


def ports(args: argparse.Namespace) -> list[Port]:
    wanted = [Port("Temporal gRPC", args.temporal_port, "TEMPORAL_PORT", "--temporal-port"),
              Port("the Temporal Web UI", args.ui_port, "UI_PORT", "--ui-port"),
              Port("the Django admin", args.admin_port, "ADMIN_PORT", "--admin-port")]
    if args.demo:
        wanted.append(Port("the eWokanda stand-in", args.standin_port, "STANDIN_PORT", "--standin-port"))
    return wanted


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from devtools.devserver import TemporalDevServer, wait_for_port

    # Every port is checked before anything starts: a taken one stops make dev at once, naming how to move it.
    for port in ports(args):
        if not port_is_free(port.number):
            print(port.taken_line(args.demo), file=sys.stderr)
            return 1

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    ensure_superuser()

    env = dict(os.environ)
    children: list[tuple[Port | None, str, subprocess.Popen]] = []
    temporal_server = TemporalDevServer(
        port=args.temporal_port, ui=True, ui_port=args.ui_port, db_filename=settings.DATA_DIR / "temporal.sqlite",
        log_file=settings.DATA_DIR / "temporal.log",
    )
    by_name = {p.make_var: p for p in ports(args)}
    stop_everything = False
    failure = ""  # the one line make prints when a child could not start or died

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stop_everything
        stop_everything = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    demo_started = False
    try:
        print(f"dev: starting Temporal dev server on {temporal_server.address} (log: {temporal_server.log_file})")
        try:
            temporal_server.start()
        except Exception as exc:  # noqa: BLE001 - a port taken meanwhile, or the binary failed: say which
            taken = [p for p in (by_name["TEMPORAL_PORT"], by_name["UI_PORT"]) if not port_is_free(p.number)]
            failure = (taken[0].taken_line(args.demo) if taken else
                       f"dev: the Temporal dev server did not start ({exc}); see {temporal_server.log_file}")
            return 1
        # The admin's Web UI links and the worker follow the moved ports.
        env["TEMPORAL_ADDRESS"] = temporal_server.address
        env["TEMPORAL_UI_URL"] = temporal_server.ui_url
        if args.demo:
            from devtools.demo import start_demo

            try:
                env.update(start_demo(settings.DATA_DIR, port=args.standin_port))
                demo_started = True
            except OSError as exc:
                failure = (by_name["STANDIN_PORT"].taken_line(args.demo) if not port_is_free(args.standin_port)
                           else f"dev: the eWokanda stand-in did not start: {exc}")
                return 1
        # The worker syncs the declared schedules at start, so the Web UI lists them right away.
        children.append((None, "worker", subprocess.Popen([sys.executable, str(ROOT / "worker.py")], cwd=ROOT,
                                                          env={**env, "WORKER_APPLY_SCHEDULES": "true"})))
        admin = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{args.admin_port}", "--noreload"],
            cwd=ROOT, env=env,
        )
        children.append((by_name["ADMIN_PORT"], "admin", admin))
        try:
            wait_for_port("127.0.0.1", args.admin_port, 60, admin)
        except (TimeoutError, RuntimeError, AssertionError):
            failure = child_failure(by_name["ADMIN_PORT"], "admin", admin, args.demo)
            return 1
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
            for port, name, child in children:
                if child.poll() is not None:
                    failure = child_failure(port, name, child, args.demo)
                    stop_everything = True
                    break
            time.sleep(0.5)
    finally:
        for _, _, child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for _, _, child in children:
            try:
                child.wait(40)
            except subprocess.TimeoutExpired:
                child.kill()
        if demo_started:
            from devtools.demo import stop_demo

            stop_demo()
        temporal_server.stop()
        print("dev: stopped")
        if failure:
            print(failure, file=sys.stderr, flush=True)  # last, so it is the line a person reads
    return 1 if failure else 0


def child_failure(port: Port | None, name: str, child: subprocess.Popen, demo: bool) -> str:
    """Why make dev stops: a child that exited (with the port to move when its port is taken now)."""
    code = child.poll()
    if port is not None and not port_is_free(port.number) and code is not None:
        return port.taken_line(demo)
    return f"dev: {name} exited with code {code}; stopping (its output is above)"


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
