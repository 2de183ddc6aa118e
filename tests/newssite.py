"""A fake news site on 127.0.0.1 for tests: pages written as news sites write them (navigation,
share bars, ads between paragraphs, related links, comments, cookie banners, JSON-LD), RSS and
Atom feeds (with ETag and Last-Modified), redirect chains, a slow page, an oversized page, a
404 and a 500."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

WEB = Path(__file__).parent / "data" / "web"
#: Text on the pages that is not the article: it must never be quoted.
FURNITURE = ["cookies", "Share on", "Advertisement", "garden furniture", "Related stories",
             "Sign up", "roadwarrior77", "waste of money", "All rights reserved", "Subscribe",
             "Most read", "Photo: Coastal Times", "Log in"]
FEED_ETAG = '"feed-v1"'


def _rss(base: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Ledger: City</title><link>{base}/</link>
<description>City news</description>
<item><title>Council votes to repaint every zebra crossing</title><link>{base}/news/story.html</link>
<guid>{base}/news/story.html</guid><pubDate>Sat, 14 Mar 2026 09:30:00 GMT</pubDate></item>
<item><title>Harbour ferry fares to rise in June</title><link>{base}/news/second.html</link>
<guid>{base}/news/second.html</guid></item>
</channel></rss>""".encode()


def _atom(base: str) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Coastal Times</title><id>{base}/atom</id>
<updated>2026-03-15T07:00:00Z</updated>
<entry><title>Harbour ferry fares to rise in June</title><id>{base}/news/second.html</id>
<link href="{base}/news/second.html"/><updated>2026-03-15T07:00:00Z</updated></entry>
</feed>""".encode()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, kind: str = "text/html; charset=utf-8",
              **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the slow page's timeout): as a real server would

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        base = f"http://127.0.0.1:{self.server.server_port}"
        self.server.seen.append((self.path, self.headers.get("User-Agent")))
        self.server.headers.append(dict(self.headers))
        path = self.path
        if path.startswith("/news/") and (WEB / path[len("/news/"):]).exists():
            return self._send(200, (WEB / path[len("/news/"):]).read_bytes())
        if path == "/feed.rss":
            if self.headers.get("If-None-Match") == FEED_ETAG:
                return self._send(304, b"")
            return self._send(200, _rss(base), "application/rss+xml", ETag=FEED_ETAG,
                              Last_Modified="Sat, 14 Mar 2026 09:30:00 GMT")
        if path == "/atom.xml":
            return self._send(200, _atom(base), "application/atom+xml")
        if path.startswith("/hop/"):
            n = int(path.rsplit("/", 1)[1])
            target = "/news/story.html" if n == 0 else f"/hop/{n - 1}"
            return self._send(302, b"", Location=target)
        if path == "/slow":
            time.sleep(3)
            return self._send(200, (WEB / "story.html").read_bytes())
        if path == "/huge":
            return self._send(200, b"<p>" + b"x" * (6 * 1024 * 1024) + b"</p>")
        if path == "/broken":
            return self._send(500, b"oops")
        if path == "/to-metadata":
            return self._send(302, b"", Location="http://169.254.169.254/latest/meta-data/")
        return self._send(404, b"not here")


@dataclass
class Site:
    """The fake news site: its base URL (what f-strings show) and the (path, User-Agent) of each
    request it saw."""

    base: str
    seen: list[tuple[str, str]]
    headers: list[dict[str, str]]  # each request's headers

    def __str__(self) -> str:
        return self.base


@pytest.fixture
def web():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.seen, server.headers = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_port}", server.seen, server.headers)
    finally:
        server.shutdown()
        server.server_close()
