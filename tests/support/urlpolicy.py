"""Requests sessions and limits for the URL-policy tests: none of them may send a packet off this machine."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from poradnia.judgements.urlpolicy import UrlPolicy

PRODUCTION = UrlPolicy.of(["ewokanda.nsa.gov.pl"], allow_loopback=False)
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
