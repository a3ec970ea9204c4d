"""Which URLs the court-page fetcher may request: http(s) on an allow-listed host, nothing else.

The worker runs inside the NGO's network, next to the database, Temporal and (in a cloud) the
instance metadata service. A court URL comes from settings today, but a redirect comes from a
remote server: without this check a compromised or spoofed court page could send the worker to
``http://169.254.169.254/`` or ``http://10.0.0.5/admin``. Every hop is checked before it is
requested, by host name as written in the URL (no DNS lookup: an allow-listed name is trusted).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

ALLOWED_SCHEMES = frozenset({"http", "https"})
LOOPBACK_NAMES = frozenset({"localhost"})


def _normalise(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class UrlPolicy:
    """``allowed_hosts``: exact host names (or IP literals); ``allow_loopback``: also 127.0.0.0/8, ::1, localhost."""

    allowed_hosts: frozenset[str]
    allow_loopback: bool = False
    setting: str = "EWOKANDA_ALLOWED_HOSTS"  # named in refusals: where an operator changes the list

    @classmethod
    def of(cls, hosts: list[str] | tuple[str, ...] | frozenset[str], allow_loopback: bool = False,
           setting: str = "EWOKANDA_ALLOWED_HOSTS") -> UrlPolicy:
        return cls(frozenset(_normalise(h) for h in hosts if _normalise(h)), allow_loopback, setting)

    @classmethod
    def from_settings(cls) -> UrlPolicy:
        """EWOKANDA_ALLOWED_HOSTS and EWOKANDA_ALLOW_LOOPBACK, read at call time (tests override them)."""
        from django.conf import settings

        return cls.of(settings.EWOKANDA_ALLOWED_HOSTS, settings.EWOKANDA_ALLOW_LOOPBACK)

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be fetched, or None when it may."""
        try:
            parts = urlsplit(url)
            host = _normalise(parts.hostname or "")
            parts.port  # noqa: B018 - raises ValueError for a malformed port
        except ValueError as exc:
            return f"malformed URL ({exc})"
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            return f"scheme {scheme or '(none)'!r} is not allowed (http and https only)"
        if not host:
            return "URL has no host"
        if host in self.allowed_hosts:
            return None
        if is_loopback(host):
            if self.allow_loopback:
                return None
            loopback_setting = self.setting.replace("_ALLOWED_HOSTS", "_ALLOW_LOOPBACK")
            return f"loopback host {host!r} is allowed only with DEBUG on or {loopback_setting}=true"
        allowed = ", ".join(sorted(self.allowed_hosts)) or "none"
        return f"host {host!r} is not in {self.setting} ({allowed})"
