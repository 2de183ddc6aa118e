"""rank-bm25's BM25Okapi scores, served from a term-by-passage matrix of its own contributions.

`BM25Okapi.get_scores` walks every passage for every query word (1.6 s a question at a million
sentences). Here each word's contribution to each passage that contains it is computed once,
with rank-bm25's own formula, operation for operation, and a query adds up only the postings
of its own words, in query order. Adding a word's 0.0 to the passages without it changes
nothing, so the sums are bit for bit those of `get_scores` (tests check this).

Ties in the ranking are broken by passage order (earlier first), which rank-bm25 leaves to
numpy's unstable argsort.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numba
import numpy as np


@dataclass
class ScoreMatrix:
    """Postings per term: passages `docs[indptr[t]:indptr[t+1]]` with their contributions."""

    terms: dict[str, int]
    indptr: np.ndarray   # int64, len(terms) + 1
    docs: np.ndarray     # int32, ascending within each term
    contrib: np.ndarray  # float64, rank-bm25's contribution of the term to the passage
    n_docs: int
    doc_ptr: np.ndarray    # int64, n_docs + 1: the same pairs by passage ...
    doc_terms: np.ndarray  # int32: ... term rows of passage d are doc_terms[doc_ptr[d]:doc_ptr[d+1]]

    def term_rows(self, doc: int) -> list[int]:
        """The rows of the terms passage `doc` holds."""
        return self.doc_terms[self.doc_ptr[doc]:self.doc_ptr[doc + 1]].tolist()

    def rows(self, query: list[str]) -> np.ndarray:
        """Row numbers of the query's known terms, repeats kept, in query order."""
        return np.array([self.terms[t] for t in query if t in self.terms], dtype=np.int64)


def build_matrix(corpus: list[list[str]], k1: float, b: float, epsilon: float) -> ScoreMatrix:
    """The contribution matrix of `BM25Okapi(corpus, k1=k1, b=b, epsilon=epsilon)`."""
    n_docs = len(corpus)
    terms: dict[str, int] = {}  # first appearance order: the order rank-bm25 sums idf in
    flat = np.fromiter((terms.setdefault(t, len(terms)) for doc in corpus for t in doc),
                       dtype=np.int64, count=sum(len(doc) for doc in corpus))
    doc_len = np.array([len(doc) for doc in corpus], dtype=np.int64)
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), doc_len)
    # (term, doc) pairs with their counts, sorted by term then doc.
    pairs, freq = np.unique(flat * max(n_docs, 1) + doc_of, return_counts=True)
    pair_term, pair_doc = np.divmod(pairs, max(n_docs, 1))
    df = np.bincount(pair_term, minlength=len(terms))

    idf = np.empty(len(terms))
    idf_sum, negative = 0.0, []
    for t, count in enumerate(df.tolist()):  # math.log and this order, exactly as rank-bm25
        value = math.log(n_docs - count + 0.5) - math.log(count + 0.5)
        idf[t] = value
        idf_sum += value
        if value < 0:
            negative.append(t)
    if len(terms):
        idf[negative] = epsilon * (idf_sum / len(terms))

    avgdl = int(doc_len.sum()) / n_docs if n_docs else 1.0
    norm = k1 * (1 - b + b * doc_len / avgdl)          # rank-bm25's denominator term, per doc
    q_freq = freq.astype(np.int64)
    contrib = idf[pair_term] * (q_freq * (k1 + 1) / (q_freq + norm[pair_doc]))
    indptr = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    by_doc = np.argsort(pair_doc, kind="stable")
    doc_ptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(pair_doc, minlength=n_docs), out=doc_ptr[1:])
    return ScoreMatrix(terms, indptr, pair_doc.astype(np.int32), contrib, n_docs, doc_ptr,
                       pair_term[by_doc].astype(np.int32))


@numba.njit(cache=True, nogil=True)
def _accumulate(indptr, docs, contrib, rows, scores, touched):  # pragma: no cover - compiled
    """scores[d] += contribution, row by row in query order; returns how many docs it touched."""
    n = 0
    for r in rows:
        for j in range(indptr[r], indptr[r + 1]):
            d = docs[j]
            if scores[d] == 0.0 and contrib[j] != 0.0:
                touched[n] = d
                n += 1
            scores[d] += contrib[j]
    return n


@numba.njit(cache=True, nogil=True)
def _best(touched, n, scores, prev, nxt, article_of, article_scores, cw, aw, k):  # pragma: no cover
    """The k best touched docs by bm25 + cw * neighbours + aw * article; ties: lower doc first."""
    best = np.full(k, -1, dtype=np.int64)
    value = np.full(k, -np.inf)
    size = 0
    for i in range(n):
        d = touched[i]
        s = scores[d]
        if s <= 0.0:
            continue
        if cw != 0.0:
            if prev[d] >= 0:
                s += cw * scores[prev[d]]
            if nxt[d] >= 0:
                s += cw * scores[nxt[d]]
        if aw != 0.0:
            s += aw * article_scores[article_of[d]]
        if size == k and (s < value[k - 1] or (s == value[k - 1] and d > best[k - 1])):
            continue
        j = size if size < k else k - 1
        while j > 0 and (s > value[j - 1] or (s == value[j - 1] and d < best[j - 1])):
            value[j] = value[j - 1]
            best[j] = best[j - 1]
            j -= 1
        value[j] = s
        best[j] = d
        if size < k:
            size += 1
    return best[:size], value[:size]


@numba.njit(cache=True, nogil=True)
def _reset(scores, touched, n):  # pragma: no cover - compiled
    for i in range(n):
        scores[touched[i]] = 0.0


class Scorer:
    """Exact BM25 queries over a `ScoreMatrix`, safe to call from several threads at once."""

    def __init__(self, matrix: ScoreMatrix):
        self.matrix = matrix
        self._local = threading.local()

    def _buffers(self) -> tuple[np.ndarray, np.ndarray]:
        local = self._local
        if getattr(local, "scores", None) is None:
            local.scores = np.zeros(self.matrix.n_docs)
            local.touched = np.empty(self.matrix.n_docs, dtype=np.int64)
        return local.scores, local.touched

    def scores(self, query: list[str]) -> np.ndarray:
        """Every doc's score: what `BM25Okapi.get_scores(query)` returns."""
        m = self.matrix
        out = np.zeros(m.n_docs)
        touched = np.empty(m.n_docs, dtype=np.int64)
        _accumulate(m.indptr, m.docs, m.contrib, m.rows(query), out, touched)
        return out

    def top(self, query: list[str], k: int, prev: np.ndarray, nxt: np.ndarray,
            article_of: np.ndarray, article_scores: np.ndarray, cw: float = 0.0,
            aw: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(docs, ranking scores, bm25 scores) of the k best docs with a positive BM25 score."""
        m = self.matrix
        if m.n_docs == 0 or k <= 0:
            return np.empty(0, np.int64), np.empty(0), np.empty(0)
        scores, touched = self._buffers()
        n = _accumulate(m.indptr, m.docs, m.contrib, m.rows(query), scores, touched)
        try:
            best, value = _best(touched, n, scores, prev, nxt, article_of, article_scores,
                                float(cw), float(aw), k)
            bm25 = scores[best].copy()
        finally:
            _reset(scores, touched, n)
        return best, value, bm25
