"""Articles from the web, served by a small HTTP server on 127.0.0.1: pages as news sites write
them, RSS and Atom feeds, redirects, a slow page, an oversized one, a 404 and a 500."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from index import fetch as fetching
from index.build import open_index
from index.fetch import FetchError, fetch
from index.search import search
from index.settings import IndexSettings
from index.sources import NotAnArticle, add_sources, extract_html, read

ROOT = Path(__file__).resolve().parent.parent
WEB = Path(__file__).parent / "data" / "web"
FURNITURE = ["cookies", "Share on", "Advertisement", "garden furniture", "Related stories",
             "Sign up", "roadwarrior77", "waste of money", "All rights reserved", "Subscribe",
             "Most read", "Photo: Coastal Times", "Log in"]


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
        path = self.path
        if path.startswith("/news/") and (WEB / path[len("/news/"):]).exists():
            return self._send(200, (WEB / path[len("/news/"):]).read_bytes())
        if path == "/feed.rss":
            return self._send(200, _rss(base), "application/rss+xml")
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

    def __str__(self) -> str:
        return self.base


@pytest.fixture
def web():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_port}", server.seen)
    finally:
        server.shutdown()
        server.server_close()


# -- fetching, bounded and never at the host's own network

def test_loopback_and_private_addresses_are_refused_unless_allowed(web):
    with pytest.raises(FetchError, match="private, loopback or link-local"):
        fetch(f"{web}/news/story.html")
    for address in ("10.0.0.1", "192.168.1.1", "169.254.169.254", "[::1]", "[fd00::1]",
                    "100.64.0.1"):
        with pytest.raises(FetchError, match="private, loopback or link-local"):
            fetch(f"http://{address}/")
    assert fetch(f"{web}/news/story.html", allow_private=True).status == 200


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x/",
                                 "javascript:alert(1)", "http:///nohost"])
def test_only_http_and_https_are_fetched(url):
    with pytest.raises(FetchError, match="only http and https"):
        fetch(url)


def test_redirects_are_followed_and_checked_like_the_first_address(web, monkeypatch):
    assert fetch(f"{web}/hop/3", allow_private=True).url == f"{web}/news/story.html"
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(f"{web}/hop/6", allow_private=True)
    # loopback allowed as if public, the metadata address still refused after a redirect
    real = fetching._public
    monkeypatch.setattr(fetching, "_public", lambda ip: str(ip) == "127.0.0.1" or real(ip))
    with pytest.raises(FetchError, match="169.254.169.254"):
        fetch(f"{web}/to-metadata")


def test_slow_oversized_and_failing_pages_say_why(web):
    with pytest.raises(FetchError, match="timed out after 1 s"):
        fetch(f"{web}/slow", allow_private=True, timeout=1)
    with pytest.raises(FetchError, match="too large"):
        fetch(f"{web}/huge", allow_private=True)
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(f"{web}/missing", allow_private=True)
    with pytest.raises(FetchError, match="HTTP 500"):
        fetch(f"{web}/broken", allow_private=True)


def test_requests_name_the_project(web):
    fetch(f"{web}/news/story.html", allow_private=True)
    assert web.seen == [("/news/story.html", fetching.USER_AGENT)]


# -- extraction: the article, its metadata, and never the furniture

def test_a_news_page_becomes_its_article_without_the_furniture():
    article = extract_html((WEB / "story.html").read_bytes(), "story.html")
    assert article.title == "Council votes to repaint every zebra crossing"
    assert (article.author, article.outlet, article.published) == (
        "Maria Okafor", "The Riverside Ledger", "2026-03-14")
    assert article.url == "https://ledger.example/city/2026/03/14/zebra-crossings"
    paragraphs = article.text.split("\n\n")
    assert paragraphs[0].startswith("The city council voted 9 to 2 on Tuesday")
    assert paragraphs[-1].startswith("Crews are expected to start")
    assert len(paragraphs) == 5
    for furniture in FURNITURE + ["Maria Okafor", "Council votes to repaint"]:
        assert furniture not in article.text, furniture  # nor headline nor byline in the body


def test_a_page_without_an_article_is_refused():
    with pytest.raises(NotAnArticle, match="not an article"):
        extract_html((WEB / "landing.html").read_bytes(), "landing.html")


def test_feeds_give_each_entrys_page(web):
    rss = read(f"{web}/feed.rss", allow_private=True)
    assert [a.title for a in rss] == ["Council votes to repaint every zebra crossing",
                                      "Harbour ferry fares to rise in June"]
    atom = read(f"{web}/atom.xml", allow_private=True)
    assert [a.author for a in atom] == ["Tom Reyes"]


# -- add: files in the articles folder that the index reads like any other

def _seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    for path in (ROOT / "seeds").iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def test_add_writes_articles_the_index_can_quote(web, tmp_path):
    folder = _seeds(tmp_path)
    results = add_sources([f"{web}/feed.rss", str(WEB / "second.html"), f"{web}/missing",
                           f"{web}/news/landing.html"], folder, allow_private=True)
    lines = [r.line() for r in results]
    assert lines[0] == ("added 002: Council votes to repaint every zebra crossing "
                        "(002_council-votes-to-repaint-every-zebra-crossing.txt)")
    assert lines[1].startswith("added 003: Harbour ferry fares to rise in June")
    assert lines[2] == f"not added: {WEB / 'second.html'}: already present (same address: " \
                       "https://coastal.example/news/ferry-fares)"
    assert lines[3] == f"not added: {web}/missing: HTTP 404 Not Found"
    assert lines[4].startswith("not added: ") and "not an article" in lines[4]
    written = (folder / "002_council-votes-to-repaint-every-zebra-crossing.txt").read_text()
    assert written.startswith('+++\ntitle = "Council votes to repaint every zebra crossing"\n'
                              'author = "Maria Okafor"\n')
    index, _ = open_index(IndexSettings(seeds=folder), save_index=False)
    assert index.articles["002"].author == "Maria Okafor"
    answer = search(index, "How much will repainting the zebra crossings cost?")
    assert answer.grade == "answer"
    assert any("$1.8 million" in hit.passage.text for hit in answer.hits)
    quoted = " ".join(p.text for p in index.passages if p.article_id in ("002", "003"))
    for furniture in FURNITURE:
        assert furniture not in quoted, furniture
    again = add_sources([f"{web}/news/story.html"], folder, allow_private=True)
    assert "already present" in again[0].reason


def test_add_and_extract_on_the_command_line(web, tmp_path):
    folder = _seeds(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(f'[index]\nseeds = "{folder}"\nfetch_private = true\n')

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "index", "-q", "--config", str(config),
                               "--index", str(tmp_path / "index.json"), *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)

    extracted = run("extract", "--json", f"{web}/news/second.html")
    assert extracted.returncode == 0, extracted.stderr
    item = json.loads(extracted.stdout)
    assert set(item) == {"source", "title", "author", "outlet", "url", "published", "text"}
    assert item["text"].startswith("Fares on the harbour ferry will rise by 50 cents in June")
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in (ROOT / "seeds").iterdir())
    added = run("add", f"{web}/news/story.html")
    assert added.returncode == 0 and added.stdout.startswith("added 002: ")
    again = run("add", f"{web}/news/story.html", f"{web}/broken")
    assert again.returncode == 1  # nothing could be added
    assert again.stdout.splitlines() == [
        f"not added: {web}/news/story.html: already present (same address: "
        "https://ledger.example/city/2026/03/14/zebra-crossings)",
        f"not added: {web}/broken: HTTP 500 Internal Server Error"]
    asked = run("ask", "who proposed repainting the zebra crossings")
    assert "Dana Whitfield" in asked.stdout
