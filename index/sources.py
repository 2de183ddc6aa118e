"""Articles from the web: a link, a saved page or a feed, extracted and written as article files.

Everything downstream stays one pipeline: a page becomes an ordinary article file (TOML front
matter, then paragraphs separated by blank lines) in the articles folder, and the index reads
it like any other. The body is extracted with trafilatura (favouring precision: a passage of
site furniture quoted back to a reader as news is worse than a sentence missed); feeds are read
with feedparser, and each entry's page is fetched and extracted in turn.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

import feedparser
import trafilatura

from .articles import ArticleError, article_files, parse_article
from .fetch import MAX_BYTES, FetchError, Fetched, fetch

#: Fewer words than this is not an article (a landing page, a video with a caption).
MIN_WORDS = 40
_ID_NUMBER = re.compile(r"^(\d{1,6})(?=[_\-. ]|$)")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
               "application/feed+json")


class NotAnArticle(Exception):
    """The page holds no article text (or too little); the message says which page."""


@dataclass(frozen=True)
class Extracted:
    """An article as it would be written: metadata and the body as indexed."""

    source: str
    title: str
    author: str | None
    outlet: str | None
    url: str | None
    published: str | None
    text: str  # paragraphs joined by blank lines; no headline or byline in it

    def as_json(self) -> dict:
        return asdict(self)

    def file_text(self) -> str:
        """The article file: TOML front matter (JSON strings are valid TOML basic strings),
        then the body."""
        meta = {"title": self.title, "author": self.author, "outlet": self.outlet,
                "url": self.url, "published": self.published}
        front = "".join(f"{key} = {json.dumps(value, ensure_ascii=False)}\n"
                        for key, value in meta.items() if value)
        return f"+++\n{front}+++\n\n{self.text}\n"


def _bare(html: bytes | str, url: str | None, precise: bool):
    return trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                       include_tables=False, favor_precision=precise)


def extract_html(html: bytes | str, source: str, url: str | None = None) -> Extracted:
    """The article in a page; raises `NotAnArticle` when there is none. Precision first; a
    layout that leaves that mode with too little text (an old table layout, say) is read
    again in trafilatura's balanced mode."""
    doc = _bare(html, url, precise=True)
    if doc is None or len((doc.text or "").split()) < MIN_WORDS:
        doc = _bare(html, url, precise=False) or doc
    if doc is None or not doc.text:
        raise NotAnArticle(f"{source}: no article text found")
    title = " ".join((doc.title or "").split())
    paragraphs = [" ".join(p.split()) for p in doc.text.split("\n")]
    paragraphs = [p for p in paragraphs if p]
    if paragraphs and title and paragraphs[0].casefold() == title.casefold():
        paragraphs = paragraphs[1:]  # the headline is the title, not the body
    if not title and paragraphs:
        title, paragraphs = paragraphs[0], paragraphs[1:]
    if sum(len(p.split()) for p in paragraphs) < MIN_WORDS:
        raise NotAnArticle(f"{source}: not an article (under {MIN_WORDS} words of text)")
    return Extracted(source, title, doc.author or None, doc.sitename or None,
                     doc.url or url, doc.date or None, "\n\n".join(paragraphs))


def is_feed(fetched: Fetched) -> bool:
    head = fetched.body[:500].lstrip().lower()
    return (fetched.content_type in _FEED_TYPES or head.startswith(b"<?xml")
            or head.startswith(b"<rss") or head.startswith(b"<feed"))


def feed_links(body: bytes) -> list[str]:
    """The pages a feed's entries link to, in feed order."""
    parsed = feedparser.parse(body)
    return [entry.link for entry in parsed.entries if entry.get("link")]


def read(source: str, *, allow_private: bool = False) -> list[Extracted | Exception]:
    """What a source holds: one article (a link or a saved page), or one per entry of a feed;
    each a failure instead where it could not be read."""
    if not re.match(r"^https?://", source, re.I):
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            return [FetchError(f"{source}: cannot read ({exc.strerror or exc})")]
        if len(data) > MAX_BYTES:
            return [FetchError(f"{source}: too large (over {MAX_BYTES:,} bytes)")]
        if path.suffix.lower() in (".xml", ".rss", ".atom"):
            return [_page(link, allow_private) for link in feed_links(data)]
        return [_extract(data, source, None)]
    try:
        fetched = fetch(source, allow_private=allow_private)
    except FetchError as exc:
        return [exc]
    if is_feed(fetched):
        return [_page(link, allow_private) for link in feed_links(fetched.body)]
    return [_extract(fetched.body, source, fetched.url)]


def _page(url: str, allow_private: bool) -> Extracted | Exception:
    try:
        fetched = fetch(url, allow_private=allow_private)
    except FetchError as exc:
        return exc
    return _extract(fetched.body, url, fetched.url)


def _extract(html: bytes, source: str, url: str | None) -> Extracted | Exception:
    try:
        return extract_html(html, source, url)
    except NotAnArticle as exc:
        return exc


@dataclass(frozen=True)
class Added:
    """What happened to one article of a source: written (id and file) or why not."""

    source: str
    article_id: str | None = None
    title: str | None = None
    path: Path | None = None
    reason: str | None = None

    def line(self) -> str:
        if self.article_id:
            return f"added {self.article_id}: {self.title} ({self.path.name})"
        return f"not added: {self.reason}"


def _fingerprint(text: str) -> str:
    return hashlib.sha256(" ".join(text.casefold().split()).encode()).hexdigest()


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    slug = "-".join(words)[:60].rstrip("-")
    return slug or "article"


class Folder:
    """The articles folder as `add` sees it: which URLs and texts it already holds, and the
    next free short id."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.urls: set[str] = set()
        self.texts: set[str] = set()
        numbers = [0]
        for path in article_files(folder):
            if match := _ID_NUMBER.match(path.name):
                numbers.append(int(match.group(1)))
            try:
                article = parse_article(path, path.read_bytes())
            except (ArticleError, OSError):
                continue
            if article.url:
                self.urls.add(article.url)
            self.texts.add(_fingerprint("\n\n".join(article.paragraphs)))
        self.next_number = max(numbers) + 1

    def take(self, source: str, item: Extracted | Exception) -> Added:
        """What `read` found in a source: added, or the reason it could not be read."""
        return Added(source, reason=str(item)) if isinstance(item, Exception) else self.add(item)

    def add(self, article: Extracted) -> Added:
        if article.url and article.url in self.urls:
            return Added(article.source, reason=f"{article.source}: already present "
                         f"(same address: {article.url})")
        text = _fingerprint(article.text)
        if text in self.texts:
            return Added(article.source, reason=f"{article.source}: already present (same text)")
        article_id = f"{self.next_number:03d}"
        path = self.folder / f"{article_id}_{_slug(article.title)}.txt"
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(article.file_text(), encoding="utf-8")
        partial.replace(path)  # the folder watcher never sees half a file
        self.next_number += 1
        self.urls.add(article.url or "")
        self.texts.add(text)
        return Added(article.source, article_id, article.title, path)


def add_sources(sources: list[str], folder: Path, *, allow_private: bool = False) -> list[Added]:
    """Read each source and write each article it holds into `folder` (see `Folder.add`)."""
    target = Folder(folder)
    results = []
    for source in sources:
        results += [target.take(source, item) for item in read(source, allow_private=allow_private)]
    return results
