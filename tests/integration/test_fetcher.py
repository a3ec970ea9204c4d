"""fetch_court_page() against the local eWokanda stand-in: success, every failure kind, and the limits."""

from __future__ import annotations

import pickle
import socket
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date

import pytest
import requests

from devtools.standin import StandIn
from devtools.synthetic import generate_page, random_rows
from poradnia.judgements.courts import court_url
from poradnia.judgements.fetcher import FORM, FetchError, fetch_court_page
from poradnia.judgements.parser import parse_page

KEY = "WSA_Gliwice"
PAGE = generate_page(random_rows(200, seed=1, court_code="Gl", start=date(2026, 6, 1)))
MB = 1_000_000


def fetch(url: str, **overrides: object):
    limits = {
        "user_agent": "poradnia-tests",
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "total_timeout": 5.0,
        "max_bytes": 20 * MB,
    }
    return fetch_court_page(url, **{**limits, **overrides})  # type: ignore[arg-type]


def failure(url: str, **overrides: object) -> FetchError:
    with pytest.raises(FetchError) as error:
        fetch(url, **overrides)
    assert url in str(error.value)
    return error.value


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with StandIn({KEY: PAGE}) as server:
        yield server


@pytest.fixture
def url(standin: StandIn) -> str:
    return court_url(KEY, standin.base_url)


def test_ok_page(standin: StandIn, url: str) -> None:
    page = fetch(url)
    assert (page.status, page.body, page.url) == (200, PAGE, url)
    assert page.content_type == "text/html; charset=UTF-8" and page.elapsed_s > 0
    assert parse_page(page.body, content_type=page.content_type).rows_seen == 200
    assert standin.wait_idle() and standin.fetch_count(KEY) == 1


def test_the_post_carries_the_search_form(standin: StandIn, url: str) -> None:
    fetch(url)
    assert standin.wait_idle()
    (request,) = standin.requests
    assert (request.method, request.path, request.parser_key) == ("POST", "/ewokanda/wsa/gliwice/", KEY)
    assert request.form == FORM
    assert FORM["kierunek"] == "rosnaco" and FORM["porzadek"] == "termin" and FORM["sygnatura"] == ""


def test_server_error_is_retryable(standin: StandIn, url: str) -> None:
    standin.fail_next(KEY, status=500)
    error = failure(url)
    assert (error.kind, error.retryable, error.status) == ("http_5xx", True, 500)
    assert fetch(url).body == PAGE  # the scripted failure was used up


def test_not_found_is_not_retryable(standin: StandIn) -> None:
    error = failure(court_url("WSA_Krakow", standin.base_url))  # no page for that court
    assert (error.kind, error.retryable, error.status) == ("http_4xx", False, 404)
    assert failure(standin.base_url + "no/such/page/").kind == "http_4xx"


def test_declared_oversized_body_is_refused_before_reading(standin: StandIn, url: str) -> None:
    big = b"x" * (25 * MB)  # the only 25 MB the test allocates
    standin.set_page(KEY, big)
    tracemalloc.start()
    try:
        error = failure(url, max_bytes=20 * MB)
        assert standin.wait_idle()  # the handler logs when it gives up writing
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (error.kind, error.retryable) == ("too_large", False)
    assert "Content-Length 25000000" in str(error)
    assert peak < 5 * MB  # neither side made another copy of the page
    assert standin.requests[0].bytes_sent < 25 * MB and not standin.requests[0].complete


def test_undeclared_oversized_body_is_cut_off_while_reading(standin: StandIn, url: str) -> None:
    big = b"y" * (25 * MB)
    standin.set_page(KEY, big)
    standin.unknown_length(KEY)
    tracemalloc.start()
    try:
        error = failure(url, max_bytes=2 * MB)
        assert standin.wait_idle()  # the handler logs when it gives up writing
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (error.kind, error.retryable) == ("too_large", False)
    assert peak < 8 * MB
    assert standin.requests[0].bytes_sent < 25 * MB and not standin.requests[0].complete


def test_truncated_body_is_retryable(standin: StandIn, url: str) -> None:
    standin.truncate(KEY, len(PAGE) // 2)
    error = failure(url)
    assert (error.kind, error.retryable) == ("truncated", True)
    assert f"got {len(PAGE) // 2} of {len(PAGE)} bytes" in str(error)
    assert standin.wait_idle() and standin.fetch_count(KEY) == 0 and standin.request_count(KEY) == 1


def test_dripping_server_hits_the_total_deadline(standin: StandIn, url: str) -> None:
    standin.drip(KEY, bytes_per_s=20)  # every recv gets a byte well within the read timeout
    started = time.monotonic()
    error = failure(url, read_timeout=1.0, total_timeout=1.5)
    elapsed = time.monotonic() - started
    assert (error.kind, error.retryable) == ("timeout", True)
    assert 1.5 <= elapsed < 1.5 + 1.0 + 1.0  # deadline + at most one recv + slack
    assert standin.wait_idle()
    assert 10 < standin.requests[0].bytes_sent < len(PAGE) and not standin.requests[0].complete


def test_silent_server_hits_the_read_timeout() -> None:
    with StandIn({KEY: PAGE}, latency_ms=1500) as slow:
        started = time.monotonic()
        error = failure(court_url(KEY, slow.base_url), read_timeout=0.3)
    assert (error.kind, error.retryable) == ("timeout", True)
    assert time.monotonic() - started < 1.4


def test_redirect_loop_is_not_retryable(standin: StandIn, url: str) -> None:
    standin.redirect_loop(KEY)
    error = failure(url)
    assert (error.kind, error.retryable, error.status) == ("redirects", False, 302)
    assert standin.wait_idle()
    assert [r.method for r in standin.requests] == ["POST"] + ["GET"] * 5  # 5 redirects followed, no more


def test_connection_refused_is_retryable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = failure(f"http://127.0.0.1:{port}/ewokanda/")
    assert (error.kind, error.retryable) == ("connection", True)


def test_a_given_session_is_used_and_left_open(standin: StandIn, url: str) -> None:
    with requests.Session() as session:
        session.headers["X-Test"] = "1"
        assert fetch(url, session=session).body == PAGE
        assert session.post(url, data=FORM, timeout=5).content == PAGE  # still usable
        assert session.max_redirects == requests.Session().max_redirects  # not reconfigured


def test_fetch_error_pickles() -> None:
    error = FetchError("http://x/", "http_5xx", "HTTP 503", status=503)
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.kind, copy.retryable) == ("http://x/: HTTP 503", "http_5xx", True)
    assert copy.status == 503
    with pytest.raises(ValueError):
        FetchError("http://x/", "teapot", "?")
