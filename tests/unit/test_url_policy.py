"""The court-page URL allow-list: only http(s) to eWokanda (and loopback in debug); redirects: tests/integration.

No test here may send a packet off this machine, even if the policy were broken: requests to refused
hosts go through sessions that fail on any request, or that only ever connect to 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from devtools.processes import ROOT
from poradnia.judgements.courts import DEFAULT_BASE_URL, court_url
from poradnia.judgements.fetcher import FetchError, fetch_court_page
from poradnia.judgements.urlpolicy import UrlPolicy
from tests.support.urlpolicy import LIMITS, PRODUCTION, NoNetwork


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
