"""Container health probe: ``python -m poradnia.probe URL`` exits 0 when URL answers below 400.

Used by docker-compose healthchecks (the slim image has no curl). A request to the web container
must look like one that came through the TLS proxy, otherwise Django answers 400 (the Host is not
in ALLOWED_HOSTS) or 301 (the HTTPS redirect): the probe sends the first allowed host name and, when
SECURE_PROXY_SSL_HEADER is set, that header with its expected value.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def probe_headers() -> dict[str, str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poradnia.settings.prod")
    from django.conf import settings

    headers: dict[str, str] = {}
    hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", "")]
    if hosts:
        headers["Host"] = hosts[0]
    if settings.SECURE_PROXY_SSL_HEADER:
        name, value = settings.SECURE_PROXY_SSL_HEADER
        headers[name.removeprefix("HTTP_").replace("_", "-").title()] = value
    return headers


def probe(url: str, timeout: float = 5.0, headers: dict[str, str] | None = None) -> str | None:
    """None when healthy, else what went wrong (one line)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - our own URL
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        return f"{url}: {exc}"
    return None if status < 400 else f"{url}: HTTP {status}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 3xx is an answer: the server is up


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m poradnia.probe URL", file=sys.stderr)
        return 2
    urllib.request.install_opener(urllib.request.build_opener(_NoRedirect))
    problem = probe(args[0], headers=probe_headers())
    if problem:
        print(f"probe: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
