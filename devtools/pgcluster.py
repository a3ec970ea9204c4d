"""A throwaway PostgreSQL cluster (initdb + pg_ctl into a temp dir on a free port).

The tests and benchmarks use it to run against real PostgreSQL without any installed service.
initdb refuses to run as root, so as root the server runs as the ``postgres`` system user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from devtools.devserver import free_port, wait_for_port


def find_bindir() -> Path | None:
    """The directory holding initdb/pg_ctl: $PG_BINDIR, PATH, or Debian's /usr/lib/postgresql/<v>/bin."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    if initdb := shutil.which("initdb"):
        candidates.append(str(Path(initdb).parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for directory in candidates:
        if directory and (Path(directory) / "initdb").exists() and (Path(directory) / "pg_ctl").exists():
            return Path(directory)
    return None


class PostgresCluster:
    def __init__(self, *, bindir: Path | None = None, port: int | None = None, base_dir: Path | None = None) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found; set PG_BINDIR")
        self.bindir = found
        self.port = port or free_port()
        self.base_dir = Path(base_dir or tempfile.mkdtemp(prefix="poradnia-pg-"))
        self.data_dir = self.base_dir / "data"
        self.log_file = self.base_dir / "postgres.log"
        self.run_as: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root and there is no 'postgres' user to run PostgreSQL as") from None
            self.run_as = "postgres"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def init(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if self.run_as:
            shutil.chown(self.base_dir, self.run_as)
            os.chmod(self.base_dir, 0o755)
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(str(self.bindir / "initdb"), "-D", str(self.data_dir), "-U", "postgres",
                      "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")

    def start(self, timeout: float = 30) -> PostgresCluster:
        self.init()
        options = f"-p {self.port} -k {self.base_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
                  "-o", options, "-w", "-t", str(int(timeout)), "start")
        wait_for_port("127.0.0.1", self.port, timeout)
        return self

    def stop(self, mode: str = "fast") -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop", check=False)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.destroy()


def main(argv: list[str] | None = None) -> int:
    """``python -m devtools.pgcluster run -- CMD ...``: run CMD with DATABASE_URL on a throwaway cluster.

    Without PostgreSQL binaries this is a skip (exit 0) on a user's machine and a failure with CI=true.
    """
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 3 or args[0] != "run" or args[1] != "--":
        print("usage: python -m devtools.pgcluster run -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    if find_bindir() is None:
        ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
        print(f"pgcluster: PostgreSQL binaries not found; {'failing (CI=true)' if ci else 'skipping'} "
              "the PostgreSQL run", file=sys.stderr)
        return 1 if ci else 0
    with PostgresCluster() as cluster:
        print(f"pgcluster: PostgreSQL on port {cluster.port} ({cluster.bindir})", file=sys.stderr, flush=True)
        return subprocess.run(args[2:], env={**os.environ, "DATABASE_URL": cluster.url}).returncode


if __name__ == "__main__":
    raise SystemExit(main())
