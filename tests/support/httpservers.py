"""Small loopback HTTP servers that misbehave on purpose (for the fetcher's hostile-server tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote


@contextmanager
def header_dripper(interval: float = 0.05, header_bytes: int = 400) -> Iterator[str]:
    """Accepts connections, reads the request, then sends a status line and headers one byte every
    ``interval`` seconds (``header_bytes`` of them, then the blank line and a short body).
    Yields the base URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(5)
                conn.recv(65536)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Drip: " + b"a" * header_bytes + b"\r\n"
                for i in range(len(head)):
                    if stop.is_set():
                        return
                    conn.sendall(head[i:i + 1])
                    time.sleep(interval)
                conn.sendall(b"Content-Length: 2\r\n\r\nok")
            except OSError:
                pass  # the client gave up: what the test wants

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        thread.join()
        listener.close()


@contextmanager
def redirect_server(body: bytes = b"<html>ok</html>") -> Iterator[tuple[str, list[str]]]:
    """Answers ``/?to=URL`` (URL percent-encoded or not) with a 302 to URL and any other path with 200
    ``body``; records the paths."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            seen.append(self.path)
            target = unquote(self.path.partition("?to=")[2])
            self.send_response(302 if target else 200)
            if target:
                self.send_header("Location", target)
            self.send_header("Content-Length", "0" if target else str(len(body)))
            self.end_headers()
            if not target:
                self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", seen
    finally:
        server.shutdown()
        server.server_close()
