"""The saved index: plain JSON (data, never code), versioned, fingerprinted, written atomically.

It holds what is costly to recompute (sentences and analysed terms); the BM25 model is
rebuilt from the stored terms on load, which keeps the file independent of rank-bm25.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import analysis, passages
from .articles import Article, article_files
from .passages import Passage

FORMAT = "newsquote-index"
FORMAT_VERSION = 2


class IndexFileError(ValueError):
    """The saved index cannot be used (missing, corrupt, truncated, or from another version)."""


@dataclass
class IndexData:
    fingerprint: str
    articles: list[Article]
    passages: list[Passage]
    terms: list[list[str]]          # analysed terms of each passage, same order
    words: dict[str, list]          # surface word -> [term, count], for spelling correction
    article_words: dict[str, dict[str, list]] = field(default_factory=dict)  # the same, per article


def fingerprint(folder: Path) -> str:
    """Identity of the articles and of the code that analysed them."""
    digest = hashlib.sha256()
    digest.update(f"{FORMAT_VERSION}/{analysis.ANALYZER_VERSION}/{passages.PASSAGE_VERSION}".encode())
    for path in article_files(folder):
        digest.update(path.name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def save(data: IndexData, path: Path) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of one."""
    payload = {
        "format": FORMAT, "version": FORMAT_VERSION, "fingerprint": data.fingerprint,
        "articles": [asdict(a) for a in data.articles],
        "passages": [asdict(p) for p in data.passages],
        "terms": data.terms, "words": data.words, "article_words": data.article_words,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o644)  # readable by the bot's user when another account builds it
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, ensure_ascii=False, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path) -> IndexData:
    """Read a saved index; raises `IndexFileError` saying what is wrong with it."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexFileError(f"no saved index at {path}")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexFileError(f"saved index {path} is corrupt or truncated ({exc})")
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise IndexFileError(f"{path} is not a {FORMAT} file")
    if type(payload.get("version")) is not int or payload["version"] != FORMAT_VERSION:
        raise IndexFileError(f"saved index {path} has format version {payload.get('version')!r}, "
                             f"this program reads {FORMAT_VERSION}")
    try:
        articles = [Article(**{**a, "paragraphs": tuple(a["paragraphs"]), "bio": tuple(a["bio"])})
                    for a in payload["articles"]]
        items = [Passage(**p) for p in payload["passages"]]
        terms = payload["terms"]
        words = payload["words"]
        article_words = payload.get("article_words", {})
        known = {a.id for a in articles}
        ok = (isinstance(payload["fingerprint"], str) and len(terms) == len(items)
              and len(known) == len(articles)
              and all(isinstance(p.text, str) and p.article_id in known for p in items)
              and all(isinstance(t, list) and all(isinstance(w, str) for w in t) for t in terms)
              and isinstance(words, dict)
              and all(isinstance(v, list) and len(v) == 2 and isinstance(v[0], str)
                      and isinstance(v[1], int) for v in words.values())
              and isinstance(article_words, dict)
              and all(isinstance(w, dict) for w in article_words.values()))
    except (KeyError, TypeError, AttributeError) as exc:
        raise IndexFileError(f"saved index {path} is malformed ({exc})")
    if not ok:
        raise IndexFileError(f"saved index {path} is malformed (inconsistent fields)")
    return IndexData(payload["fingerprint"], articles, items, terms, words, article_words)
