"""Which URLs and addresses an outgoing HTTP request may reach: http(s) on an allow-listed host, nothing else.

The worker runs inside the NGO's network, next to the database, Temporal and (in a cloud) the
instance metadata service. A court URL comes from settings today, but a redirect comes from a
remote server: without this check a compromised or spoofed court page could send the worker to
``http://169.254.169.254/`` or ``http://10.0.0.5/admin``. Two checks, both on every hop:

* the URL, before it is requested (``UrlPolicy.refusal``): the scheme, and the host name as the HTTP
  client will connect to it. urllib3 and ``urllib.parse`` disagree on some URLs (a backslash before
  ``@``: ``http://169.254.169.254\\@ewokanda.nsa.gov.pl/`` is ewokanda for one, the metadata service
  for the other), so a URL with a backslash, or whose two parses disagree, is refused outright;
* the address, when the connection is made (``GuardedAdapter``): every address the name resolves to
  is checked before connecting to it, so a name on the list that resolves (or is rebound) to a
  loopback, private, link-local, shared, reserved, multicast or unspecified address is refused. An
  address passes only if it is public, or is itself an IP literal on the list, or is loopback and
  loopback is allowed and the URL named a loopback host (the stand-in in development and tests).

``GuardedAdapter`` also enforces one deadline on a whole exchange (see ``Exchange``). Both classes
take their allow-list as arguments, so another channel (a webhook) can reuse them with its own setting.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, LocationParseError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection
from urllib3.util import parse_url

ALLOWED_SCHEMES = frozenset({"http", "https"})
LOOPBACK_NAMES = frozenset({"localhost"})


def _normalise(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(host.partition("%")[0])  # drop an IPv6 scope id
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:169.254.169.254 is 169.254.169.254
    return address


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    address = _ip(host)
    return address is not None and address.is_loopback


# IETF protocol assignments (RFC 6890): some Pythons call parts of it global, no court lives there.
_PROTOCOL_ASSIGNMENTS = ipaddress.ip_network("192.0.0.0/24")


def _embedded(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (IPv4-mapped, 6to4, Teredo server and client): a
    6to4 address of 127.0.0.1 or 169.254.169.254 is global to ``ipaddress`` but reaches that host."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    inner = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    return [a for a in inner if a is not None]


def _not_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    for what in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(address, f"is_{what}"):
            return what.replace("_", "-")
    if address in _PROTOCOL_ASSIGNMENTS:
        return "IETF protocol assignment"
    if not address.is_global:
        return "not globally routable"
    for inner in _embedded(address):
        if (reason := _not_public(inner)) is not None:
            return f"{reason} (it embeds {inner})"
    return None


class ForbiddenAddress(Exception):
    """A connection was refused by the policy at connect time. Deliberately not an OSError, so neither
    urllib3 nor requests wraps or retries it: it reaches the caller as it is."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host}: {reason}")
        self.host = host
        self.reason = reason


@dataclass(frozen=True)
class UrlPolicy:
    """``allowed_hosts``: exact host names (or IP literals); ``allow_loopback``: also 127.0.0.0/8, ::1, localhost."""

    allowed_hosts: frozenset[str]
    allow_loopback: bool = False
    setting: str = "EWOKANDA_ALLOWED_HOSTS"  # named in refusals

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
        if "\\" in url:
            return "URL contains a backslash (HTTP clients disagree on where its host is)"
        try:
            parts = urlsplit(url)
            host = _normalise(parts.hostname or "")
            parts.port  # noqa: B018 - raises ValueError for a malformed port
            client_host = _normalise(parse_url(url).host or "")  # the host urllib3 will connect to
        except (ValueError, LocationParseError) as exc:
            return f"malformed URL ({exc})"
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            return f"scheme {scheme or '(none)'!r} is not allowed (http and https only)"
        if not host:
            return "URL has no host"
        if client_host != host:
            return f"URL parses to two hosts ({host!r} and {client_host!r})"
        if host in self.allowed_hosts:
            return None
        if is_loopback(host):
            if self.allow_loopback:
                return None
            loopback_setting = self.setting.replace("_ALLOWED_HOSTS", "_ALLOW_LOOPBACK")
            return f"loopback host {host!r} is allowed only with DEBUG on or {loopback_setting}=true"
        allowed = ", ".join(sorted(self.allowed_hosts)) or "none"
        return f"host {host!r} is not in {self.setting} ({allowed})"

    def address_refusal(self, host: str, address: str) -> str | None:
        """Why ``host`` (as written in the URL) may not be reached at the resolved ``address``, or None."""
        ip = _ip(address)
        if ip is None:
            return f"resolved to {address!r}, not an IP address"
        if ip.is_loopback:
            if self.allow_loopback and is_loopback(_normalise(host)):
                return None
            return f"resolves to the loopback address {ip}"
        if str(ip) in self.allowed_hosts:
            return None
        reason = _not_public(ip)
        return f"resolves to {ip}, a {reason} address" if reason else None


# --- The transport: connect-time checks and one deadline per exchange ------------------------------

_current = threading.local()


class Exchange:
    """One deadline for a whole exchange (connect, status line, headers, body, every redirect hop).

    A per-recv read timeout never trips on a server that drips a byte at a time; at the deadline a
    timer thread shuts down every socket the exchange opened, which makes the blocked recv return at
    once, wherever it is. Used as a context manager around the requests made through a GuardedAdapter
    in this thread; ``expired`` tells the caller that the error it caught is the deadline's doing.
    """

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Exchange:
        _current.exchange = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _current.exchange = None

    def register(self, sock: socket.socket) -> None:
        with self._lock:
            if self.expired:
                _shutdown(sock)
            else:
                self._sockets.append(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed
        pass


class _GuardedConnectionMixin:
    """Resolves the host itself and connects only to addresses the policy accepts."""

    policy: UrlPolicy
    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        try:
            infos = socket.getaddrinfo(self._dns_host, self.port, 0, socket.SOCK_STREAM)  # type: ignore[attr-defined]
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc  # type: ignore[arg-type]
        addresses = list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in infos))
        for address in addresses:  # one bad address and the name isn't trustworthy (DNS rebinding)
            if (refusal := self.policy.address_refusal(self.host, address)) is not None:
                raise ForbiddenAddress(self.host, refusal)
        error: OSError | None = None
        exchange = getattr(_current, "exchange", None)
        for address in addresses:
            timeout = self.timeout
            if exchange is not None:  # each address gets the connect timeout, all of them what the deadline leaves
                remaining = exchange.deadline - time.monotonic()
                if remaining <= 0:
                    error = TimeoutError("the exchange's deadline passed")
                    break
                timeout = remaining if not isinstance(timeout, int | float) else min(timeout, remaining)
            try:
                # On the checked literal: no second lookup that could answer differently.
                sock = urllib3_connection.create_connection(
                    (address, self.port), timeout, source_address=self.source_address,
                    socket_options=self.socket_options)
            except OSError as exc:
                error = exc
                continue
            if exchange is not None:
                exchange.register(sock)
            return sock
        if isinstance(error, TimeoutError):
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})")
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}")  # type: ignore[arg-type]


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections check every resolved address against ``policy`` and join the
    current ``Exchange`` deadline. Through an HTTP(S)_PROXY only the URL check applies (the proxy resolves
    the name and connects): the worker's egress proxy, if any, is trusted like its resolver."""

    def __init__(self, policy: UrlPolicy, **kwargs: Any) -> None:
        self.policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        http = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), {"policy": self.policy})
        https = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), {"policy": self.policy})
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }

    def __getstate__(self) -> dict[str, Any]:  # HTTPAdapter pickles only its declared attributes
        return {**super().__getstate__(), "policy": self.policy}


def guarded_session(policy: UrlPolicy):  # -> requests.Session
    """A requests session whose connections may only reach addresses ``policy`` allows."""
    import requests

    session = requests.Session()
    adapter = GuardedAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
