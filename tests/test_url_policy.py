"""The court-page URL allow-list: only http(s) to eWokanda (and loopback in debug), every redirect hop checked.

No test here may send a packet off this machine, even if the policy were broken: requests to refused
hosts go through sessions that fail on any request, or that only ever connect to 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from poradnia.judgements.courts import DEFAULT_BASE_URL, court_url
from poradnia.judgements.fetcher import FetchError, fetch_court_page
from poradnia.judgements.standin import StandIn
from poradnia.judgements.synthetic import generate_page, random_rows
from poradnia.judgements.urlpolicy import UrlPolicy
from tests.processes import ROOT

PRODUCTION = UrlPolicy.of(["ewokanda.nsa.gov.pl"], allow_loopback=False)
PAGE = generate_page(random_rows(20, seed=3, court_code="Gl", start=date(2026, 6, 1)))
LIMITS = {"user_agent": "poradnia-tests", "connect_timeout": 2.0, "read_timeout": 2.0, "total_timeout": 5.0,
          "max_bytes": 1_000_000}


class NoNetwork(requests.Session):
    """A session that fails the test on any request: the policy must refuse before one is made."""

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        raise AssertionError(f"a request to {url} was attempted")


class LoopbackOnly(requests.Session):
    """Real requests, but only to 127.0.0.1; records every URL asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        self.urls.append(url)
        assert urlsplit(url).hostname == "127.0.0.1", f"a request to {url} was attempted"
        return super().request(method, url, *args, **kwargs)


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "ftp://ewokanda.nsa.gov.pl/ewokanda/",
    "gopher://ewokanda.nsa.gov.pl/",
    "http://10.0.0.5/ewokanda/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00::1]/",
    "https://evil.example/ewokanda/",
    "https://ewokanda.nsa.gov.pl.evil.example/ewokanda/",
    "https://ewokanda.nsa.gov.pl@evil.example/ewokanda/",  # user info, not the host
    "http://2130706433/",  # 127.0.0.1 as a number: not a name on the list
    "http://127.0.0.1:8765/ewokanda/",  # loopback with DEBUG off
    "http://localhost/ewokanda/",
    "http://[::1]/ewokanda/",
    "//ewokanda.nsa.gov.pl/ewokanda/",
    "https://ewokanda.nsa.gov.pl:notaport/",
])
def test_production_policy_refuses_before_any_request(url: str) -> None:
    assert PRODUCTION.refusal(url) is not None
    with pytest.raises(FetchError) as error:
        fetch_court_page(url, **LIMITS, session=NoNetwork(), url_policy=PRODUCTION)  # type: ignore[arg-type]
    assert (error.value.kind, error.value.retryable) == ("forbidden_url", False)
    assert "refused" in str(error.value)


def test_refusals_say_why() -> None:
    assert "scheme 'file' is not allowed" in PRODUCTION.refusal("file:///etc/passwd")
    assert "host '10.0.0.5' is not in EWOKANDA_ALLOWED_HOSTS (ewokanda.nsa.gov.pl)" in PRODUCTION.refusal(
        "http://10.0.0.5/")
    assert "EWOKANDA_ALLOW_LOOPBACK" in PRODUCTION.refusal("http://127.0.0.1/")


@pytest.mark.parametrize("url", [
    DEFAULT_BASE_URL,
    court_url("WSA_Gliwice"),
    "http://ewokanda.nsa.gov.pl/ewokanda/",
    "https://EWOKANDA.nsa.gov.pl./ewokanda/wsa/krakow/",
    "https://ewokanda.nsa.gov.pl:443/ewokanda/",
])
def test_the_ewokanda_host_is_allowed(url: str) -> None:
    assert PRODUCTION.refusal(url) is None


def test_loopback_only_when_allowed() -> None:
    debug = UrlPolicy.of(["ewokanda.nsa.gov.pl"], allow_loopback=True)
    for url in ("http://127.0.0.1:8765/ewokanda/", "http://localhost:1/", "http://[::1]:8/", "http://127.0.0.2/"):
        assert debug.refusal(url) is None and PRODUCTION.refusal(url) is not None
    assert debug.refusal("http://10.0.0.5/") is not None and debug.refusal("http://0.0.0.0/") is not None


def test_settings_defaults_allow_ewokanda_and_in_tests_loopback(settings) -> None:
    assert settings.EWOKANDA_ALLOWED_HOSTS == ["ewokanda.nsa.gov.pl"]
    assert settings.EWOKANDA_ALLOW_LOOPBACK  # the suite runs on poradnia.settings.dev
    assert UrlPolicy.from_settings().refusal(court_url("WSA_Opole", "http://127.0.0.1:8765/ewokanda/")) is None
    settings.EWOKANDA_ALLOW_LOOPBACK = False
    assert UrlPolicy.from_settings().refusal("http://127.0.0.1:8765/ewokanda/") is not None


@pytest.mark.parametrize(("module", "env", "expected"), [
    ("prod", {}, "['ewokanda.nsa.gov.pl'] False"),
    ("prod", {"EWOKANDA_ALLOW_LOOPBACK": "true"}, "['ewokanda.nsa.gov.pl'] True"),
    ("dev", {"DEBUG": "false"}, "['ewokanda.nsa.gov.pl'] True"),  # dev's default follows the module, not DEBUG
    ("dev", {"EWOKANDA_ALLOWED_HOSTS": "ewokanda.nsa.gov.pl, mirror.example.org"},
     "['ewokanda.nsa.gov.pl', 'mirror.example.org'] True"),
])
def test_production_settings_drop_loopback_unless_told(module: str, env: dict[str, str], expected: str) -> None:
    code = (f"import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'poradnia.settings.{module}'; "
            "from django.conf import settings; "
            "print(settings.EWOKANDA_ALLOWED_HOSTS, settings.EWOKANDA_ALLOW_LOOPBACK)")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EWOKANDA_", "DEBUG"))}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**clean, "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "poradnia.example.org", **env})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


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
        assert page.body == PAGE and standin.fetch_count("WSA_Gliwice") == 1


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
