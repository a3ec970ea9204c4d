"""Fetch one court's eWokanda page, with limits that keep a misbehaving server from hurting the worker.

The page is the answer to a POST of the search form with every filter empty. Limits: a connect and a
per-recv read timeout, a total deadline (a server dripping one byte a second never trips a per-recv
timeout), a body size cap (checked against Content-Length before reading, and while reading), at most
five redirects, and a check that the body is as long as Content-Length says. The total deadline covers
the whole exchange: connecting, the status line and headers (a server can drip those too), the body
and every redirect hop; a timer shuts the sockets down when it passes (urlpolicy.Exchange). Every URL,
each redirect hop included, must pass the URL policy (http/https on an allow-listed host, see
urlpolicy.py) before it is requested, and every address it resolves to is checked at connect time.
Every failure is a FetchError whose ``kind`` and ``retryable`` tell the caller whether trying again
later can help.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

import requests
from urllib3.exceptions import HTTPError, ProtocolError, ReadTimeoutError

from .urlpolicy import Exchange, ForbiddenAddress, UrlPolicy, guarded_session

#: The search form as the court's own page submits it, every filter empty: all upcoming hearings.
FORM: dict[str, str] = {
    "data": "",
    "do": "",
    "kierunek": "rosnaco",
    "porzadek": "termin",
    "przedmiot": "",
    "sala": "",
    "sedzia": "",
    "sygnatura": "",
    "symbol": "",
    "wydzial": "",
    "typ": "",
}

MAX_REDIRECTS = 5
READ_CHUNK = 64 * 1024
RETRYABLE_KINDS = frozenset({"http_5xx", "timeout", "connection", "truncated"})
KINDS = RETRYABLE_KINDS | {"http_4xx", "too_large", "redirects", "forbidden_url"}


@dataclass
class FetchedPage:
    url: str  # after redirects
    status: int
    content_type: str | None
    body: bytes
    elapsed_s: float


class FetchError(Exception):
    """The page could not be fetched. ``retryable``: a later attempt may succeed (5xx, timeouts,
    connection errors, a cut-off body); a 4xx, an oversized page, a redirect loop or a URL the policy
    refuses won't fix itself."""

    def __init__(self, url: str, kind: str, detail: str, *, status: int | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown FetchError kind {kind!r}")
        super().__init__(f"{url}: {detail}")
        self.url = url
        self.kind = kind
        self.detail = detail
        self.status = status
        self.retryable = kind in RETRYABLE_KINDS

    def __reduce__(self) -> tuple[Callable[..., FetchError], tuple[str, str, str, int | None]]:
        return (_rebuild_fetch_error, (self.url, self.kind, self.detail, self.status))


def _rebuild_fetch_error(url: str, kind: str, detail: str, status: int | None) -> FetchError:
    return FetchError(url, kind, detail, status=status)


def _declared_length(response: requests.Response) -> int | None:
    try:
        length = int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None
    return length if length >= 0 else None


def _read_body(response: requests.Response, url: str, max_bytes: int, deadline: float) -> bytes:
    """The body, read with read1() so the deadline is checked after every recv, not every 64 KiB."""
    declared = _declared_length(response)
    if declared is not None and declared > max_bytes:
        raise FetchError(url, "too_large", f"Content-Length {declared} exceeds the {max_bytes}-byte limit")
    raw = response.raw
    body = bytearray()
    try:
        while chunk := raw.read1(READ_CHUNK, decode_content=True):
            body += chunk
            if len(body) > max_bytes:
                raise FetchError(url, "too_large", f"body exceeds the {max_bytes}-byte limit")
            if time.monotonic() > deadline:
                raise FetchError(url, "timeout", f"total deadline passed after {len(body)} bytes")
    except ReadTimeoutError as exc:
        raise FetchError(url, "timeout", f"read timed out after {len(body)} bytes") from exc
    except (ProtocolError, HTTPError, OSError) as exc:
        if time.monotonic() >= deadline:  # the Exchange timer shut the socket down
            raise FetchError(url, "timeout", f"total deadline passed after {len(body)} bytes") from exc
        raise _body_error(exc, url, declared, raw.tell(), len(body)) from exc
    if time.monotonic() >= deadline:  # cut short by the Exchange timer: whatever arrived is incomplete
        raise FetchError(url, "timeout", f"total deadline passed after {len(body)} bytes")
    if declared is not None and raw.tell() < declared:
        raise FetchError(url, "truncated", f"got {raw.tell()} of {declared} bytes")
    return bytes(body)


def _body_error(exc: Exception, url: str, declared: int | None, got: int, decoded: int) -> FetchError:
    if isinstance(exc, ProtocolError):  # urllib3 raises this for a body cut short of Content-Length, too
        if declared is not None and got < declared:
            return FetchError(url, "truncated", f"got {got} of {declared} bytes")
        return FetchError(url, "connection", f"connection broken while reading: {exc}")
    if isinstance(exc, HTTPError):  # e.g. a body that fails to gunzip
        return FetchError(url, "connection", f"reading the body failed: {exc!r}")
    return FetchError(url, "connection", f"reading the body failed after {decoded} bytes: {exc}")




def fetch_court_page(
    url: str,
    *,
    user_agent: str,
    connect_timeout: float,
    read_timeout: float,
    total_timeout: float,
    max_bytes: int,
    session: requests.Session | None = None,
    url_policy: UrlPolicy | None = None,
) -> FetchedPage:
    """POST FORM to ``url`` and return the page; raise FetchError on any failure.

    Redirects are followed here rather than by requests, so that the deadline covers every hop and a
    loop is reported as kind "redirects". 301/302/303 turn the POST into a GET, as browsers do.
    Worst case duration: ``total_timeout`` (plus a name lookup in progress, which nothing can interrupt).
    ``url_policy`` defaults to the settings' (EWOKANDA_ALLOWED_HOSTS, EWOKANDA_ALLOW_LOOPBACK).
    Without ``session`` the fetcher uses a GuardedAdapter session (addresses checked at connect time,
    the deadline enforced on the sockets); a given session keeps its own adapters, so it gets the URL
    checks and the deadline between reads only.
    """
    policy = url_policy if url_policy is not None else UrlPolicy.from_settings()
    first_url = url
    own_session = session is None
    http = session if session is not None else guarded_session(policy)
    started = time.monotonic()
    deadline = started + total_timeout
    method, data = "POST", FORM
    headers = {"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
    redirects = 0
    exchange = Exchange(deadline)
    try:
        with exchange:
            while True:
                if (reason := policy.refusal(url)) is not None:
                    hop = f"redirect {redirects} from {first_url} refused" if redirects else "refused"
                    raise FetchError(url, "forbidden_url", f"{hop}: {reason}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise FetchError(url, "timeout", f"total deadline of {total_timeout}s passed")
                try:
                    response = http.request(
                        method,
                        url,
                        data=data,
                        headers=headers,
                        timeout=(min(connect_timeout, remaining), min(read_timeout, remaining)),
                        stream=True,
                        allow_redirects=False,
                    )
                except ForbiddenAddress as exc:
                    hop = f"redirect {redirects} from {first_url} refused" if redirects else "refused"
                    raise FetchError(url, "forbidden_url", f"{hop}: {exc}") from exc
                except (requests.ConnectTimeout, requests.ReadTimeout) as exc:
                    raise FetchError(url, "timeout", f"timed out: {exc}") from exc
                except requests.ConnectionError as exc:
                    if exchange.expired:  # the deadline shut the socket while waiting for the status line/headers
                        raise FetchError(url, "timeout", f"total deadline of {total_timeout}s passed") from exc
                    raise FetchError(url, "connection", f"connection failed: {exc}") from exc
                with response:
                    status = response.status_code
                    if response.is_redirect:
                        if redirects == MAX_REDIRECTS:
                            detail = f"more than {MAX_REDIRECTS} redirects"
                            raise FetchError(url, "redirects", detail, status=status)
                        redirects += 1
                        url = urljoin(url, response.headers["Location"])
                        if status in (301, 302, 303):
                            method, data = "GET", None
                        continue
                    if status >= 500:
                        raise FetchError(url, "http_5xx", f"HTTP {status}", status=status)
                    if status >= 400:
                        raise FetchError(url, "http_4xx", f"HTTP {status}", status=status)
                    if status >= 300:
                        detail = f"HTTP {status} without a usable Location"
                        raise FetchError(url, "redirects", detail, status=status)
                    body = _read_body(response, url, max_bytes, deadline)
                    return FetchedPage(
                        url=url,
                        status=status,
                        content_type=response.headers.get("Content-Type"),
                        body=body,
                        elapsed_s=time.monotonic() - started,
                    )
    finally:
        if own_session:
            http.close()
