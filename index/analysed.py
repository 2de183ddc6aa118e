"""Article files read and analysed apart from all others: the part of a build any core can do.

A batch of files becomes its articles' passages, term numbers, speakers and word counts.
Terms and words are numbered by the analyser that met them (one per process); the builder
renumbers them as it takes the batches in file order, so a build from batches made in many
processes is the build made in one.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from array import array
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .analysis import piece_terms
from .articles import Article, article_or_warning
from .passages import KINDS, Passage, article_passages
from .speakers import find_speakers


@dataclass
class FileRead:
    """What one file gave: its article (metadata only) or why it was skipped, and whether the
    article was analysed here or is to be kept from the previous index."""

    name: str
    digest: bytes = b""                  # sha256 of the bytes read, for the fingerprint
    article: Article | None = None
    warning: str | None = None
    analysed: bool = False
    error: OSError | None = None         # the file could not be read at all
    logs: list[logging.LogRecord] = field(default_factory=list)  # made in a worker process


@dataclass
class Batch:
    """A run of files, analysed; every column is in file order, over the analysed articles.

    Terms and words are numbered by the `Analyser` that made the batch, once for all its
    batches (`source` tells which): a batch carries only those its source had not numbered
    before, and the builder, taking each source's batches in the order they were made, keeps
    one renumbering per source."""

    source: str                          # the Analyser that made it
    files: list[FileRead]
    counts: list[int]                    # passages of each analysed article
    new_terms: list[str]                 # terms numbered since the source's previous batch
    raw: np.ndarray                      # int32 term numbers of every passage, one after another
    lens: np.ndarray                     # int64 numbers per passage
    text: bytes                          # every passage's utf-8 text, joined
    text_lens: np.ndarray                # int64
    kinds: np.ndarray                    # uint8 codes into passages.KINDS
    paragraphs: np.ndarray               # int32, -1 outside the body
    speakers: list[tuple[str, ...]]      # per passage
    aliases: list[dict[str, list[str]]]  # per analysed article
    new_words: list[tuple[str, str]]     # (word, its term) numbered since the previous batch
    word_ids: np.ndarray                 # int32 alphabetic words the batch's text holds ...
    word_counts: np.ndarray              # int64 ... and how often


def metadata(article: Article) -> Article:
    """An article as the index keeps it: its text lives in the passages."""
    return replace(article, paragraphs=(), bio=())


def unchanged(kept: Article, article: Article) -> bool:
    """Is `article` the one the previous index kept as `kept` (same file, bytes and metadata)?"""
    return kept.sha256 == article.sha256 and kept == metadata(article)


def word_counts(piece_counts, term_of: dict[str, str]) -> Counter[str]:
    """How often each alphabetic word occurs, from how often each piece does (a mapping);
    `term_of` learns the term of each word."""
    out: Counter[str] = Counter()
    for piece, count in piece_counts.items():
        for word, term, _, _ in piece_terms(piece):
            if word.isalpha():
                out[word] += count
                term_of[word] = term
    return out


class _Pieces(dict):
    """Text piece -> its number; each distinct piece is analysed once, into term numbers and
    the numbers of its alphabetic words (a word keeps the term it first came with)."""

    def __init__(self) -> None:
        super().__init__()
        self.terms: list[str] = []
        self.term_number: dict[str, int] = {}
        self.words: list[tuple[str, str]] = []
        self.word_number: dict[str, int] = {}
        self.term_at = array("q", [0])   # piece p's terms are term_runs[term_at[p]:term_at[p+1]]
        self.term_runs = array("i")
        self.word_at = array("q", [0])   # ... and its words word_runs[word_at[p]:word_at[p+1]]
        self.word_runs = array("i")

    def __missing__(self, piece: str) -> int:
        for word, term, _, _ in piece_terms(piece):
            number = self.term_number.get(term)
            if number is None:
                number = self.term_number[term] = len(self.terms)
                self.terms.append(term)
            self.term_runs.append(number)
            if word.isalpha():
                number = self.word_number.get(word)
                if number is None:
                    number = self.word_number[word] = len(self.words)
                    self.words.append((word, term))
                self.word_runs.append(number)
        self.term_at.append(len(self.term_runs))
        self.word_at.append(len(self.word_runs))
        number = self[piece] = len(self.term_at) - 2
        return number


def _runs(at: np.ndarray, runs: np.ndarray, sequence: np.ndarray) -> np.ndarray:
    """The runs `runs[at[p]:at[p+1]]` of the pieces p in `sequence`, one after another."""
    taken = np.diff(at)[sequence]
    ends = np.cumsum(taken)
    return runs[np.repeat(at[:-1][sequence] - (ends - taken), taken)
                + np.arange(int(ends[-1]) if len(ends) else 0)]


class Analyser:
    """Analyses articles one after another into batches."""

    def __init__(self) -> None:
        self.source = secrets.token_hex(8)   # tells this analyser's batches from others'
        self.pieces = _Pieces()
        self.sent_terms = self.sent_words = 0   # numbered in the batches made so far
        self._start()

    def _start(self) -> None:
        self.files: list[FileRead] = []
        self.counts: list[int] = []
        self.sequence: list[int] = []     # piece numbers of every passage, one after another
        # (a list: appending to an array("i") converts each number, a fifth of the look-ups)
        self.per_passage = array("q")     # pieces per passage
        self.text: list[bytes] = []
        self.kinds = array("B")
        self.paragraphs = array("i")
        self.speakers: list[tuple[str, ...]] = []
        self.aliases: list[dict[str, list[str]]] = []

    def add(self, article: Article, items: list[Passage]) -> None:
        """Analyse an article's passages."""
        found = find_speakers([(p.paragraph, p.text) for p in items])
        self.speakers += found.speakers
        self.aliases.append({name: list(forms) for name, forms in found.aliases.items()})
        self.files.append(FileRead(article.source_file, article=metadata(article), analysed=True))
        self.counts.append(len(items))
        number = self.pieces.__getitem__
        for p in items:
            pieces = p.text.split()
            self.sequence += map(number, pieces)
            self.per_passage.append(len(pieces))
            self.text.append(p.text.encode("utf-8"))
            self.kinds.append(KINDS.index(p.kind))
            self.paragraphs.append(p.paragraph)

    def batch(self) -> Batch:
        """The articles analysed since the last batch, as a batch."""
        pieces = self.pieces
        sequence = np.array(self.sequence, dtype=np.int32)
        raw = _runs(np.frombuffer(pieces.term_at, dtype=np.int64),
                    np.frombuffer(pieces.term_runs, dtype=np.int32), sequence)
        per_piece = np.diff(np.frombuffer(pieces.term_at, dtype=np.int64))[sequence]
        ends = np.concatenate(([0], np.cumsum(per_piece)))
        bounds = np.concatenate(([0], np.cumsum(np.frombuffer(self.per_passage, dtype=np.int64))))
        word_at = np.frombuffer(pieces.word_at, dtype=np.int64)
        seen = np.bincount(sequence, minlength=len(word_at) - 1)
        counts = np.bincount(np.frombuffer(pieces.word_runs, dtype=np.int32),
                             weights=np.repeat(seen, np.diff(word_at)),
                             minlength=len(pieces.words)).astype(np.int64)
        word_ids = np.flatnonzero(counts).astype(np.int32)
        batch = Batch(self.source, self.files, self.counts, pieces.terms[self.sent_terms:],
                      raw, ends[bounds[1:]] - ends[bounds[:-1]], b"".join(self.text),
                      np.fromiter(map(len, self.text), dtype=np.int64, count=len(self.text)),
                      np.array(self.kinds, dtype=np.uint8),
                      np.array(self.paragraphs, dtype=np.int32), self.speakers, self.aliases,
                      pieces.words[self.sent_words:], word_ids, counts[word_ids])
        self.sent_terms, self.sent_words = len(pieces.terms), len(pieces.words)
        self._start()
        return batch


#: Log records made while reading files in a worker process, to be logged by the parent;
#: None in the process that builds (there they are logged as they are made).
_collected: list[logging.LogRecord] | None = None


class _Collect(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args, record.exc_info = record.getMessage(), None, None
        _collected.append(record)


def collect_logs(level: int) -> None:
    """In a worker process: keep log records for the parent instead of printing them."""
    global _collected
    _collected = []
    root = logging.getLogger()
    root.handlers[:] = [_Collect()]
    root.setLevel(level)


def replay_logs(read: FileRead) -> None:
    """Log here what reading the file logged in a worker process."""
    for record in read.logs:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)


#: A worker process's analyser: one for all the batches of the build its pool serves.
_analyser: Analyser | None = None


def read_batch(paths: list[Path], kept: dict[str, Article],
               analyser: Analyser | None = None) -> Batch:
    """Read and analyse these files in order with `analyser` (default: this worker process's
    own); a file whose article is unchanged from `kept` (previous metadata by file name) is
    read but not analysed."""
    global _analyser
    if analyser is None:
        analyser = _analyser = _analyser or Analyser()
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:  # fails the build, as reading it for the fingerprint did
            analyser.files.append(FileRead(path.name, error=exc))
            continue
        article = article_or_warning(path, data)
        logs = _collected[:] if _collected else []
        if _collected:
            _collected.clear()
        if isinstance(article, str):
            analyser.files.append(FileRead(path.name, hashlib.sha256(data).digest(),
                                           warning=article, logs=logs))
            continue
        if (old := kept.get(path.name)) is not None and unchanged(old, article):
            analyser.files.append(FileRead(path.name, article=metadata(article)))
        else:
            analyser.add(article, article_passages(article))
        analyser.files[-1].digest = bytes.fromhex(article.sha256)
        analyser.files[-1].logs = logs
    return analyser.batch()
