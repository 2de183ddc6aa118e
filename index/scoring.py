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

import threading
from dataclasses import dataclass
from functools import cached_property

import numba
import numpy as np

from . import threads
from .skipping import applies, best_of_parts, best_skipping, common_bits, top_lists
from .weights import Weights, bm25_weights, contributions


@dataclass
class ScoreMatrix:
    """Postings per term: passages `docs[indptr[t]:indptr[t+1]]` with their contributions."""

    terms: dict[str, int]
    indptr: np.ndarray   # int64, len(terms) + 1
    docs: np.ndarray     # int32, ascending within each term
    contrib: np.ndarray  # float64, rank-bm25's contribution of the term to the passage
    n_docs: int
    by_doc: DocTerms | None = None  # each doc's own terms and the weights that made the
    weights: Weights | None = None  # contributions: for scoring a few docs on their own

    def rows(self, query: list[str]) -> np.ndarray:
        """Row numbers of the query's known terms, repeats kept, in query order."""
        return np.array([self.terms[t] for t in query if t in self.terms], dtype=np.int64)


@dataclass
class DocTerms:
    """Each document's distinct terms in the order they first appear in it, with counts.

    Term rows are numbered in the order terms first appear in the corpus, which is the order
    rank-bm25 sums idf in; it is all BM25Okapi needs, and far smaller than the texts.
    """

    ptr: np.ndarray    # int64, n_docs + 1: doc d holds terms[ptr[d]:ptr[d+1]]
    terms: np.ndarray  # int32 term rows
    tf: np.ndarray     # int32 counts

    @property
    def n_docs(self) -> int:
        return len(self.ptr) - 1

    def rows_of(self, doc: int) -> np.ndarray:
        return self.terms[self.ptr[doc]:self.ptr[doc + 1]]


@numba.njit(cache=True, nogil=True)
def _distinct(raw, lens, n_ids):  # pragma: no cover - compiled
    """Per doc: distinct ids in first-appearance order with counts, ids renumbered by first
    appearance in the whole corpus. Returns ptr, terms, tf and the old id of each new id."""
    new_id = np.full(n_ids, -1, dtype=np.int64)
    order = np.empty(n_ids, dtype=np.int64)
    last_doc = np.full(n_ids, -1, dtype=np.int64)
    slot = np.empty(n_ids, dtype=np.int64)
    ptr = np.empty(len(lens) + 1, dtype=np.int64)
    terms = np.empty(len(raw), dtype=np.int32)
    tf = np.empty(len(raw), dtype=np.int32)
    n_new = 0
    out = 0
    at = 0
    for d in range(len(lens)):
        ptr[d] = out
        for j in range(at, at + lens[d]):
            t = raw[j]
            if new_id[t] < 0:
                new_id[t] = n_new
                order[n_new] = t
                n_new += 1
            t = new_id[t]
            if last_doc[t] != d:
                last_doc[t] = d
                slot[t] = out
                terms[out] = t
                tf[out] = 1
                out += 1
            else:
                tf[slot[t]] += 1
        at += lens[d]
    ptr[len(lens)] = out
    return ptr, terms[:out].copy(), tf[:out].copy(), order[:n_new].copy()


def doc_terms(raw: np.ndarray, lens: np.ndarray, n_ids: int) -> tuple[DocTerms, np.ndarray]:
    """`DocTerms` of docs given as one run of term ids (`lens` ids each), and for each new
    row the id it had in `raw` (ids unused by any doc get no row)."""
    ptr, terms, tf, order = _distinct(np.asarray(raw, dtype=np.int64),
                                      np.asarray(lens, dtype=np.int64), max(n_ids, 1))
    return DocTerms(ptr, terms, tf), order


@numba.njit(cache=True, nogil=True)
def _merge(ptr, terms, tf, group_start, n_terms):  # pragma: no cover - compiled
    """Docs grouped by consecutive ranges into one doc each (tf summed, first appearance order)."""
    last = np.full(n_terms, -1, dtype=np.int64)
    slot = np.empty(n_terms, dtype=np.int64)
    n_groups = len(group_start) - 1
    out_ptr = np.empty(n_groups + 1, dtype=np.int64)
    out_terms = np.empty(len(terms), dtype=np.int32)
    out_tf = np.empty(len(terms), dtype=np.int32)
    out = 0
    for g in range(n_groups):
        out_ptr[g] = out
        for j in range(ptr[group_start[g]], ptr[group_start[g + 1]]):
            t = terms[j]
            if last[t] != g:
                last[t] = g
                slot[t] = out
                out_terms[out] = t
                out_tf[out] = tf[j]
                out += 1
            else:
                out_tf[slot[t]] += tf[j]
    out_ptr[n_groups] = out
    return out_ptr, out_terms[:out].copy(), out_tf[:out].copy()


def merge_docs(docs: DocTerms, group_start: np.ndarray, n_terms: int) -> DocTerms:
    """Passages to whole articles: the docs `group_start[g]:group_start[g+1]` become doc g."""
    return DocTerms(*_merge(docs.ptr, docs.terms, docs.tf,
                            np.asarray(group_start, dtype=np.int64), max(n_terms, 1)))


@numba.njit(cache=True, nogil=True)
def _transpose(ptr, terms, tf, n_terms):  # pragma: no cover - compiled
    """Doc-major pairs to term-major: indptr, docs ascending per term, and their tf."""
    indptr = np.zeros(n_terms + 1, dtype=np.int64)
    for t in terms:
        indptr[t + 1] += 1
    for t in range(n_terms):
        indptr[t + 1] += indptr[t]
    fill = indptr[:-1].copy()
    docs = np.empty(len(terms), dtype=np.int32)
    out_tf = np.empty(len(terms), dtype=np.int32)
    for d in range(len(ptr) - 1):
        for j in range(ptr[d], ptr[d + 1]):
            t = terms[j]
            docs[fill[t]] = d
            out_tf[fill[t]] = tf[j]
            fill[t] += 1
    return indptr, docs, out_tf


def score_matrix(terms: dict[str, int], docs: DocTerms, k1: float, b: float,
                 epsilon: float) -> ScoreMatrix:
    """The contribution matrix of `BM25Okapi(corpus, k1=k1, b=b, epsilon=epsilon)` for the
    corpus `docs` describes, its term rows numbered by first appearance."""
    indptr, post_docs, post_tf = _transpose(docs.ptr, docs.terms, docs.tf, len(terms))
    w = bm25_weights(np.diff(indptr), docs.ptr, docs.tf, k1, b, epsilon)
    contrib = contributions(indptr, post_docs, post_tf, w.idf, w.norm, w.k1)
    return ScoreMatrix(terms, indptr, post_docs, contrib, docs.n_docs, docs, w)


def build_matrix(corpus: list[list[str]], k1: float, b: float, epsilon: float) -> ScoreMatrix:
    """The contribution matrix of `BM25Okapi(corpus, k1=k1, b=b, epsilon=epsilon)`."""
    ids: dict[str, int] = {}
    raw = np.fromiter((ids.setdefault(t, len(ids)) for doc in corpus for t in doc),
                      dtype=np.int64, count=sum(len(doc) for doc in corpus))
    docs, order = doc_terms(raw, [len(doc) for doc in corpus], len(ids))
    names = list(ids)
    return score_matrix({names[old]: row for row, old in enumerate(order.tolist())}, docs,
                        k1, b, epsilon)


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
def _best(touched, n, scores, article_of, article_scores, cw, aw, k):  # pragma: no cover
    """The k best touched docs by bm25 + cw * neighbours + aw * article; ties: lower doc first.
    Neighbours are the docs either side in the same article."""
    best = np.full(k, -1, dtype=np.int64)
    value = np.full(k, -np.inf)
    size = 0
    last = len(article_of) - 1  # the scores buffer is longer: padded to whole blocks
    for i in range(n):
        d = touched[i]
        s = scores[d]
        if s <= 0.0:
            continue
        a = article_of[d]
        before = scores[d - 1] if d > 0 and article_of[d - 1] == a else 0.0
        after = scores[d + 1] if d < last and article_of[d + 1] == a else 0.0
        s = s + cw * before + cw * after + aw * article_scores[a]
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


#: Docs per block when a query touches most docs: blocks are ranked by an upper bound of
#: their best ranking score, and only blocks that can still hold a top-k doc are looked into.
BLOCK = 256
#: How many of the highest-bound blocks are ranked before the rest are scanned in order.
FIRST_BLOCKS = 48


#: Below this many docs a question is not split between threads: handing the parts over
#: costs more than it saves (the synthetic benchmark's dense questions on 2 cores, ranked
#: any way, median of three runs each: 30,000 docs 0.17 ms in one part, 0.18 in two;
#: 100,000 docs 0.36-0.38 ms and 0.29-0.30).
SPLIT_MIN_DOCS = 50_000
#: ... and their scores alone are summed in parts from this many docs on (median, summing
#: alone: 10,000 docs 0.016 ms in one part, 0.019 in two; 30,000 docs 0.045 and 0.035).
SUM_SPLIT_MIN_DOCS = 20_000


#: Docs summed at a time by the dense path: their scores (512 KB) stay in the processor's L2
#: cache while every query row's postings for them are added and their blocks' maxima taken,
#: where summing the whole part row by row, then zeroing and scanning it, went out to memory
#: for the scores three times. The postings are read from memory either way, which is why
#: the gain is modest: dense questions at a million sentences, median, one thread 3.0-3.1 ms
#: -> 2.3-2.8 ms, two threads 1.5-1.6 -> 1.3-1.5 ms (alternating runs; tiles of 16,384 to
#: 262,144 docs within noise of each other).
TILE = 65_536


#: A term in more than this share of the docs is also kept doc by doc (`DenseRows`), and the
#: dense path adds it from there: two bytes a doc read in order, where its postings are twelve
#: bytes a posting added at scattered docs. Dense questions at a million sentences, median,
#: two threads: 1.55 -> 1.08 ms with terms in over a third of the docs (4 terms), 1.12 over a
#: fifth (9), 1.20 over a tenth (22).
DENSE_SHARE = 1 / 3


@dataclass
class DenseRows:
    """The commonest term rows again, doc by doc: term row r adds values[slot[r], c] to doc
    d, where c = classes[slot[r], d]. A term's contributions take few values (one per count
    and length), the exact ones of its postings; class 0 is 0.0, for docs without it."""

    slot: np.ndarray     # int64 per term row: its row in `classes`, or -1 for none
    classes: np.ndarray  # uint16, (dense rows, docs padded to whole blocks)
    values: np.ndarray   # float64, (dense rows, 1 + most values of any)


def dense_rows(m: ScoreMatrix) -> DenseRows:
    """`DenseRows` of the term rows in more than DENSE_SHARE of the docs (each takes two
    bytes a doc, less than half of its postings' twelve bytes a posting)."""
    df = np.diff(m.indptr)
    tables = {}
    for r in np.flatnonzero(df > DENSE_SHARE * m.n_docs).tolist():
        values, number = np.unique(m.contrib[m.indptr[r]:m.indptr[r + 1]], return_inverse=True)
        if len(values) < np.iinfo(np.uint16).max:  # a class number fits in two bytes
            tables[r] = values, number
    slot = np.full(len(df), -1, dtype=np.int64)
    classes = np.zeros((len(tables), -(-m.n_docs // BLOCK) * BLOCK), dtype=np.uint16)
    table = np.zeros((len(tables), 1 + max((len(v) for v, _ in tables.values()), default=0)))
    for s, (r, (values, number)) in enumerate(tables.items()):
        slot[r] = s
        classes[s, m.docs[m.indptr[r]:m.indptr[r + 1]]] = number + 1
        table[s, 1:1 + len(values)] = values
    return DenseRows(slot, classes, table)


@numba.njit(cache=True, nogil=True)
def _sum_part(indptr, docs, contrib, slot, classes, values, rows, scores, block_max, lo, hi,
              tile):  # pragma: no cover - compiled
    """The dense sum for docs lo:hi (whole blocks), `tile` docs (whole blocks) at a time:
    their scores set to the sum of their contributions, whatever they held before, and their
    blocks' highest scores. Rows kept doc by doc (`DenseRows`: slot, classes, values) are
    added from there. Each doc still gets its contributions in query order, so the bits are
    the same; parts share no doc, so threads may each take one at once.

    A tile starts from its first row's values when that row is kept doc by doc (else from
    zeros), and takes its blocks' highest scores while adding the last row when that one is:
    a pass over the tile fewer each (a + b is b + a, exactly, so of the first two rows one
    kept doc by doc goes first). Dense questions at a million sentences, summing alone in two
    parts, median of alternating runs: 0.89, 0.83 -> 0.80, 0.75 ms.

    The loops over a tile's docs and postings index through a slice from 0 or with an
    unsigned doc: numba checks a signed index for a negative one (-1 is the last) on every
    read, and that kept these loops slow (`_set_row` says more). Summing alone, paired in
    one process, median: one part 1.46-1.58 -> 1.11-1.21 ms, two parts 1.00-1.04 -> 0.68-0.74
    ms."""
    rows = rows.copy()
    if len(rows) > 1 and slot[rows[0]] < 0 and slot[rows[1]] >= 0:
        rows[0], rows[1] = rows[1], rows[0]
    set_first = len(rows) > 0 and slot[rows[0]] >= 0
    max_last = len(rows) > 1 and slot[rows[-1]] >= 0
    at = np.empty(len(rows), dtype=np.int64)  # each row's first posting not yet added
    for i in range(len(rows)):
        start, end = indptr[rows[i]], indptr[rows[i] + 1]
        at[i] = start if slot[rows[i]] >= 0 else start + np.searchsorted(docs[start:end], lo)
    for first in range(lo, hi, tile):
        last = min(hi, first + tile)
        if set_first:
            _set_row(scores[first:last], classes[slot[rows[0]], first:last],
                     values[slot[rows[0]]])
        else:
            scores[first:last] = 0.0
        for i in range(1 if set_first else 0, len(rows) - 1 if max_last else len(rows)):
            s = slot[rows[i]]
            if s >= 0:
                _add_row(scores[first:last], classes[s, first:last], values[s])
                continue
            # the row's postings below `last`: no more of them than docs in the tile
            j, below, above = at[i], at[i], min(indptr[rows[i] + 1], at[i] + last - first)
            while below < above:
                middle = (below + above) >> 1
                if docs[middle] < last:
                    below = middle + 1
                else:
                    above = middle
            for p in range(j, below):
                scores[np.uint32(docs[p])] += contrib[p]  # unsigned: never wrapped around
            at[i] = below
        if max_last:
            number, value = classes[slot[rows[-1]]], values[slot[rows[-1]]]
            for b in range(first // BLOCK, last // BLOCK):
                block_max[b] = _add_block_max(scores[b * BLOCK:(b + 1) * BLOCK],
                                              number[b * BLOCK:(b + 1) * BLOCK], value)
        else:
            for b in range(first // BLOCK, last // BLOCK):
                block_max[b] = _block_max(scores[b * BLOCK:(b + 1) * BLOCK])


@numba.njit(cache=True, nogil=True, inline="always")
def _set_row(scores, number, value):  # pragma: no cover - compiled
    """scores = a row kept doc by doc. Indexed from 0 to len: numba then knows no index is
    negative and leaves out its wraparound (i < 0 ? i + len : i) at every read and write,
    which it kept in the loop over range(first, last) this replaces (one row kept doc by doc
    over a million docs, summing alone, median: one part 1.00-1.08 -> 0.68-0.74 ms, two
    parts 0.94-0.98 -> 0.46-0.53 ms, with the block maxima read the same way)."""
    for d in range(len(scores)):
        scores[d] = value[number[d]]


@numba.njit(cache=True, nogil=True, inline="always")
def _add_row(scores, number, value):  # pragma: no cover - compiled
    """scores += a row kept doc by doc, indexed as `_set_row` is."""
    for d in range(len(scores)):
        scores[d] += value[number[d]]


@numba.njit(cache=True, nogil=True, inline="always")
def _add_block_max(scores, number, value):  # pragma: no cover - compiled
    """Add a row kept doc by doc to a block's scores; return their highest (as
    `_block_max` keeps it, four at a time)."""
    m0 = m1 = m2 = m3 = -np.inf
    for d in range(0, BLOCK, 4):
        s0 = scores[d] + value[number[d]]
        s1 = scores[d + 1] + value[number[d + 1]]
        s2 = scores[d + 2] + value[number[d + 2]]
        s3 = scores[d + 3] + value[number[d + 3]]
        scores[d], scores[d + 1], scores[d + 2], scores[d + 3] = s0, s1, s2, s3
        m0, m1, m2, m3 = max(m0, s0), max(m1, s1), max(m2, s2), max(m3, s3)
    return max(max(m0, m1), max(m2, m3))


@numba.njit(cache=True, nogil=True, inline="always")
def _block_max(scores):  # pragma: no cover - compiled
    """The highest of a block's scores, kept four at a time: one running maximum
    waits on every comparison before it (0.8 ms a million docs; four, 0.4 ms)."""
    m0, m1, m2, m3 = scores[0], scores[1], scores[2], scores[3]
    for d in range(4, BLOCK, 4):
        m0 = max(m0, scores[d])
        m1 = max(m1, scores[d + 1])
        m2 = max(m2, scores[d + 2])
        m3 = max(m3, scores[d + 3])
    return max(max(m0, m1), max(m2, m3))


@numba.njit(cache=True, nogil=True, parallel=True)
def _sum_parts(indptr, docs, contrib, slot, classes, values, rows, scores, block_max, starts,
               stops, tile):  # pragma: no cover - compiled
    """`_sum_part` of docs starts[p]:stops[p] for every part p, the parts at once."""
    for p in numba.prange(len(starts)):
        _sum_part(indptr, docs, contrib, slot, classes, values, rows, scores, block_max,
                  starts[p], stops[p], tile)


@numba.njit(cache=True, nogil=True, parallel=True)
def _best_parts(scores, n, article_start, article_scores, cw, aw, k, block_max, starts, stops,
                best, value):  # pragma: no cover - compiled
    """`_best_blocks` of blocks starts[p]:stops[p] for every part p, the parts at once, into
    row p of best and value (`skipping.top_lists`: rows may end short)."""
    for p in numba.prange(len(starts)):
        docs, ranking = _best_blocks(scores, n, article_start, article_scores, cw, aw, k,
                                     block_max, starts[p], stops[p])
        best[p, :len(docs)] = docs
        value[p, :len(docs)] = ranking


@numba.njit(cache=True, nogil=True)
def _best_blocks(scores, n, article_start, article_scores, cw, aw, k, block_max, start,
                 stop):  # pragma: no cover - compiled
    """The k best docs of blocks start:stop, as `_best` ranks them, looking into blocks from
    the highest bound down until no block left can beat the k-th. A block's bound is its
    ranking sum taken over the block's best score (itself and as a neighbour) and best
    article: every term is at least the real one, and rounding never reverses an
    inequality, so the bound holds exactly. Every doc's score must be summed: a block's
    docs read their neighbours' either side.

    Articles are found by walking `article_start` (article a's docs begin at
    article_start[a]) along the blocks: reading each block's ends in a per-doc article array
    (8 MB at a million docs) missed the cache twice a block, right after the sum had filled
    it; dense questions at a million sentences, ranking alone after a two-part sum, paired in
    one process, median 0.31-0.33 -> 0.26-0.27 ms."""
    n_blocks = len(block_max)
    bound = np.full(n_blocks, -np.inf)
    near = np.zeros(n_blocks)  # the best score in the block and either side
    best_article = np.zeros(n_blocks)  # the best score of an article in the block
    first_article = np.zeros(n_blocks, dtype=np.int64)  # the article of the block's first doc
    a = np.searchsorted(article_start, start * BLOCK, side="right") - 1
    for b in range(start, stop):
        lo, hi = b * BLOCK, min(n, (b + 1) * BLOCK)
        while article_start[a + 1] <= lo:
            a += 1
        first_article[b] = a
        if block_max[b] <= 0.0:
            continue
        near[b] = block_max[b]
        if b > 0:
            near[b] = max(near[b], block_max[b - 1])
        if b + 1 < n_blocks:
            near[b] = max(near[b], block_max[b + 1])
        best_article[b] = article_scores[a]
        j = a + 1
        while article_start[j] < hi:
            best_article[b] = max(best_article[b], article_scores[j])
            j += 1
        bound[b] = block_max[b] + cw * near[b] + cw * near[b] + aw * best_article[b]
    # The few highest bounds first, for a high bar early; then every block still above it.
    first = np.full(min(FIRST_BLOCKS, stop - start), -1, dtype=np.int64)
    for b in range(start, stop):
        j = len(first)
        while j > 0 and (first[j - 1] < 0 or bound[b] > bound[first[j - 1]]):
            j -= 1
        if j < len(first):
            for i in range(len(first) - 1, j, -1):
                first[i] = first[i - 1]
            first[j] = b
    best = np.full(k, -1, dtype=np.int64)
    value = np.full(k, -np.inf)
    done = np.zeros(n_blocks, dtype=np.bool_)
    size = 0
    for b in np.concatenate((first, np.arange(start, stop))):
        if b < 0 or done[b] or bound[b] == -np.inf or (size == k and bound[b] < value[k - 1]):
            continue
        done[b] = True
        size = _rank_block(scores, n, article_start, article_scores, cw, aw, b,
                           first_article[b], near[b], best_article[b], best, value, size)
    return best[:size], value[:size]


@numba.njit(cache=True, nogil=True)
def _rank_block(scores, n, article_start, article_scores, cw, aw, b, a, near, best_article,
                best, value, size):  # pragma: no cover - compiled
    """Rank the docs of block b, whose first doc is in article a, into the sorted top list
    (best, value); returns its new size. Once the list is full, a doc whose own score cannot
    reach the list's last even beside the block's best (`near`) in its best article is
    passed over unread: the bound is the same sum over values at least as large, so it holds
    exactly.

    The ranking step is `_best`'s, written out again on purpose: as a shared compiled helper
    it made the slowest questions at a million sentences twice as slow (p99 4.3 -> 10 ms)."""
    k = len(best)
    start = b * BLOCK
    block = scores[start:min(n, start + BLOCK)]
    for i in range(len(block)):
        s = block[i]
        if s <= 0.0 or (size == k and s + cw * near + cw * near + aw * best_article
                        < value[k - 1]):
            continue
        d = start + i
        while article_start[a + 1] <= d:
            a += 1
        before = scores[d - 1] if d - 1 >= article_start[a] else 0.0
        after = scores[d + 1] if d + 1 < article_start[a + 1] else 0.0
        s = s + cw * before + cw * after + aw * article_scores[a]
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
    return size


@numba.njit(cache=True, nogil=True)
def _masks(ptr, terms, docs, prev, nxt, wanted):  # pragma: no cover - compiled
    """For each doc, bit b set when it holds term row wanted[b]: (its own, with neighbours)."""
    own = np.zeros(len(docs), dtype=np.int64)
    near = np.zeros(len(docs), dtype=np.int64)
    for c in range(len(docs)):
        for k in range(3):
            doc = docs[c] if k == 0 else (prev[docs[c]] if k == 1 else nxt[docs[c]])
            if doc < 0:
                continue
            m = 0
            for j in range(ptr[doc], ptr[doc + 1]):
                for b in range(len(wanted)):
                    if wanted[b] == terms[j]:
                        m |= 1 << b
            if k == 0:
                own[c] = m
            near[c] |= m
    return own, near


class Scorer:
    """Exact BM25 queries over a `ScoreMatrix`, safe to call from several threads at once."""

    def __init__(self, matrix: ScoreMatrix, threads: int = 1):
        self.matrix = matrix
        self.threads = max(1, threads)  # how many parts a question may be worked in at once
        self._local = threading.local()

    def _parts(self, summing_only: bool = False) -> int:
        """How many parts a question is worked in at once: `threads`, unless the docs are
        too few for handing parts over to pay, or the parts could not run at once here."""
        if self.threads == 1 or self.matrix.n_docs < (SUM_SPLIT_MIN_DOCS if summing_only
                                                       else SPLIT_MIN_DOCS):
            return 1
        return self.threads if threads.available() else 1

    def _sum(self, rows: np.ndarray, scores: np.ndarray, block_max: np.ndarray,
             parts: int) -> np.ndarray:
        """Every doc's score into `scores` (whole blocks) and each block's highest into
        `block_max`, the docs in `parts` parts of whole blocks summed at once; returns the
        cuts between the parts, in blocks."""
        m, d = self.matrix, self.dense_rows
        cuts = np.arange(parts + 1) * len(block_max) // parts
        if parts == 1:
            _sum_part(m.indptr, m.docs, m.contrib, d.slot, d.classes, d.values, rows, scores,
                      block_max, 0, len(scores), TILE)
        else:
            threads.use(parts)
            _sum_parts(m.indptr, m.docs, m.contrib, d.slot, d.classes, d.values, rows, scores,
                       block_max, cuts[:-1] * BLOCK, cuts[1:] * BLOCK, TILE)
        return cuts

    def _buffers(self) -> tuple[np.ndarray, np.ndarray]:
        local = self._local
        if getattr(local, "scores", None) is None:
            n = self.matrix.n_docs
            local.scores = np.zeros(-(-n // BLOCK) * BLOCK)  # whole blocks; the tail stays 0
            local.touched = np.empty(n, dtype=np.int64)
        return local.scores, local.touched

    def _dense_buffers(self) -> tuple[np.ndarray, np.ndarray]:
        """The dense path's own scores and block maxima, overwritten by each question: the
        sparse path's buffer must stay zero outside the docs it touched."""
        local = self._local
        if getattr(local, "summed", None) is None:
            n_blocks = -(-self.matrix.n_docs // BLOCK)
            local.summed = np.empty(n_blocks * BLOCK)  # whole blocks
            local.block_max = np.empty(n_blocks)
        return local.summed, local.block_max

    def _dense_top(self, rows: np.ndarray, k: int, article_start: np.ndarray,
                   article_scores: np.ndarray, cw: float, aw: float,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`top` by adding up every posting, the docs split into `_parts()` parts of whole
        blocks: every part is summed at once, then every part ranked at once (a part's docs
        read their neighbours' scores across its edges), and the parts' best merged."""
        m = self.matrix
        summed, block_max = self._dense_buffers()
        parts = self._parts()
        cuts = self._sum(rows, summed, block_max, parts)
        if parts == 1:
            best, value = _best_blocks(summed, m.n_docs, article_start, article_scores, cw, aw,
                                       k, block_max, 0, len(block_max))
            return best, value, summed[best]
        best, value = top_lists(parts, k)
        _best_parts(summed, m.n_docs, article_start, article_scores, cw, aw, k, block_max,
                    cuts[:-1], cuts[1:], best, value)
        at = best_of_parts(best, value, k)
        best = best.ravel()[at]
        return best, value.ravel()[at], summed[best]

    @cached_property
    def term_max(self) -> np.ndarray:
        """The most each term row adds to any one doc's score (0 for a term in none)."""
        m = self.matrix
        out = np.zeros(len(m.indptr) - 1)
        starts = np.flatnonzero(np.diff(m.indptr))
        if len(starts):  # rows between two starts are empty, so each segment is one row's
            out[starts] = np.maximum.reduceat(m.contrib, m.indptr[starts])
        return out

    @cached_property
    def dense_rows(self) -> DenseRows:
        """The commonest term rows doc by doc, for the dense path."""
        return dense_rows(self.matrix)

    @cached_property
    def common_bits(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which term rows are common, and which of them each doc holds (`skipping`)."""
        m = self.matrix
        return common_bits(np.diff(m.indptr), m.by_doc.ptr, m.by_doc.terms)

    def scores(self, query: list[str]) -> np.ndarray:
        """Every doc's score: what `BM25Okapi.get_scores(query)` returns. Summed as the dense
        path sums: the commonest terms from `dense_rows` (the article scores every question
        needs at a million sentences, median 0.35 -> 0.15 ms), in parts from
        `SUM_SPLIT_MIN_DOCS` docs on when the scorer has threads (a byline question's
        passage scores; the article scorer has none, `SearchIndex._scorers` says why)."""
        n_blocks = -(-self.matrix.n_docs // BLOCK)
        out = np.empty(n_blocks * BLOCK)
        self._sum(self.matrix.rows(query), out, np.empty(n_blocks),
                  self._parts(summing_only=True))
        return out[:self.matrix.n_docs]

    def _skipping(self, rows: np.ndarray, k: int, article_start: np.ndarray,
                  article_scores: np.ndarray, cw: float, aw: float,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """`skipping.best_skipping` for a query of common and rare terms, or None when it
        does not apply or cannot prove its result."""
        m, f, w = self.matrix, self.matrix.by_doc, self.matrix.weights
        bit_of, doc_bits, doc_byte = self.common_bits
        if not applies(m.indptr, rows, bit_of, self.term_max, m.n_docs):
            return None
        best, value, bm25, complete = best_skipping(
            m.indptr, m.docs, m.contrib, rows, bit_of[rows], self.term_max[rows], doc_bits,
            doc_byte, f.ptr, f.terms, f.tf, w.idf, w.norm, w.k1, article_start, article_scores,
            cw, aw, k, self._parts())
        return (best, value, bm25) if complete else None

    def top(self, query: list[str], k: int, article_of: np.ndarray, article_scores: np.ndarray,
            cw: float = 0.0, aw: float = 0.0, dense: bool | None = None,
            article_start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(docs, ranking scores, bm25 scores) of the k best docs with a positive BM25 score.

        The ranking score is bm25 + cw * (the bm25 of the docs either side in the same
        article) + aw * the article's score (`article_start`: each article's first doc, and
        the end, when the caller has them). A query whose postings cover a good share of the
        docs (`dense`, chosen when None) is ranked from its rarer terms' postings when that
        provably finds the best (`skipping`), else summed densely and ranked block by block;
        every way gives the same result, bit for bit. cw and aw must not be negative (the
        bounds assume it; settings enforce it).
        """
        m = self.matrix
        if m.n_docs == 0 or k <= 0:
            return np.empty(0, np.int64), np.empty(0), np.empty(0)
        rows = m.rows(query)
        if dense is None:
            dense = int((m.indptr[rows + 1] - m.indptr[rows]).sum()) * 20 > m.n_docs
        scores, touched = self._buffers()
        cw, aw = float(cw), float(aw)
        if dense and article_start is None:
            article_start = np.searchsorted(article_of, np.arange(len(article_scores) + 1))
        if dense and m.weights is not None:
            found = self._skipping(rows, k, article_start, article_scores, cw, aw)
            if found is not None:
                return found
        if dense:
            return self._dense_top(rows, k, article_start, article_scores, cw, aw)
        n = _accumulate(m.indptr, m.docs, m.contrib, rows, scores, touched)
        try:
            best, value = _best(touched, n, scores, article_of, article_scores, cw, aw, k)
            return best, value, scores[best].copy()
        finally:
            _reset(scores, touched, n)
