"""A local stand-in for the eWokanda server, for tests, benchmarks and the demo.

It serves pages at the real paths (``/ewokanda/`` for NSA, ``/ewokanda/wsa/<city>/`` for WSA_<City>)
to the form POST (and GET), can be slowed down (latency, per-connection bandwidth) or made flaky
(random 5xx), and can script faults per court: failures before the page, a body cut short of its
Content-Length, a page dripped byte by byte, a redirect loop, a body without Content-Length. Every
request is logged so a test can count fetches; the CLI can write that log as JSON lines for another
process to read.

    python -m devtools.standin --synthetic 300 --port 8765 --log var/standin.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qs, urlsplit

from poradnia.judgements.courts import COURTS, court_path

_WRITE_CHUNK = 16 * 1024


@dataclass(frozen=True)
class LoggedRequest:
    time: float  # time.time() when the response finished (or failed); the log is in that order
    method: str
    path: str
    parser_key: str | None  # None: not a court path
    status: int
    bytes_sent: int  # body bytes actually written
    form: dict[str, str] = field(default_factory=dict)  # the POSTed form (or the query of a GET)
    complete: bool = True  # False: the body was cut short (fault, or the client hung up)


@dataclass
class _Page:
    body: bytes
    content_type: str


@dataclass
class _Faults:
    scripted: deque[int] = field(default_factory=deque)  # statuses to answer before the page
    truncate_at: int | None = None
    drip_bytes_per_s: float | None = None
    redirect_loop: bool = False
    unknown_length: bool = False


class StandIn:
    """An eWokanda stand-in on a ThreadingHTTPServer.

    ``pages`` maps parser keys to bodies; ``pages_dir`` holds ``<parser_key>.html`` files (they win).
    ``bandwidth_kbps`` is kilobits per second per connection; ``error_rate`` is the chance of a random
    500/502/503 (seeded by ``seed``). Unknown paths and courts without a page get 404.
    """

    def __init__(
        self,
        pages: dict[str, bytes] | None = None,
        *,
        pages_dir: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0,
        bandwidth_kbps: int | None = None,
        error_rate: float = 0.0,
        seed: int = 0,
        content_type: str = "text/html; charset=UTF-8",
    ) -> None:
        self.host, self.port = host, port
        self.latency_ms = latency_ms
        self.bandwidth_kbps = bandwidth_kbps
        self.error_rate = error_rate
        self.content_type = content_type
        self.requests: list[LoggedRequest] = []
        self.log_file: TextIO | None = None  # when set, each request is also written as a JSON line
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._arrived: Counter[str | None] = Counter()  # requests per parser key, counted on arrival
        self._stopping = threading.Event()
        self._pages: dict[str, _Page] = {}
        self._faults: dict[str, _Faults] = {}
        self._routes = {"/ewokanda/" + court_path(key): key for key, _ in COURTS}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        for key, body in (pages or {}).items():
            self.set_page(key, body)
        if pages_dir is not None:  # recorded pages win over given ones; other files are ignored
            known = {key for key, _ in COURTS}
            for file in sorted(Path(pages_dir).glob("*.html")):
                if file.stem in known:
                    self.set_page(file.stem, file.read_bytes())

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> StandIn:
        if self._server is not None:
            raise RuntimeError("stand-in already started")
        handler = type("Handler", (_Handler,), {"standin": self})
        self._stopping.clear()
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        serve = self._server.serve_forever
        self._thread = threading.Thread(target=serve, args=(0.1,), name="standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # ends drips and slow writes still running in handler threads
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("stand-in not started")
        return f"http://{self.host}:{self.port}/ewokanda/"

    # --- pages and faults -------------------------------------------------------------------------

    def set_page(self, parser_key: str, body: bytes, content_type: str | None = None) -> None:
        """Serve ``body`` for the court (kept as is: a 25 MB page is not copied per request)."""
        route = "/ewokanda/" + court_path(parser_key)  # also validates the key
        with self._lock:
            self._pages[parser_key] = _Page(body, content_type or self.content_type)
            self._routes[route] = parser_key

    def fail_next(self, parser_key: str, status: int = 500, times: int = 1) -> None:
        """Answer the next ``times`` requests for the court with ``status`` before serving the page."""
        with self._lock:
            self._faults_for(parser_key).scripted.extend([status] * times)

    def truncate(self, parser_key: str, at_bytes: int) -> None:
        """Declare the full Content-Length but send only ``at_bytes`` bytes, then close."""
        with self._lock:
            self._faults_for(parser_key).truncate_at = at_bytes

    def drip(self, parser_key: str, bytes_per_s: float) -> None:
        """Send the page at ``bytes_per_s`` (a byte at a time when slow): no single recv ever times out."""
        with self._lock:
            self._faults_for(parser_key).drip_bytes_per_s = bytes_per_s

    def redirect_loop(self, parser_key: str) -> None:
        """Answer 302 to the court's own URL, forever."""
        with self._lock:
            self._faults_for(parser_key).redirect_loop = True

    def unknown_length(self, parser_key: str) -> None:
        """Send the page without Content-Length (the body ends when the connection closes)."""
        with self._lock:
            self._faults_for(parser_key).unknown_length = True

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _faults_for(self, parser_key: str) -> _Faults:
        court_path(parser_key)
        return self._faults.setdefault(parser_key, _Faults())

    # --- the log ----------------------------------------------------------------------------------

    def fetch_count(self, parser_key: str) -> int:
        """Requests for the court that got the whole page with a 200 (logged once the page is sent)."""
        with self._lock:
            return sum(r.parser_key == parser_key and r.status == 200 and r.complete for r in self.requests)

    def request_count(self, parser_key: str) -> int:
        """Requests for the court so far, counted on arrival (so one still being answered counts)."""
        with self._lock:
            return self._arrived[parser_key]

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no request is being answered, so ``requests`` is complete. A client can see its
        response end a moment before the handler thread logs it."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def _arrive(self, parser_key: str | None) -> None:
        with self._lock:
            self._arrived[parser_key] += 1
            self._in_flight += 1

    def _log(self, entry: LoggedRequest) -> None:
        with self._idle:
            self.requests.append(entry)
            if self.log_file is not None:
                self.log_file.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
                self.log_file.flush()
            self._in_flight -= 1
            self._idle.notify_all()

    # --- deciding a response (called from handler threads) ----------------------------------------

    def _route(self, path: str) -> str | None:
        with self._lock:
            return self._routes.get(path if path.endswith("/") else path + "/")

    def _plan(self, key: str | None) -> tuple[int, _Page | None, _Faults]:
        """(status, page, faults snapshot) for a request for the court ``key``."""
        with self._lock:
            page = self._pages.get(key) if key else None
            if key is None or page is None:
                return 404, None, _Faults()
            faults = self._faults.get(key, _Faults())
            snapshot = _Faults(
                truncate_at=faults.truncate_at,
                drip_bytes_per_s=faults.drip_bytes_per_s,
                redirect_loop=faults.redirect_loop,
                unknown_length=faults.unknown_length,
            )
            if faults.redirect_loop:
                return 302, page, snapshot
            if faults.scripted:
                return faults.scripted.popleft(), None, snapshot
            if self.error_rate and self._rng.random() < self.error_rate:
                return self._rng.choice((500, 502, 503)), None, snapshot
        return 200, page, snapshot


class _Handler(BaseHTTPRequestHandler):
    standin: StandIn
    protocol_version = "HTTP/1.1"
    server_version = "eWokandaStandIn/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # the request log replaces stderr noise
        pass

    def do_GET(self) -> None:
        self._serve(parse_qs(urlsplit(self.path).query, keep_blank_values=True))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        self._serve(parse_qs(raw, keep_blank_values=True))

    def _serve(self, query: dict[str, list[str]]) -> None:
        standin = self.standin
        form = {name: values[0] for name, values in query.items()}
        path = urlsplit(self.path).path
        key = standin._route(path)
        standin._arrive(key)
        self.close_connection = True
        status, sent, complete = 500, 0, False
        try:
            status, page, faults = standin._plan(key)
            if standin.latency_ms and standin._stopping.wait(standin.latency_ms / 1000):
                return
            if status == 200 and page is not None:
                sent, complete = self._send_page(page, faults)
            elif status == 302:
                self.send_response(302)
                self.send_header("Location", path)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()
                complete = True
            else:
                try:
                    phrase = HTTPStatus(status).phrase
                except ValueError:  # fail_next(status=599)
                    phrase = "Scripted"
                body = f"stand-in: {status} {phrase} for {path}\n".encode()
                self.send_response(status, phrase)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                sent, complete = self._write(body, None)
        except OSError:  # the client went away mid-headers
            complete = False
        finally:
            standin._log(LoggedRequest(time.time(), self.command, path, key, status, sent, form, complete))

    def _send_page(self, page: _Page, faults: _Faults) -> tuple[int, bool]:
        body = memoryview(page.body)
        self.send_response(200)
        self.send_header("Content-Type", page.content_type)
        if not faults.unknown_length:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if faults.truncate_at is not None:
            sent, _ = self._write(body[: faults.truncate_at], None)
            return sent, False
        rate = faults.drip_bytes_per_s
        if rate is None and self.standin.bandwidth_kbps:
            rate = self.standin.bandwidth_kbps * 1000 / 8
        return self._write(body, rate)

    def _write(self, data: memoryview | bytes, bytes_per_s: float | None) -> tuple[int, bool]:
        """Write ``data``, paced to ``bytes_per_s`` if given; (bytes written, all of it?)."""
        view = memoryview(data)
        stopping = self.standin._stopping
        chunk = _WRITE_CHUNK if bytes_per_s is None else max(1, min(_WRITE_CHUNK, int(bytes_per_s / 20)))
        sent = 0
        started = time.monotonic()
        try:
            while sent < len(view):
                if stopping.is_set():
                    return sent, False
                if bytes_per_s is not None:  # sleep until this chunk is due
                    delay = started + sent / bytes_per_s - time.monotonic()
                    if delay > 0 and stopping.wait(delay):
                        return sent, False
                piece = view[sent : sent + chunk]
                self.wfile.write(piece)
                sent += len(piece)
            self.wfile.flush()
        except OSError:  # BrokenPipe / ConnectionReset: the client hung up
            return sent, False
        return sent, True


# --- CLI ----------------------------------------------------------------------------------------


def synthetic_pages(rows: int, seed: int, start: date | None = None) -> dict[str, bytes]:
    """A generated page of ``rows`` hearings for every court (signatures use the court's code)."""
    from devtools.synthetic import COURT_CODES, generate_page, random_rows

    start = start or date.today()
    return {
        key: generate_page(
            random_rows(rows, seed=seed + i, court_code=COURT_CODES.get(key, ""), start=start),
            title=f"eWokanda - {key}",
        )
        for i, (key, _) in enumerate(COURTS)
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve eWokanda pages locally (a stand-in).")
    parser.add_argument("--pages", type=Path, help="directory of <parser_key>.html files")
    parser.add_argument("--synthetic", type=int, metavar="N", help="generated pages, N rows per court")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--bandwidth-kbps", type=int, default=None, help="per connection, kilobits/s")
    parser.add_argument("--error-rate", type=float, default=0.0, help="chance of a random 5xx")
    parser.add_argument("--log", type=Path, help="append one JSON line per request (flushed) to FILE")
    args = parser.parse_args(argv)
    if args.pages is None and args.synthetic is None:
        parser.error("give --pages DIR and/or --synthetic N")
    pages = synthetic_pages(args.synthetic, args.seed) if args.synthetic else {}
    standin = StandIn(
        pages,
        pages_dir=args.pages,  # recorded pages win over synthetic ones
        host=args.host,
        port=args.port,
        latency_ms=args.latency_ms,
        bandwidth_kbps=args.bandwidth_kbps,
        error_rate=args.error_rate,
        seed=args.seed,
    )
    log = args.log.open("a", encoding="utf-8") if args.log else None
    standin.log_file = log
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    with standin:
        print(standin.base_url, flush=True)
        print(f"serving {len(standin._pages)} court pages; Ctrl-C to stop", file=sys.stderr, flush=True)
        while not done.wait(0.5):
            pass
    if log is not None:
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
