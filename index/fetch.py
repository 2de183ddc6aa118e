"""Fetching a page or a feed from the web, bounded, and never turned against the host's network.

A user names a URL; the bot fetches it. Without care that is a way to make the bot read its own
machine's or network's services (127.0.0.1, 10.x, cloud metadata at 169.254.169.254). So: http
and https only; every address the name resolves to must be public (unless the caller allows
private ones, as tests on 127.0.0.1 do); the connection goes to the address that was checked,
not to a second look-up; each redirect is checked the same way, at most `MAX_REDIRECTS`; the
whole fetch has a deadline and a size limit.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass, field

TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 5
MAX_BYTES = 5 * 1024 * 1024
USER_AGENT = "newsquote/0.1 (a Discord bot that answers questions by quoting news articles)"
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A fetch that failed; the message says why in words a user can act on."""


@dataclass(frozen=True)
class Fetched:
    url: str                    # the final URL, after redirects
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _address(host: str, port: int, allow_private: bool) -> str:
    """The checked address to connect to for `host`: every address it resolves to must be
    allowed (one bad answer among good ones is how rebinding tricks work)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host} ({exc.strerror})")
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not allow_private and not _public(ip):
            raise FetchError(f"{host} is a private, loopback or link-local address ({ip}); "
                             "fetching from the host's own network is not allowed")
    return addresses[0]


class _Pinned(http.client.HTTPConnection):
    """An HTTP connection to an address checked beforehand, whatever DNS says now."""

    def __init__(self, host: str, address: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    """As `_Pinned`, with TLS verified for the host name (not the address)."""

    def __init__(self, host: str, address: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str, *, allow_private: bool = False, headers: dict[str, str] | None = None,
          timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES) -> Fetched:
    """GET `url`, following at most `MAX_REDIRECTS` redirects, within `timeout` seconds in all
    and `max_bytes` of body. A 304 is returned as it is (for conditional requests); any other
    status outside 2xx raises `FetchError`."""
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"{url}: only http and https links can be fetched")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = _address(parts.hostname, port, allow_private)
        kind = _PinnedTLS if parts.scheme == "https" else _Pinned
        left = deadline - time.monotonic()
        connection = kind(parts.hostname, address, port, timeout=max(0.1, left))
        path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        try:
            connection.request("GET", path, headers={
                "User-Agent": USER_AGENT, "Accept-Encoding": "identity",
                "Accept": "text/html,application/xhtml+xml,application/rss+xml,"
                          "application/atom+xml,application/xml;q=0.9,*/*;q=0.5",
                **(headers or {})})
            response = connection.getresponse()
            found = {k.lower(): v for k, v in response.getheaders()}
            if response.status in (301, 302, 303, 307, 308) and "location" in found:
                url = urllib.parse.urljoin(url, found["location"])
                continue
            if response.status == 304:
                return Fetched(url, 304, b"", found)
            if not 200 <= response.status < 300:
                raise FetchError(f"{url}: HTTP {response.status} {response.reason}")
            declared = found.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"{url}: too large ({int(declared):,} bytes; at most "
                                 f"{max_bytes:,})")
            body = bytearray()
            while chunk := response.read(_CHUNK):
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"{url}: too large (over {max_bytes:,} bytes)")
                if time.monotonic() > deadline:
                    raise FetchError(f"{url}: timed out after {timeout:g} s")
            return Fetched(url, response.status, bytes(body), found)
        except (TimeoutError, socket.timeout):
            raise FetchError(f"{url}: timed out after {timeout:g} s")
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"{url}: {exc.__class__.__name__}: {exc}")
        finally:
            connection.close()
    raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")
