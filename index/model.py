"""The in-memory index: passages, their BM25 scores, and the lookups search needs.

Everything per passage lives in arrays (memory-mapped when loaded from disk); `Passage`
objects are made only for the few passages an answer shows.
"""

from __future__ import annotations

import bisect
import gc
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

import numpy as np

from . import rarity
from .analysis import remember_stems
from .articles import Article
from .passages import KINDS, Passage
from .scoring import ScoreMatrix, Scorer, _masks, merge_docs, score_matrix
from .settings import IndexSettings
from .store import IndexData
from .weights import bm25_weights

#: rank-bm25's default length normalisation, for whole articles.
ARTICLE_B = 0.75


def keep_long_lived() -> None:
    """Free what the last build left behind, then keep the collector off everything left:
    the serving index's many objects live for good, and scanning them stalls the answers (a
    full collection at a million sentences takes tens of milliseconds). Freezing before
    collecting would keep that garbage (and a previous index) for ever."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class PassageTable(Sequence):
    """The passages in reading order, made on demand from the index's columns."""

    def __init__(self, data: IndexData, article_ids: list[str], article_row: np.ndarray):
        self.data = data
        self.article_ids = article_ids
        self.article_row = article_row

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i):
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            if step == 1:
                return self.run(start, stop)
            return [self[j] for j in range(start, stop, step)]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        d = self.data
        a = int(self.article_row[i])
        position = i - int(d.article_start[a])
        return Passage(f"{self.article_ids[a]}.{position + 1}", self.article_ids[a], position,
                       KINDS[d.kinds[i]], int(d.paragraphs[i]), d.passage_text(i))

    def run(self, start: int, stop: int) -> list[Passage]:
        """Passages start..stop-1 (rows in range), article by article."""
        out: list[Passage] = []
        while start < stop:
            a = int(self.article_row[start])
            first, end = self.data.article_start[a:a + 2].tolist()
            out += self.within(a, first, start, min(stop, end))
            start = min(stop, end)
        return out

    def within(self, a: int, first: int, start: int, stop: int) -> list[Passage]:
        """Passages start..stop-1 of article number `a`, whose first row is `first`, each
        column read once for them all: an answer shows a passage with the ones beside it,
        and reading the mapped columns row by row cost more than making the passages."""
        d = self.data
        ptr = d.text_ptr[start:stop + 1].tolist()
        raw = d.text[ptr[0]:ptr[-1]].tobytes()
        article_id = self.article_ids[a]
        rows = zip(range(start, stop), d.kinds[start:stop].tolist(),
                   d.paragraphs[start:stop].tolist())
        return [Passage(f"{article_id}.{row - first + 1}", article_id, row - first, KINDS[kind],
                        paragraph, raw[ptr[n] - ptr[0]:ptr[n + 1] - ptr[0]].decode("utf-8"))
                for n, (row, kind, paragraph) in enumerate(rows)]

    def id_of(self, i: int) -> str:
        a = int(self.article_row[i])
        return f"{self.article_ids[a]}.{i - int(self.data.article_start[a]) + 1}"


class SearchIndex:
    """BM25 over passages (rank-bm25's BM25Okapi defines the score), plus BM25 over whole articles.

    The article model lets a sentence borrow evidence from the article it stands in: a
    question about "the Panthers' defense" should prefer sentences of the Super Bowl article.
    """

    def __init__(self, data: IndexData, settings: IndexSettings):
        self.data = data
        self.settings = settings
        self.articles: dict[str, Article] = {a.id: a for a in data.articles}
        self.article_ids: list[str] = [a.id for a in data.articles]
        self._article_number = {a: i for i, a in enumerate(self.article_ids)}
        n = len(data)
        self.article_row = np.repeat(np.arange(len(self.article_ids), dtype=np.int64),
                                     np.diff(data.article_start))
        self.passages = PassageTable(data, self.article_ids, self.article_row)
        self.bylines: dict[str, int] = {  # article id -> its byline passage
            self.article_ids[self.article_row[i]]: i
            for i in np.flatnonzero(data.kinds == KINDS.index("byline")).tolist()}
        self.term_row: dict[str, int] = dict(zip(data.terms, range(len(data.terms))))
        self.model_built = False
        self._idf: dict[str, float] = {}  # term -> idf, for the terms asked about so far
        self.scorer, self.article_scorer = self._scorers()
        # Neighbours within the same article, -1 where there is none. A row's two lie side by
        # side, so that `coverage` reads both in one go from memory (it reads scattered rows).
        rows = np.arange(n, dtype=np.int64)
        same = self.article_row[1:] == self.article_row[:-1]
        beside = np.full((n, 2), -1, dtype=np.int64)
        beside[1:, 0][same] = rows[:-1][same]
        beside[:-1, 1][same] = rows[1:][same]
        self.prev, self.next = beside[:, 0], beside[:, 1]

    def _scorers(self) -> tuple[Scorer, Scorer]:
        """The saved model when it was built with these settings; otherwise build it now."""
        d, s = self.data, self.settings
        key = (float(s.k1), float(s.b), float(s.epsilon))
        if d.score_key != key or not d.scores:
            with ThreadPoolExecutor(1) as helper:  # at once: compiled passes release the GIL
                later = helper.submit(lambda: score_matrix(
                    self.term_row, merge_docs(d.docs, d.article_start, len(d.terms)),
                    s.k1, ARTICLE_B, s.epsilon))
                passages = score_matrix(self.term_row, d.docs, s.k1, s.b, s.epsilon)
                articles = later.result()
            d.scores = {"p_indptr": passages.indptr, "p_docs": passages.docs,
                        "p_contrib": passages.contrib, "a_indptr": articles.indptr,
                        "a_docs": articles.docs, "a_contrib": articles.contrib}
            d.score_key = key
            self.model_built = True
        sc = d.scores
        weights = bm25_weights(np.diff(sc["p_indptr"]), d.docs.ptr, d.docs.tf, *key)
        return (Scorer(ScoreMatrix(self.term_row, sc["p_indptr"], sc["p_docs"], sc["p_contrib"],
                                   len(d), d.docs, weights), threads=s.threads),
                # One part: the 40,000 article scores of a million sentences summed in two
                # were within noise (paired in one process, median -0.04 to +0.01 ms a question).
                Scorer(ScoreMatrix(self.term_row, sc["a_indptr"], sc["a_docs"], sc["a_contrib"],
                                   len(self.article_ids))))

    def __len__(self) -> int:
        return len(self.data)

    def warm(self) -> None:
        """Compile the scoring loops, read every page the search reads once (a mapped page is
        read on first touch; one value per page), and remember the vocabulary's stems and
        rarities, so that the first questions pay for none of it."""
        d = self.data
        probe = d.terms[:1]
        for array in (*d.scores.values(), d.text, d.text_ptr, d.docs.ptr, d.docs.terms, d.docs.tf):
            array[::max(1, 4096 // array.itemsize)].sum()
        remember_stems((word, term) for word, (term, _) in self.vocabulary.items()
                       if "." not in term)  # "US" makes u.s, but "us" is a stopword
        self.term_words  # noqa: B018 - built now, not on the first question
        self.scorer.term_max  # noqa: B018
        self.scorer.common_bits  # noqa: B018
        self.scorer.dense_rows  # noqa: B018
        self.article_scorer.dense_rows  # noqa: B018
        rarity.warm()
        rarity.remember(d.words, d.word_zipf)
        if len(self):
            self.coverage([0], probe)  # compile
        df = np.diff(self.scorer.matrix.indptr)
        rare = int(np.argmin(np.where(df >= 2, df, len(self) + 1))) if len(df) else 0
        mixed = [d.terms[int(np.argmax(df))], d.terms[rare]] if len(df) else []
        no_articles = np.zeros(len(self.article_ids))
        for query in (probe, mixed):  # every way of ranking gets compiled: one term, and a
            for dense in (False, True):  # common and a rare one in two docs (`skipping`, in
                # as many parts as the docs allow)
                self.scorer.top(query, 1, self.article_row, no_articles, dense=dense,
                                article_start=d.article_start)
        self.best(probe, 1)

    @cached_property
    def vocabulary(self) -> dict[str, tuple[str, int]]:
        """Surface word -> (its term, how often it occurs), for typo correction."""
        d = self.data
        return {w: (d.terms[t], c) for w, t, c in
                zip(d.words, d.word_terms.tolist(), d.word_counts.tolist())}

    @cached_property
    def term_words(self) -> dict[str, set[str]]:
        """Term -> the words that make it (alphabetic words only)."""
        out: dict[str, set[str]] = {}
        for word, (term, _) in self.vocabulary.items():
            out.setdefault(term, set()).add(word)
        return out

    def words_of(self, terms: set[str]) -> set[str] | None:
        """All words that make these terms, or None if a term also comes from non-words
        (numbers, names such as F-35) or from a form the vocabulary does not list."""
        out: set[str] = set()
        for term in terms:
            words = self.term_words.get(term)
            if words is None or "." in term:
                return None
            out |= words
        return out

    @cached_property
    def words_by_letter(self) -> dict[str, list[str]]:
        """Words by first letter, most frequent first (typo correction keeps the first letter)."""
        out: dict[str, list[str]] = {}
        for word in self.data.words:
            out.setdefault(word[:1], []).append(word)
        return out

    def speaker_aliases(self, i: int) -> dict[str, list[str]]:
        """The names each speaker goes by in passage i's article."""
        return self.data.aliases[int(self.article_row[i])]

    def speakers_of(self, passage: Passage) -> tuple[str, ...]:
        """Who speaks in a passage, main speaker first."""
        row = self.row_of(passage.id)
        return () if row is None else self.data.speakers(row)

    def idf(self, term: str) -> float:
        """How telling a word is: BM25's idf over the passages, at least 0.1; a word no passage
        holds gets the most. Remembered for the index's own terms (no others, so what readers
        type cannot grow it): questions repeat words, and a term's postings offsets lie on
        pages scattered over the index."""
        idf = self._idf.get(term)
        if idf is None:
            row = self.term_row.get(term)
            m = self.scorer.matrix
            df = 0 if row is None else int(m.indptr[row + 1] - m.indptr[row])
            n = len(self)
            idf = max(0.1, math.log((n - df + 0.5) / (df + 0.5)))
            if row is not None:
                self._idf[term] = idf
        return idf

    def best_possible(self, terms: list[str]) -> float:
        """The highest BM25 score any passage could have for these terms: each term's best."""
        term_max = self.scorer.term_max
        return float(sum(term_max[self.term_row[t]] for t in terms if t in self.term_row))

    def article_holds(self, a: int, terms) -> set[str]:
        """Which of `terms` article number `a` holds anywhere: its passages' term rows, read as
        one run and compared with each term's row (searching each term's article postings
        read pages scattered over the index; a set of the rows cost more than comparing)."""
        d = self.data
        first, last = d.article_start[a:a + 2].tolist()
        rows = d.docs.terms[d.docs.ptr[first]:d.docs.ptr[last]]
        return {t for t in terms if t in self.term_row and bool((rows == self.term_row[t]).any())}

    def has_term(self, term: str) -> bool:
        return term in self.term_row

    def bm25_scores(self, terms: list[str]) -> np.ndarray:
        """Every passage's score: exactly `BM25Okapi(passage terms).get_scores(terms)`."""
        return self.scorer.scores(terms)

    def article_scores(self, terms: list[str]) -> np.ndarray:
        return self.article_scorer.scores(terms)

    def best(self, terms: list[str], k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(passages, ranking scores, BM25 scores) of the k best passages for these terms.

        The ranking score adds to a passage's BM25 score a share of its neighbours' and of its
        whole article's; only passages holding a query term are ranked.
        """
        s = self.settings
        articles = self.article_scores(terms) if s.article_weight else np.zeros(len(self.article_ids))
        return self.scorer.top(terms, k, self.article_row, articles, s.context_weight,
                               s.article_weight, article_start=self.data.article_start)

    def coverage(self, docs: list[int], terms: list[str]) -> list[tuple[frozenset[str], frozenset[str]]]:
        """For each doc: which of `terms` it holds, and which it and its neighbours hold."""
        known = [t for t in dict.fromkeys(terms) if t in self.term_row][:63]  # bits of an int64
        if not docs:
            return []
        own, near = _masks(self.data.docs.ptr, self.data.docs.terms,
                           np.asarray(docs, dtype=np.int64), self.prev, self.next,
                           np.array([self.term_row[t] for t in known], dtype=np.int64))

        named: dict[int, frozenset[str]] = {}  # few masks recur among the docs

        def names(mask: int) -> frozenset[str]:
            if mask not in named:
                named[mask] = frozenset(t for b, t in enumerate(known) if mask >> b & 1)
            return named[mask]
        return [(names(o), names(n)) for o, n in zip(own.tolist(), near.tolist())]

    def row_of(self, passage_id: str) -> int | None:
        """The row of a passage id such as `001.12`, or None."""
        article_id, _, number = passage_id.rpartition(".")
        a = self._article_number.get(article_id)
        if a is None or not number.isdigit() or str(int(number)) != number:
            return None
        start, end = int(self.data.article_start[a]), int(self.data.article_start[a + 1])
        row = start + int(number) - 1
        return row if start <= row < end else None

    def passage(self, passage_id: str) -> Passage | None:
        row = self.row_of(passage_id)
        return None if row is None else self.passages[row]

    def lookup(self, some_id: str) -> tuple[Passage | None, Article | None]:
        """What a typed id names: (passage, its article), (None, article), or (None, None)."""
        some_id = some_id.strip().casefold()
        passage = self.passage(some_id)
        return passage, self.articles.get(passage.article_id if passage else some_id)

    def ids_starting(self, prefix: str, limit: int) -> list[str]:
        """Passage ids beginning with `prefix`, in sorted order, at most `limit`."""
        order, id_of = self.data.id_order, self.passages.id_of
        start = bisect.bisect_left(range(len(order)), prefix, key=lambda k: id_of(int(order[k])))
        found = []
        for k in range(start, min(start + limit, len(order))):
            some_id = id_of(int(order[k]))
            if not some_id.startswith(prefix):
                break
            found.append(some_id)
        return found

    def passage_count(self, article_id: str) -> int:
        a = self._article_number.get(article_id)
        return 0 if a is None else int(self.data.article_start[a + 1] - self.data.article_start[a])

    def neighbours(self, passage: Passage, before: int = 1, after: int = 1) -> tuple[list[Passage], list[Passage]]:
        """Passages just before and after, within the same article."""
        return self.neighbours_of(self.row_of(passage.id), before, after)

    def neighbours_of(self, i: int, before: int = 1, after: int = 1) -> tuple[list[Passage], list[Passage]]:
        """Passages just before and after row i, within the same article."""
        earlier, _, later = self.in_context(i, before, after)
        return earlier, later

    def in_context(self, i: int, before: int = 1, after: int = 1) -> tuple[list[Passage], Passage, list[Passage]]:
        """(passages just before, passage i, passages just after), within its article: read
        as one run of rows, as an answer shows them."""
        a = int(self.article_row[i])
        start, end = self.data.article_start[a:a + 2].tolist()
        first = max(start, i - before)
        run = self.passages.within(a, start, first, min(end, i + 1 + after))
        return run[:i - first], run[i - first], run[i - first + 1:]
