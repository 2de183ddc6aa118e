"""Build the index from the articles folder, or load the saved one when it still matches."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import rarity
from .analysed import Batch, replay_logs, unchanged, word_counts
from .articles import Article, IdOwners, article_files
from .model import SearchIndex
from .scoring import doc_terms
from .settings import IndexSettings
from .store import (IndexData, IndexFileError, code_version, fingerprint, fingerprint_of,
                    load, save)
from .workers import read_batches

log = logging.getLogger(__name__)

#: Told (files done, files in all) as a build reads the articles folder.
Progress = Callable[[int, int], None]


@dataclass
class OpenReport:
    """How the index came to be, for the CLI and the bot's start-up log."""

    rebuilt: bool
    reason: str
    warnings: list[str] = field(default_factory=list)
    save_error: str | None = None   # why the index could not be saved, if it was not


def build_data(folder: Path, previous: IndexData | None = None, *, workers: int | None = None,
               progress: Progress | None = None) -> tuple[IndexData, list[str]]:
    """Read and analyse every article in `folder`; an article whose file is unchanged since
    `previous` was built keeps its passages and terms from there instead of being re-analysed.

    `workers` processes read and analyse the files (default: one per core, once the folder is
    large enough to be worth starting them; 1: this process only); `progress` hears how many
    files are done after each batch."""
    paths = article_files(folder)
    builder = Builder(previous)
    warnings: list[str] = []
    done = 0
    for batch in read_batches(paths, builder.kept_by_file, workers):
        warnings += builder.take(batch)
        done += len(batch.files)
        if progress is not None:
            progress(done, len(paths))
    # The fingerprint of the bytes read (reading every file again for it took 0.9 s of 1M
    # sentences): a file changed while being read makes the next look rebuild.
    return builder.finish(fingerprint_of(builder.digests)), warnings


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


class Builder:
    """Gathers batches of articles, analysed or reused whole from a previous index, into
    `IndexData`, in the order it is given them."""

    def __init__(self, previous: IndexData | None = None):
        self.previous = previous
        self.terms: list[str] = list(previous.terms) if previous else []
        self.term_row = _TermRows(self.terms)
        self.owners = IdOwners()
        self.digests: list[tuple[str, bytes]] = []   # each file read: name, sha256 of its bytes
        # Each batch source's term and word numbers -> this builder's term rows and words.
        self.renumbering: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.word_number: dict[str, tuple[int, str]] = {}   # word -> (number, its term)
        self.word_hits: list[tuple[np.ndarray, np.ndarray]] = []   # (numbers, counts) a batch
        self.kept: set[int] = set()                   # articles reused from `previous`
        # Articles analysed by other code (an older analyzer or speaker finder) are analysed
        # again, whatever their files say.
        self.reusable = {(a.source_file, a.sha256, a.id): i
                         for i, a in enumerate(previous.articles)
                         } if previous and previous.code == code_version() else {}
        self.kept_by_file = {previous.articles[i].source_file: previous.articles[i]
                             for i in self.reusable.values()}
        self.articles: list[Article] = []
        self.parts: dict[str, list] = {n: [] for n in ("raw", "lens", "text", "text_lens",
                                                       "kinds", "paragraphs", "counts")}
        self.speakers: list[tuple[str, ...]] = []        # per passage
        self.aliases: list[dict[str, list[str]]] = []    # per article

    def take(self, batch: Batch) -> list[str]:
        """Add a batch's articles, analysed or kept; returns the warnings of its skipped files."""
        raw = self._renumber(batch)[batch.raw]
        passage_at = np.concatenate(([0], np.cumsum(batch.counts, dtype=np.int64)))
        raw_at = np.concatenate(([0], np.cumsum(batch.lens)))
        text_at = np.concatenate(([0], np.cumsum(batch.text_lens)))
        warnings: list[str] = []
        analysed = 0   # analysed articles of the batch taken so far
        run: list[Article] = []   # analysed articles not yet taken, in a row

        def take_run() -> None:
            a, b = analysed - len(run), analysed
            lo, hi = int(passage_at[a]), int(passage_at[b])
            self._append(run, batch.counts[a:b], raw=raw[raw_at[lo]:raw_at[hi]],
                         lens=batch.lens[lo:hi], text=batch.text[text_at[lo]:text_at[hi]],
                         text_lens=batch.text_lens[lo:hi], kinds=batch.kinds[lo:hi],
                         paragraphs=batch.paragraphs[lo:hi])
            self.speakers += batch.speakers[lo:hi]
            self.aliases += batch.aliases[a:b]
            run.clear()

        for read in batch.files:
            if read.error is not None:
                raise read.error
            self.digests.append((read.name, read.digest))
            replay_logs(read)
            if read.article is None:
                warnings.append(read.warning)
                continue
            self.owners.claim(read.article)
            if read.analysed:
                run.append(read.article)
                analysed += 1
                continue
            if run:
                take_run()
            if not self.reuse(read.article):
                raise RuntimeError(f"{read.name}: not analysed, yet not in the previous index")
        if run:
            take_run()
        return warnings

    def _renumber(self, batch: Batch) -> np.ndarray:
        """The term row of each of the batch's term numbers; notes its words' counts."""
        empty = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
        rows, words = self.renumbering.get(batch.source, empty)
        rows = np.concatenate((rows, np.fromiter(map(self.term_row, batch.new_terms),
                                                 dtype=np.int32, count=len(batch.new_terms))))
        words = np.concatenate((words, np.fromiter(
            (self.word_number.setdefault(word, (len(self.word_number), term))[0]
             for word, term in batch.new_words), dtype=np.int64, count=len(batch.new_words))))
        self.renumbering[batch.source] = rows, words
        self.word_hits.append((words[batch.word_ids], batch.word_counts))
        return rows

    def reuse(self, article: Article) -> bool:
        """Take an article whose file is unchanged from the previous index, if it has it."""
        old = self.reusable.get((article.source_file, article.sha256, article.id))
        prev = self.previous
        if old is None or not unchanged(prev.articles[old], article):
            return False
        lo, hi = int(prev.article_start[old]), int(prev.article_start[old + 1])
        ptr = prev.docs.ptr[lo:hi + 1]
        tf = prev.docs.tf[ptr[0]:ptr[-1]]
        running = np.concatenate(([0], np.cumsum(tf, dtype=np.int64)))
        self.kept.add(old)
        self.speakers += [prev.speakers(i) for i in range(lo, hi)]
        self.aliases.append(prev.aliases[old])
        self._append([prev.articles[old]], [hi - lo],
                     raw=np.repeat(prev.docs.terms[ptr[0]:ptr[-1]], tf),
                     lens=running[ptr - ptr[0]][1:] - running[ptr - ptr[0]][:-1],
                     text=prev.text[prev.text_ptr[lo]:prev.text_ptr[hi]].tobytes(),
                     text_lens=np.diff(prev.text_ptr[lo:hi + 1]),
                     kinds=prev.kinds[lo:hi], paragraphs=prev.paragraphs[lo:hi])
        return True

    def _append(self, articles: list[Article], counts: list[int], **columns) -> None:
        self.articles += articles
        for name, value in columns.items():
            self.parts[name].append(value)
        self.parts["counts"] += counts

    def finish(self, stamp: str) -> IndexData:
        parts = self.parts
        raw = _concat(parts["raw"], np.int32)
        docs, order = doc_terms(raw, _concat(parts["lens"], np.int64), len(self.terms))
        terms = [self.terms[old] for old in order.tolist()]
        starts = np.zeros(len(self.articles) + 1, dtype=np.int64)
        np.cumsum(parts["counts"], out=starts[1:])
        text_ptr = np.zeros(int(starts[-1]) + 1, dtype=np.int64)
        np.cumsum(_concat(parts["text_lens"], np.int64), out=text_ptr[1:])
        words, word_terms, word_counts, word_zipf = self._vocabulary(terms)
        ids = [f"{a.id}.{k}" for a, n in zip(self.articles, parts["counts"]) for k in range(1, n + 1)]
        names = sorted({name for found in self.speakers for name in found})
        number = {name: i for i, name in enumerate(names)}
        speaker_ptr = np.zeros(len(self.speakers) + 1, dtype=np.int64)
        np.cumsum([len(found) for found in self.speakers], out=speaker_ptr[1:])
        return IndexData(stamp, self.articles, starts, _concat(parts["kinds"], np.uint8),
                         _concat(parts["paragraphs"], np.int32), text_ptr,
                         np.frombuffer(b"".join(parts["text"]), dtype=np.uint8), terms, docs,
                         words, word_terms, word_counts, word_zipf,
                         np.array(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int32),
                         names, speaker_ptr,
                         np.array([number[x] for found in self.speakers for x in found],
                                  dtype=np.int32), self.aliases, code=code_version())

    def _vocabulary(self, terms: list[str]) -> tuple[list[str], np.ndarray, np.ndarray,
                                                      np.ndarray]:
        """Words typo correction may pick: the previous index's, less those of the articles
        that changed or went, plus those of the articles analysed now; with their counts and
        rarities (the previous index's kept, others looked up)."""
        counts: Counter[str] = Counter()
        term_of: dict[str, str] = {}
        centi: dict[str, int] = {}
        prev = self.previous
        if prev is not None:
            for word, row, count, zipf in zip(prev.words, prev.word_terms.tolist(),
                                              prev.word_counts.tolist(), prev.word_zipf.tolist()):
                counts[word] = count
                term_of[word] = prev.terms[row]
                centi[word] = zipf
            gone: Counter[str] = Counter()
            for old in set(range(len(prev.articles))) - self.kept:
                for i in range(int(prev.article_start[old]), int(prev.article_start[old + 1])):
                    gone.update(prev.passage_text(i).split())
            for word, count in word_counts(gone, term_of).items():
                counts[word] -= count
        hits = np.bincount(_concat([n for n, _ in self.word_hits], np.int64),
                           weights=_concat([c for _, c in self.word_hits], np.int64),
                           minlength=len(self.word_number)).astype(np.int64).tolist()
        for word, (number, term) in self.word_number.items():
            term_of[word] = term
            counts[word] += hits[number]
        row = {t: i for i, t in enumerate(terms)}
        kept = sorted(((-c, w) for w, c in counts.items() if c > 0 and term_of[w] in row))
        words = [w for _, w in kept]
        new = [w for w in words if w not in centi]
        centi.update(zip(new, rarity.centi_zipfs(new).tolist()))
        return (words, np.array([row[term_of[w]] for w in words], dtype=np.int32),
                np.array([-c for c, _ in kept], dtype=np.int64),
                np.array([centi[w] for w in words], dtype=np.uint16))


def _concat(parts: list, dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


def open_index(settings: IndexSettings, *, rebuild: bool = False, save_index: bool = True,
               previous: IndexData | None = None, workers: int | None = None,
               progress: Progress | None = None) -> tuple[SearchIndex, OpenReport]:
    """The saved index if it matches the articles; otherwise build it (and save it).

    Unchanged articles are taken from `previous` (a running index) or the saved index;
    `workers` and `progress` are `build_data`'s.
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
    data, warnings = build_data(settings.seeds, previous or saved, workers=workers,
                                progress=progress)
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
