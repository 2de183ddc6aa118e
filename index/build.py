"""Build the index from the articles folder, or load the saved one when it still matches."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .analysis import token_words, tokens
from .articles import load_articles
from .model import SearchIndex
from .passages import Passage, article_passages
from .settings import IndexSettings
from .store import IndexData, IndexFileError, fingerprint, load, save

log = logging.getLogger(__name__)


@dataclass
class OpenReport:
    """How the index came to be, for the CLI and the bot's start-up log."""

    rebuilt: bool
    reason: str
    warnings: list[str] = field(default_factory=list)


def build_data(folder: Path, previous: IndexData | None = None) -> tuple[IndexData, list[str]]:
    """Read and analyse every article in `folder`; an article whose file is unchanged since
    `previous` was built keeps its passages and terms from there instead of being re-analysed."""
    stamp = fingerprint(folder)
    loaded = load_articles(folder)
    cached = _by_file(previous) if previous else {}
    items: list[Passage] = []
    terms: list[list[str]] = []
    article_words: dict[str, dict[str, list]] = {}
    for article in loaded.articles:
        hit = cached.get((article.source_file, article.sha256, article.id))
        if hit is None or hit[0] != article:
            passages = article_passages(article)
            passage_terms, words = analyse(passages)
        else:
            _, passages, passage_terms, words = hit
        items += passages
        terms += passage_terms
        article_words[article.id] = words
    return IndexData(stamp, loaded.articles, items, terms, merge_words(article_words.values()),
                     article_words), loaded.warnings


def _by_file(data: IndexData) -> dict[tuple[str, str, str], tuple]:
    """Each article of an index with its passages, terms and words, keyed by its file."""
    spans: dict[str, list[int]] = {}
    for i, passage in enumerate(data.passages):
        spans.setdefault(passage.article_id, []).append(i)
    out = {}
    for article in data.articles:
        rows = spans.get(article.id, [])
        out[(article.source_file, article.sha256, article.id)] = (
            article, [data.passages[i] for i in rows], [data.terms[i] for i in rows],
            data.article_words.get(article.id, {}))
    return out


def analyse(items: list[Passage]) -> tuple[list[list[str]], dict[str, list]]:
    """Each passage's terms, and the words they came from (word -> [term, count]), which
    typo correction picks from."""
    terms: list[list[str]] = []
    counts: Counter[str] = Counter()
    for passage in items:
        found = tokens(passage.text)
        counts.update(found)
        terms.append([term for token in found for _, term in token_words(token)])
    words: dict[str, list] = {}
    for token, count in counts.items():
        for word, term in token_words(token):
            if word.isalpha():
                entry = words.setdefault(word, [term, 0])
                entry[1] += count
    return terms, words


def merge_words(parts) -> dict[str, list]:
    """Several articles' words as one vocabulary, most frequent first."""
    total: dict[str, list] = {}
    for words in parts:
        for word, (term, count) in words.items():
            total.setdefault(word, [term, 0])[1] += count
    return dict(sorted(total.items(), key=lambda item: -item[1][1]))


def open_index(settings: IndexSettings, *, rebuild: bool = False, save_index: bool = True,
               previous: IndexData | None = None) -> tuple[SearchIndex, OpenReport]:
    """The saved index if it matches the articles; otherwise build it (and save it).

    Unchanged articles are taken from `previous` (a running index) or the saved index.
    """
    reason = "rebuild requested" if rebuild else "built in memory"
    saved = None
    if save_index:
        try:
            saved = load(settings.index_path)
        except IndexFileError as exc:
            reason = str(exc) if not rebuild else reason
        else:
            if not rebuild and saved.fingerprint == fingerprint(settings.seeds):
                return SearchIndex(saved, settings), OpenReport(False, "saved index is current")
            reason = reason if rebuild else "the articles changed since the index was saved"
    log.info("building the index: %s", reason)
    data, warnings = build_data(settings.seeds, previous or saved)
    for warning in warnings:
        log.warning("%s", warning)
    try:
        if save_index:
            save(data, settings.index_path)
    except OSError as exc:
        log.warning("could not save the index to %s: %s", settings.index_path, exc)
        warnings.append(f"index not saved: {exc}")
    return SearchIndex(data, settings), OpenReport(True, reason, warnings)
