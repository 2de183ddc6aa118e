"""Build the index from the articles folder, or load the saved one when it still matches."""

from __future__ import annotations

import logging
from array import array
from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path

import numpy as np

from .analysis import piece_terms
from .articles import Article, load_articles
from .model import SearchIndex
from .passages import KINDS, Passage, article_passages
from .scoring import doc_terms
from .speakers import find_speakers
from .settings import IndexSettings
from .store import IndexData, IndexFileError, code_version, fingerprint, load, save

log = logging.getLogger(__name__)


@dataclass
class OpenReport:
    """How the index came to be, for the CLI and the bot's start-up log."""

    rebuilt: bool
    reason: str
    warnings: list[str] = field(default_factory=list)
    save_error: str | None = None   # why the index could not be saved, if it was not


def build_data(folder: Path, previous: IndexData | None = None) -> tuple[IndexData, list[str]]:
    """Read and analyse every article in `folder`; an article whose file is unchanged since
    `previous` was built keeps its passages and terms from there instead of being re-analysed."""
    stamp = fingerprint(folder)
    loaded = load_articles(folder)
    builder = Builder(previous)
    for article in loaded.articles:
        if not builder.reuse(article):
            builder.add(article, article_passages(article))
    return builder.finish(stamp), loaded.warnings


class _TermRows:
    """Term -> its row, numbered in order of first appearance."""

    def __init__(self, terms: list[str]):
        self.terms = terms
        self.rows: dict[str, int] = {t: i for i, t in enumerate(terms)}

    def __call__(self, term: str) -> int:
        row = self.rows.get(term)
        if row is None:
            row = self.rows[term] = len(self.terms)
            self.terms.append(term)
        return row


class _PieceIds(dict):
    """Text piece -> the term rows it makes; each distinct piece is analysed once.

    It holds the term numbering, not the builder: a builder and its pieces referring to each
    other would be freed only by the cycle collector, and kept for good once frozen."""

    def __init__(self, term_row: _TermRows):
        super().__init__()
        self.term_row = term_row

    def __missing__(self, piece: str) -> tuple[int, ...]:
        ids = tuple(self.term_row(term) for _, term, _, _ in piece_terms(piece))
        self[piece] = ids
        return ids


class Builder:
    """Gathers articles, analysed or reused whole from a previous index, into `IndexData`."""

    def __init__(self, previous: IndexData | None = None):
        self.previous = previous
        self.terms: list[str] = list(previous.terms) if previous else []
        self.term_row = _TermRows(self.terms)
        self.pieces = _PieceIds(self.term_row)
        self.piece_counts: Counter[str] = Counter()   # of analysed text, for the vocabulary
        self.kept: set[int] = set()                   # articles reused from `previous`
        # Articles analysed by other code (an older analyzer or speaker finder) are analysed
        # again, whatever their files say.
        self.reusable = {(a.source_file, a.sha256, a.id): i
                         for i, a in enumerate(previous.articles)
                         } if previous and previous.code == code_version() else {}
        self.articles: list[Article] = []
        self.parts: dict[str, list] = {n: [] for n in ("raw", "lens", "text", "text_lens",
                                                       "kinds", "paragraphs", "counts")}
        self.speakers: list[tuple[str, ...]] = []        # per passage
        self.aliases: list[dict[str, list[str]]] = []    # per article

    def add(self, article: Article, items: list[Passage]) -> None:
        """Analyse an article's passages."""
        raw, lens = array("i"), array("q")
        encoded = [p.text.encode("utf-8") for p in items]
        found = find_speakers([(p.paragraph, p.text) for p in items])
        self.speakers += found.speakers
        self.aliases.append({name: list(forms) for name, forms in found.aliases.items()})
        for p in items:
            pieces = p.text.split()
            self.piece_counts.update(pieces)
            before = len(raw)
            raw.extend(chain.from_iterable(map(self.pieces.__getitem__, pieces)))
            lens.append(len(raw) - before)
        self._append(_metadata(article), raw=np.frombuffer(raw, dtype=np.int32),
                     lens=np.frombuffer(lens, dtype=np.int64), text=b"".join(encoded),
                     text_lens=np.array([len(e) for e in encoded], dtype=np.int64),
                     kinds=np.array([KINDS.index(p.kind) for p in items], dtype=np.uint8),
                     paragraphs=np.array([p.paragraph for p in items], dtype=np.int32))

    def reuse(self, article: Article) -> bool:
        """Take an article whose file is unchanged from the previous index, if it has it."""
        old = self.reusable.get((article.source_file, article.sha256, article.id))
        prev = self.previous
        if old is None or prev.articles[old] != _metadata(article):
            return False
        lo, hi = int(prev.article_start[old]), int(prev.article_start[old + 1])
        ptr = prev.docs.ptr[lo:hi + 1]
        tf = prev.docs.tf[ptr[0]:ptr[-1]]
        running = np.concatenate(([0], np.cumsum(tf, dtype=np.int64)))
        self.kept.add(old)
        self.speakers += [prev.speakers(i) for i in range(lo, hi)]
        self.aliases.append(prev.aliases[old])
        self._append(prev.articles[old], raw=np.repeat(prev.docs.terms[ptr[0]:ptr[-1]], tf),
                     lens=running[ptr - ptr[0]][1:] - running[ptr - ptr[0]][:-1],
                     text=prev.text[prev.text_ptr[lo]:prev.text_ptr[hi]].tobytes(),
                     text_lens=np.diff(prev.text_ptr[lo:hi + 1]),
                     kinds=prev.kinds[lo:hi], paragraphs=prev.paragraphs[lo:hi])
        return True

    def _append(self, article: Article, **columns) -> None:
        self.articles.append(article)
        for name, value in columns.items():
            self.parts[name].append(value)
        self.parts["counts"].append(len(columns["kinds"]))

    def finish(self, stamp: str) -> IndexData:
        parts = self.parts
        raw = _concat(parts["raw"], np.int32)
        docs, order = doc_terms(raw, _concat(parts["lens"], np.int64), len(self.terms))
        terms = [self.terms[old] for old in order.tolist()]
        starts = np.zeros(len(self.articles) + 1, dtype=np.int64)
        np.cumsum(parts["counts"], out=starts[1:])
        text_ptr = np.zeros(int(starts[-1]) + 1, dtype=np.int64)
        np.cumsum(_concat(parts["text_lens"], np.int64), out=text_ptr[1:])
        words, word_terms, word_counts = self._vocabulary(terms)
        ids = [f"{a.id}.{k}" for a, n in zip(self.articles, parts["counts"]) for k in range(1, n + 1)]
        names = sorted({name for found in self.speakers for name in found})
        number = {name: i for i, name in enumerate(names)}
        speaker_ptr = np.zeros(len(self.speakers) + 1, dtype=np.int64)
        np.cumsum([len(found) for found in self.speakers], out=speaker_ptr[1:])
        return IndexData(stamp, self.articles, starts, _concat(parts["kinds"], np.uint8),
                         _concat(parts["paragraphs"], np.int32), text_ptr,
                         np.frombuffer(b"".join(parts["text"]), dtype=np.uint8), terms, docs,
                         words, word_terms, word_counts,
                         np.array(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int32),
                         names, speaker_ptr,
                         np.array([number[x] for found in self.speakers for x in found],
                                  dtype=np.int32), self.aliases, code=code_version())

    def _vocabulary(self, terms: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Words typo correction may pick: the previous index's, less those of the articles
        that changed or went, plus those of the articles analysed now."""
        counts: Counter[str] = Counter()
        term_of: dict[str, str] = {}
        prev = self.previous
        if prev is not None:
            for word, row, count in zip(prev.words, prev.word_terms.tolist(),
                                        prev.word_counts.tolist()):
                counts[word] = count
                term_of[word] = prev.terms[row]
            gone: Counter[str] = Counter()
            for old in set(range(len(prev.articles))) - self.kept:
                for i in range(int(prev.article_start[old]), int(prev.article_start[old + 1])):
                    gone.update(prev.passage_text(i).split())
            for word, count in _word_counts(gone, term_of).items():
                counts[word] -= count
        for word, count in _word_counts(self.piece_counts, term_of).items():
            counts[word] += count
        row = {t: i for i, t in enumerate(terms)}
        kept = sorted(((-c, w) for w, c in counts.items() if c > 0 and term_of[w] in row))
        return ([w for _, w in kept], np.array([row[term_of[w]] for _, w in kept], dtype=np.int32),
                np.array([-c for c, _ in kept], dtype=np.int64))


def _word_counts(piece_counts: Counter[str], term_of: dict[str, str]) -> Counter[str]:
    """How often each alphabetic word occurs, from how often each piece does."""
    out: Counter[str] = Counter()
    for piece, count in piece_counts.items():
        for word, term, _, _ in piece_terms(piece):
            if word.isalpha():
                out[word] += count
                term_of[word] = term
    return out


def _metadata(article: Article) -> Article:
    """An article as the index keeps it: its text lives in the passages."""
    return replace(article, paragraphs=(), bio=())


def _concat(parts: list, dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


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
                index = SearchIndex(saved, settings)
                report = OpenReport(False, "saved index is current")
                if index.model_built:  # scoring settings changed: keep the new model too
                    report.save_error = _save(index.data, settings)
                return index, report
            reason = reason if rebuild else "the articles changed since the index was saved"
    log.info("building the index: %s", reason)
    data, warnings = build_data(settings.seeds, previous or saved)
    for warning in warnings:
        log.warning("%s", warning)
    index = SearchIndex(data, settings)
    report = OpenReport(True, reason, warnings)
    if save_index:
        report.save_error = _save(data, settings)
        if report.save_error:
            warnings.append(f"index not saved: {report.save_error}")
    return index, report


def load_saved(settings: IndexSettings) -> SearchIndex:
    """The saved index as it is, for a process that only reads it (never builds or writes):
    a copy of the writer's, with or without the articles folder beside it. Raises
    `IndexFileError` saying what is wrong with it."""
    return SearchIndex(load(settings.index_path), settings)


def _save(data: IndexData, settings: IndexSettings) -> str | None:
    """Save the index; on failure log and return why (a search can still use it in memory)."""
    try:
        save(data, settings.index_path)
    except OSError as exc:
        log.warning("could not save the index to %s: %s", settings.index_path, exc)
        return str(exc)
    return None
