"""Articles from the web, served by a small HTTP server on 127.0.0.1: pages as news sites write
them, RSS and Atom feeds, redirects, a slow page, an oversized one, a 404 and a 500."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from index import fetch as fetching
from index.build import open_index
from index.fetch import FetchError, fetch
from index.search import search
from index.settings import IndexSettings
from index.sources import NotAnArticle, add_sources, extract_html, read

from newssite import FURNITURE, WEB

ROOT = Path(__file__).resolve().parent.parent


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
