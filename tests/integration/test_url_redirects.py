"""The court-page URL allow-list over real loopback servers: every redirect hop checked, a refused court fails.

No test here may send a packet off this machine, even if the policy were broken: requests to refused
hosts go through sessions that fail on any request, or that only ever connect to 127.0.0.1.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from requests.adapters import HTTPAdapter
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from devtools.standin import StandIn
from devtools.synthetic import generate_page, random_rows
from poradnia.judgements.courts import DEFAULT_BASE_URL, court_url
from poradnia.judgements.fetcher import FetchError, fetch_court_page
from poradnia.judgements.urlpolicy import UrlPolicy
from tests.support.urlpolicy import LIMITS, PRODUCTION, LoopbackOnly

PAGE = generate_page(random_rows(20, seed=3, court_code="Gl", start=date(2026, 6, 1)))


# --- redirects -----------------------------------------------------------------------------------

@pytest.fixture
def redirector() -> Iterator[tuple[str, list[str]]]:
    """A loopback server answering every request with 302 to the URL in its path's query (``/?to=URL``)."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _redirect(self) -> None:
            seen.append(self.path)
            self.send_response(302)
            self.send_header("Location", self.path.partition("?to=")[2])
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _redirect

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", seen
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("target", [
    "http://169.254.169.254/latest/meta-data/",
    "https://evil.example/ewokanda/",
    "file:///etc/passwd",
])
def test_a_redirect_to_a_foreign_host_is_refused_before_it_is_followed(redirector, target: str) -> None:
    base, seen = redirector
    debug = UrlPolicy.of(["ewokanda.nsa.gov.pl"], allow_loopback=True)  # the first hop (loopback) is fine
    session = LoopbackOnly()
    with pytest.raises(FetchError) as error:
        fetch_court_page(f"{base}?to={target}", **LIMITS, session=session, url_policy=debug)  # type: ignore[arg-type]
    assert (error.value.kind, error.value.retryable, error.value.url) == ("forbidden_url", False, target)
    assert f"redirect 1 from {base}?to={target} refused" in str(error.value)
    assert session.urls == [f"{base}?to={target}"] and len(seen) == 1  # the redirect was never followed


def test_a_redirect_within_the_allowed_hosts_is_followed(redirector) -> None:
    base, seen = redirector
    with StandIn({"WSA_Gliwice": PAGE}) as standin:
        target = court_url("WSA_Gliwice", standin.base_url)
        page = fetch_court_page(f"{base}?to={target}", **LIMITS)  # type: ignore[arg-type]  # settings' policy
    assert page.body == PAGE and page.url == target and len(seen) == 1


class ToStandIn(HTTPAdapter):
    """Delivers requests for the real eWokanda host to the local stand-in (nothing leaves this machine)."""

    def __init__(self, standin_base: str) -> None:
        super().__init__()
        self.standin_base = standin_base

    def send(self, request, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        request.url = request.url.replace(DEFAULT_BASE_URL, self.standin_base, 1)
        return super().send(request, *args, **kwargs)


def test_the_production_policy_fetches_the_ewokanda_host() -> None:
    with StandIn({"WSA_Gliwice": PAGE}) as standin:
        session = requests.Session()
        session.mount(DEFAULT_BASE_URL, ToStandIn(standin.base_url))
        page = fetch_court_page(court_url("WSA_Gliwice"), **LIMITS, session=session,  # type: ignore[arg-type]
                                url_policy=PRODUCTION)
        assert page.body == PAGE
        # The stand-in counts a request once it has finished writing it, a moment after the client has the body.
        deadline = time.monotonic() + 5
        while standin.fetch_count("WSA_Gliwice") < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert standin.fetch_count("WSA_Gliwice") == 1


@pytest.mark.django_db
def test_a_refused_court_url_fails_that_court_as_forbidden_without_retries(settings) -> None:
    from activities.court_sessions import SyncCourtInput, sync_court
    from poradnia.judgements.models import Court

    settings.EWOKANDA_BASE_URL = "http://court-mirror.invalid/ewokanda/"  # .invalid never resolves
    court_id = Court.objects.get(parser_key="WSA_Opole").pk
    with pytest.raises(ApplicationError) as error:
        ActivityEnvironment().run(sync_court, SyncCourtInput(court_id=court_id))
    assert (error.value.type, error.value.non_retryable) == ("ForbiddenUrl", True)
    assert "court-mirror.invalid" in error.value.message and "EWOKANDA_ALLOWED_HOSTS" in error.value.message
