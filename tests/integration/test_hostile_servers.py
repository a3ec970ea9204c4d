"""The fetcher against servers and redirects that try to hold the worker or reach inside the network."""

from __future__ import annotations

import socket
import time
from urllib.parse import quote

import pytest

from poradnia.judgements.fetcher import FetchError, fetch_court_page
from poradnia.judgements.urlpolicy import UrlPolicy
from tests.support.httpservers import header_dripper, redirect_server
from tests.support.urlpolicy import LoopbackOnly

LIMITS = {"user_agent": "poradnia-tests", "connect_timeout": 0.5, "read_timeout": 2.0, "total_timeout": 1.0,
          "max_bytes": 1_000_000}
DEBUG = UrlPolicy.of(["ewokanda.nsa.gov.pl", "ewokanda.test"], allow_loopback=True)
PRODUCTION = UrlPolicy.of(["ewokanda.nsa.gov.pl"])
BACKSLASH = "http://169.254.169.254\\@ewokanda.nsa.gov.pl/"


def fetch_error(url: str, policy: UrlPolicy = DEBUG, **limits: float) -> FetchError:
    with pytest.raises(FetchError) as error:
        fetch_court_page(url, **{**LIMITS, **limits}, url_policy=policy)  # type: ignore[arg-type]
    return error.value


def test_headers_dripped_byte_by_byte_hit_the_total_deadline() -> None:
    # 450 header bytes at 20 a second: ~22 s of drip, each recv well inside the 2 s read timeout.
    with header_dripper(interval=0.05, header_bytes=400) as url:
        started = time.monotonic()
        error = fetch_error(url)
        elapsed = time.monotonic() - started
    assert (error.kind, error.retryable) == ("timeout", True)
    assert "total deadline" in str(error)
    assert elapsed < 1.0 + 2.0, elapsed  # the deadline plus scheduling slack, not the 22 s drip


def test_the_deadline_covers_a_redirect_hop_that_drips() -> None:
    with header_dripper(interval=0.05) as dripper, redirect_server() as (base, seen):
        started = time.monotonic()
        error = fetch_error(f"{base}?to={dripper}")
        elapsed = time.monotonic() - started
    assert error.kind == "timeout" and len(seen) == 1 and elapsed < 3.0


@pytest.mark.parametrize("policy", [PRODUCTION, DEBUG])
def test_a_backslash_before_the_at_sign_is_refused(policy: UrlPolicy) -> None:
    assert "backslash" in (policy.refusal(BACKSLASH) or "")
    error = fetch_error(BACKSLASH, policy)
    assert (error.kind, error.retryable) == ("forbidden_url", False)


def test_a_redirect_to_the_backslash_form_is_refused_before_it_is_followed() -> None:
    with redirect_server() as (base, seen):
        error = fetch_error(f"{base}?to={quote(BACKSLASH)}")
    assert (error.kind, error.url) == ("forbidden_url", BACKSLASH)
    assert "redirect 1 from" in str(error) and "backslash" in str(error) and len(seen) == 1


@pytest.mark.parametrize("url", [
    "http://ewokanda.nsa.gov.pl\\@evil.example/",
    "http://evil.example\\.ewokanda.nsa.gov.pl/",
    "http://ewokanda.nsa.gov.pl/\\\\169.254.169.254/",
])
def test_any_backslash_is_refused(url: str) -> None:
    assert DEBUG.refusal(url) is not None


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A resolver stub: names in the dict resolve to the given address, others as usual."""
    names: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        return real(names.get(host, host), *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


def test_an_allowed_name_resolving_to_loopback_is_refused(resolver: dict[str, str]) -> None:
    with redirect_server() as (base, seen):
        port = base.rsplit(":", 1)[1].rstrip("/")
        resolver["ewokanda.test"] = "127.0.0.1"
        error = fetch_error(f"http://ewokanda.test:{port}/")  # loopback is allowed, but only by a loopback name
    assert (error.kind, error.retryable) == ("forbidden_url", False)
    assert "loopback address 127.0.0.1" in str(error) and seen == []


def test_an_allowed_name_resolving_to_the_metadata_service_is_refused(resolver: dict[str, str]) -> None:
    resolver["ewokanda.nsa.gov.pl"] = "169.254.169.254"
    error = fetch_error("http://ewokanda.nsa.gov.pl/ewokanda/", PRODUCTION)
    assert error.kind == "forbidden_url" and "169.254.169.254, a link-local address" in str(error)


@pytest.mark.parametrize("address", ["2002:7f00:1::1", "2002:a9fe:a9fe::1", "192.0.0.192"])
def test_an_allowed_name_resolving_to_an_address_that_wraps_an_inside_one_is_refused(
        resolver: dict[str, str], address: str) -> None:
    resolver["ewokanda.nsa.gov.pl"] = address
    error = fetch_error("http://ewokanda.nsa.gov.pl/ewokanda/", PRODUCTION)
    assert (error.kind, error.retryable) == ("forbidden_url", False)
    assert f"resolves to {address}" in str(error)


def test_a_redirect_to_an_allowed_name_resolving_inside_is_refused(resolver: dict[str, str]) -> None:
    resolver["ewokanda.test"] = "10.1.2.3"
    with redirect_server() as (base, seen):
        error = fetch_error(f"{base}?to=http://ewokanda.test/ewokanda/")
    assert error.kind == "forbidden_url" and "redirect 1" in str(error) and "private" in str(error)


def test_loopback_names_still_reach_the_stand_in() -> None:
    with redirect_server(b"page") as (base, _):
        assert fetch_court_page(base, **LIMITS, url_policy=DEBUG).body == b"page"  # type: ignore[arg-type]
        assert fetch_court_page(base.replace("127.0.0.1", "localhost"), **LIMITS,  # type: ignore[arg-type]
                                url_policy=DEBUG).body == b"page"


@pytest.mark.parametrize(("address", "refused"), [
    ("8.8.8.8", None), ("2001:4860:4860::8888", None),
    ("10.0.0.1", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"), ("::ffff:169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("fd00::1", "private"), ("100.64.0.1", "not globally routable"), ("224.0.0.1", "multicast"),
    ("0.0.0.0", "unspecified"), ("240.0.0.1", "reserved"), ("127.0.0.1", "loopback"), ("::1", "loopback"),
    ("2002:808:808::1", None),  # 6to4 of a public address
    ("2002:7f00:1::1", "loopback (it embeds 127.0.0.1)"), ("2002:a9fe:a9fe::1", "link-local (it embeds 169.254"),
    ("2002:a00:1::1", "private (it embeds 10.0.0.1)"), ("192.0.0.192", "IETF protocol assignment"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "private"),  # Teredo
])
def test_address_ranges(address: str, refused: str | None) -> None:
    reason = PRODUCTION.address_refusal("ewokanda.nsa.gov.pl", address)
    assert (reason is None) if refused is None else (refused in (reason or "")), reason


def test_an_ip_literal_on_the_list_is_reachable_even_when_private() -> None:
    mirror = UrlPolicy.of(["10.0.0.7"], setting="WEBHOOK_ALLOWED_HOSTS")
    assert mirror.refusal("http://10.0.0.7/") is None and mirror.address_refusal("10.0.0.7", "10.0.0.7") is None
    assert "WEBHOOK_ALLOWED_HOSTS" in (mirror.refusal("http://10.0.0.8/") or "")


# Other spellings of an inside address: numeric and octal IPv4, IPv6 (mapped) literals, user info before the host.
INSIDE = [
    "http://2852039166/",  # 169.254.169.254 as one decimal number
    "http://0251.0376.0251.0376/",  # ... in octal
    "http://0xa9fea9fe/",  # ... in hex
    "http://169.254.43518/",  # ... as a.b.c
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[fe80::1%25eth0]/",
    "http://ewokanda.nsa.gov.pl@169.254.169.254/",
    "http://ewokanda.nsa.gov.pl:80@169.254.169.254/",
    "http://ewokanda.nsa.gov.pl%2F@169.254.169.254/",
    "http://2130706433/",  # 127.0.0.1 as a number: not a loopback *name*
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://[::]/",
    "http://0/",
]


@pytest.mark.parametrize("url", INSIDE)
@pytest.mark.parametrize("policy", [PRODUCTION, DEBUG], ids=["production", "debug"])
def test_other_spellings_of_inside_addresses_are_refused(url: str, policy: UrlPolicy) -> None:
    assert policy.refusal(url) is not None
    error = fetch_error(url, policy)
    assert (error.kind, error.retryable) == ("forbidden_url", False)


@pytest.mark.parametrize("url", INSIDE)
def test_other_spellings_of_inside_addresses_are_refused_as_redirect_targets(url: str) -> None:
    with redirect_server() as (base, seen):
        with pytest.raises(FetchError) as error:  # LoopbackOnly: were the policy broken, nothing leaves
            fetch_court_page(f"{base}?to={quote(url)}", **LIMITS, session=LoopbackOnly(),  # type: ignore[arg-type]
                             url_policy=DEBUG)
    assert (error.value.kind, error.value.url) == ("forbidden_url", url) and len(seen) == 1


@pytest.mark.parametrize("host", ["2130706433", "0177.0.0.1", "127.1"])
def test_a_numeric_spelling_even_on_the_list_is_checked_where_it_connects(host: str) -> None:
    """The resolver reads these as 127.0.0.1: listing the spelling does not make it a loopback name."""
    listed = UrlPolicy.of([host], allow_loopback=True)
    with redirect_server() as (base, seen):
        port = base.rsplit(":", 1)[1].rstrip("/")
        assert listed.refusal(f"http://{host}:{port}/") is None  # the URL check lets it through ...
        error = fetch_error(f"http://{host}:{port}/", listed)
    assert error.kind == "forbidden_url" and "loopback address 127.0.0.1" in str(error)
    assert seen == []  # ... the connection is never made


def test_the_deadline_covers_connecting_to_a_name_with_many_silent_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name resolving to four addresses that never answer a SYN (listeners with a full backlog): each
    gets the connect timeout, but all of them together only what is left of the total deadline."""
    listeners, fillers = [], []
    port = 0
    for n in range(2, 6):
        listener = socket.socket()
        listener.bind((f"127.0.0.{n}", port))
        port = listener.getsockname()[1]
        listener.listen(0)
        listeners.append(listener)
        for _ in range(3):  # fill the accept queue: further SYNs are dropped, connect() hangs
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex((f"127.0.0.{n}", port))
            fillers.append(filler)
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host != "localhost":
            return real(host, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (s.getsockname()[0], port)) for s in listeners]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    try:
        time.sleep(0.2)
        started = time.monotonic()
        error = fetch_error(f"http://localhost:{port}/", connect_timeout=1.0, total_timeout=1.5)
        elapsed = time.monotonic() - started
    finally:
        for s in listeners + fillers:
            s.close()
    assert error.kind == "timeout", error
    assert elapsed < 1.5 + 1.0, elapsed  # not 4 x 1 s


def test_a_compression_bomb_stops_at_the_size_limit() -> None:
    # Held in the audit: 100 MB of zeros sent as ~100 KB of gzip is cut off at max_bytes of decoded body.
    import gzip
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    bomb = gzip.compress(b"\0" * 100_000_000, compresslevel=9)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(bomb)))
            self.end_headers()
            self.wfile.write(bomb)

        do_POST = do_GET  # noqa: N815 - the court form is POSTed first

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        error = fetch_error(f"http://127.0.0.1:{server.server_address[1]}/", total_timeout=10.0)
    finally:
        server.shutdown()
        server.server_close()
    assert (error.kind, error.retryable) == ("too_large", False), error
