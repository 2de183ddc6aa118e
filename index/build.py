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


def build_data(folder: Path) -> tuple[IndexData, list[str]]:
    """Read and analyse every article in `folder`."""
    stamp = fingerprint(folder)
    loaded = load_articles(folder)
    items = [p for article in loaded.articles for p in article_passages(article)]
    terms, vocabulary = analyse(items)
    return IndexData(stamp, loaded.articles, items, terms, vocabulary), loaded.warnings


def analyse(items: list[Passage]) -> tuple[list[list[str]], dict[str, list]]:
    """Each passage's terms, and the vocabulary of words (word -> [term, count], most
    frequent first) that typo correction picks from."""
    terms: list[list[str]] = []
    counts: Counter[str] = Counter()
    for passage in items:
        found = tokens(passage.text)
        counts.update(found)
        terms.append([term for token in found for _, term in token_words(token)])
    words: Counter[tuple[str, str]] = Counter()
    for token, count in counts.items():
        for pair in token_words(token):
            words[pair] += count
    vocabulary: dict[str, list] = {}
    for (word, term), count in words.most_common():
        if word.isalpha() and word not in vocabulary:
            vocabulary[word] = [term, count]
    return terms, vocabulary


def open_index(settings: IndexSettings, *, rebuild: bool = False,
               save_index: bool = True) -> tuple[SearchIndex, OpenReport]:
    """The saved index if it matches the articles; otherwise build it (and save it)."""
    reason = "rebuild requested" if rebuild else "built in memory"
    if not rebuild and save_index:
        try:
            data = load(settings.index_path)
        except IndexFileError as exc:
            reason = str(exc)
        else:
            if data.fingerprint == fingerprint(settings.seeds):
                return SearchIndex(data, settings), OpenReport(False, "saved index is current")
            reason = "the articles changed since the index was saved"
    log.info("building the index: %s", reason)
    data, warnings = build_data(settings.seeds)
    for warning in warnings:
        log.warning("%s", warning)
    try:
        if save_index:
            save(data, settings.index_path)
    except OSError as exc:
        log.warning("could not save the index to %s: %s", settings.index_path, exc)
        warnings.append(f"index not saved: {exc}")
    return SearchIndex(data, settings), OpenReport(True, reason, warnings)
