"""Exact top-k for questions that mix common words with rarer ones, without reading the
common words' postings.

A common word is in a good share of the passages (850,000 postings of a million for a typical
synthetic question) yet adds little to any one of them, so the best passages hold a rarer
word or stand beside one that does. Each passage keeps a bit for each of the `COMMON`
commonest words it holds (`common_bits`; the `IN_BYTE` commonest also in a byte, an array
small enough to stay in the processor's cache). The rare words' postings are merged, and every
passage holding a rare word or beside one gets an upper bound of its ranking score: its rare
words' contributions, and each common word it may hold at that word's highest contribution.
Only passages whose bound can still beat the k-th best found are scored exactly (a few
hundred of a question's tens of thousands), from their own terms (`DocTerms`) with
rank-bm25's formula (`weights.contribution`), term by term in query order: bit for bit what
adding up the postings gives.

Each bound is the same sum as the score it bounds, over values at least as large; rounding
never reverses an inequality, so it holds exactly. A passage far from every rare word holds
common words only, as do its neighbours: such passages are bounded one by one only in the
articles whose own score could lift them to the k-th best. A question whose common words
could outweigh its rarest one, or whose rare words hold too many of its postings, is not tried
(`applies`); when too many passages or articles are left to bound, the result is
not used either, and the caller adds up every posting instead. Of the synthetic benchmark's
questions at a million sentences, over a third are answered here (115 of 300, 21 best).
"""

from __future__ import annotations

import numba
import numpy as np

from . import threads
from .weights import contribution

#: How many of the commonest words get a bit in every passage (the bits of an int64) ...
COMMON = 64
#: ... and how many of those also get one in a byte per passage.
IN_BYTE = 8

#: How many rare passages with the highest bounds are scored first, for a high bar early.
FIRST_ROUND = 64

#: Skipping pays when the rare words have at most this share of the question's postings.
#: Dense synthetic questions at a million sentences, 21 best, median of each question's faster
#: of two runs: 1.25 ms a question with this share, 1.23 with 1/80, 1.36 never skipping, 1.21
#: choosing the faster way for each question (the choice barely matters since the dense sum
#: got cheaper; measured on the benchmark's own questions, so it is left as it was).
RARE_SHARE = 1 / 20

#: ... and at most this share of the docs. The rare docs' work grows with their postings and
#: the dense sum's with the docs, and once the dense sum got faster, questions with many rare
#: postings were quicker summed (at a million sentences, 2 threads, median: 16,000-24,000 rare
#: postings skipped 1.29 ms, summed 1.14; over 32,000, 2.09 and 1.30). Chosen on questions
#: drawn with other seeds than the benchmark's (`benchmarks/scale.py`): each question timed
#: both ways, the total over the questions that skipping applies to, in two sets (199 and 213
#: questions): never 225 and 260 ms; at most 0.008 of the docs 206, 255; 0.016 200, 250; 0.02
#: 202, 248; 0.024 206, 248; 0.04 222, 257.
RARE_DOCS = 1 / 50

#: Past this many passages whose bound from the bytes reaches the bar after the first round,
#: in one part (parts run at once), adding up every posting is likely quicker (measured, in
#: one part: 4.6 ms at 8,000, 2.2 at 3,000).
MOST_CHOSEN = 4096

#: Past this many articles whose score alone could lift a passage without rare words over
#: the bar, adding up every posting is quicker; past this many after the first round (the
#: bar only rises; in one part), it is likely to be.
MOST_ARTICLES = 256
FAR_ARTICLES = 4096


@numba.njit(cache=True, nogil=True)
def _bits(ptr, terms, bit_of):  # pragma: no cover - compiled
    out = np.zeros(len(ptr) - 1, dtype=np.int64)
    for d in range(len(ptr) - 1):
        for j in range(ptr[d], ptr[d + 1]):
            b = bit_of[terms[j]]
            if b >= 0:
                out[d] |= np.int64(1) << b
    return out


@numba.njit(cache=True, nogil=True)
def applies(indptr, rows, bit_of, term_max, n_docs):  # pragma: no cover - compiled
    """Is skipping worth trying for these term rows: some are common (`bit_of` >= 0), the
    others hold at most RARE_SHARE of their postings and RARE_DOCS of the `n_docs` docs,
    and the common ones' highest contributions add up to less than the highest of any other
    (else passages of common words alone may rank, too many to bound). Whatever it says, the
    result is exact: a question it turns away is summed densely. Compiled: as numpy it was a
    dozen small calls, 20-35 µs a question (paired, at a million sentences), cold after the
    question's first loops."""
    any_common, rare, postings = False, 0, 0
    common, highest = 0.0, -np.inf
    for r in rows:
        df = indptr[r + 1] - indptr[r]
        postings += df
        if bit_of[r] >= 0:
            any_common = True
            common += max(term_max[r], 0.0)
        else:
            rare += df
            highest = max(highest, term_max[r])
    return (any_common and 0 < rare <= RARE_SHARE * postings and rare <= RARE_DOCS * n_docs
            and common < highest)


def common_bits(df: np.ndarray, ptr: np.ndarray,
                terms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bit of each term row (-1 for all but the `COMMON` in the most docs, numbered from
    the commonest), each doc's bits, and each doc's byte (the first `IN_BYTE` bits); for
    docs whose terms are terms[ptr[d]:ptr[d+1]] and terms `df` docs hold."""
    bit_of = np.full(len(df), -1, dtype=np.int64)
    commonest = np.argsort(-np.asarray(df), kind="stable")[:COMMON]
    bit_of[commonest] = np.arange(len(commonest))
    bits = _bits(ptr, terms, bit_of)
    return bit_of, bits, (bits & ((1 << IN_BYTE) - 1)).astype(np.uint8)


@numba.njit(cache=True, nogil=True, inline="always")
def _common_bound(bits, known, bit, top):  # pragma: no cover - compiled
    """A bound of the score of a doc without a rare term: in query order, each common term
    it may hold at its highest (`bits` tells for the first `known` bits)."""
    u = 0.0
    for i in range(len(bit)):
        if bit[i] >= 0 and (bit[i] >= known or bits >> bit[i] & 1):
            u += top[i]
    return u


@numba.njit(cache=True, nogil=True, inline="always")
def _rare_bound(j, bits, known, parts, bit, top):  # pragma: no cover - compiled
    """`_common_bound` for rare doc j, its rare contributions (`parts`) added in their
    places: adding 0.0 for a term it lacks keeps a bound a bound."""
    u = 0.0
    p = 0
    for i in range(len(bit)):
        if bit[i] < 0:
            u += parts[j, p]
            p += 1
        elif bit[i] >= known or bits >> bit[i] & 1:
            u += top[i]
    return u


@numba.njit(cache=True, nogil=True, inline="always")
def _near_bound(y, i, rare, bits, known, parts, bit, top):  # pragma: no cover - compiled
    """The bound of doc y's score, y being rare[i] or beside it."""
    for j in range(max(i - 1, 0), min(i + 2, len(rare))):
        if rare[j] == y:
            return _rare_bound(j, bits, known, parts, bit, top)
    return _common_bound(bits, known, bit, top)


@numba.njit(cache=True, nogil=True)
def _rare_docs(indptr, docs, contrib, rows, bit, n):  # pragma: no cover - compiled
    """The docs holding a rare term, ascending, and each one's contributions by rare query
    position (0 where it lacks the term). Merges the rare rows' postings, one cursor per
    query position: a repeated word counts again, as in the exact sum."""
    rare = np.flatnonzero(bit < 0)
    at = indptr[rows[rare]].copy()
    end = indptr[rows[rare] + 1].copy()
    out = np.empty(int((end - at).sum()), dtype=np.int64)
    parts = np.zeros((len(out), len(rare)))
    size = 0
    while True:
        d = n
        for p in range(len(rare)):
            if at[p] < end[p] and docs[at[p]] < d:
                d = docs[at[p]]
        if d == n:
            return out[:size], parts[:size]
        for p in range(len(rare)):
            if at[p] < end[p] and docs[at[p]] == d:
                parts[size, p] = contrib[at[p]]
                at[p] += 1
        out[size] = d
        size += 1


@numba.njit(cache=True, nogil=True)
def _bm25(x, rows, ptr, terms, tf, idf, norm, k1):  # pragma: no cover - compiled
    """Doc x's score from its own terms, added in query order as the postings are added."""
    s = 0.0
    for r in rows:
        for j in range(ptr[x], ptr[x + 1]):
            if terms[j] == r:
                s += contribution(idf[r], tf[j], norm[x], k1)
                break
    return s


@numba.njit(cache=True, nogil=True)
def _rank(x, a, before, after, article_start, rows, ptr, terms, tf, idf, norm, k1,
          article_scores, cw, aw, best, value, bm25, size):  # pragma: no cover - compiled
    """Score doc x (of article a) exactly and rank it into the sorted top list (best, value,
    bm25) as `scoring._best` does; returns the list's new size. `before` and `after` bound
    its neighbours' scores (0 for none): they are scored only when x's own score leaves it
    a chance."""
    k = len(best)
    own = _bm25(x, rows, ptr, terms, tf, idf, norm, k1)
    if own <= 0.0:
        return size
    if size == k and own + cw * before + cw * after + aw * article_scores[a] < value[k - 1]:
        return size
    before = after = 0.0
    if x - 1 >= article_start[a]:
        before = _bm25(x - 1, rows, ptr, terms, tf, idf, norm, k1)
    if x + 1 < article_start[a + 1]:
        after = _bm25(x + 1, rows, ptr, terms, tf, idf, norm, k1)
    s = own + cw * before + cw * after + aw * article_scores[a]
    if size == k and (s < value[k - 1] or (s == value[k - 1] and x > best[k - 1])):
        return size
    j = size if size < k else k - 1
    while j > 0 and (s > value[j - 1] or (s == value[j - 1] and x < best[j - 1])):
        value[j] = value[j - 1]
        best[j] = best[j - 1]
        bm25[j] = bm25[j - 1]
        j -= 1
    value[j] = s
    best[j] = x
    bm25[j] = own
    return size + 1 if size < k else size


@numba.njit(cache=True, nogil=True)
def _refine_and_rank(x, i, a, bar, rare, doc_bits, parts, bit, top, article_start, rows, ptr,
                     terms, tf, idf, norm, k1, article_scores, cw, aw, best, value, bm25,
                     size):  # pragma: no cover - compiled
    """Bound doc x (rare[i] or beside it, of article a) from all the bits of it and its
    neighbours; when that reaches `bar`, score and rank it (`_rank`)."""
    own = _near_bound(x, i, rare, doc_bits[x], COMMON, parts, bit, top)
    before = after = 0.0
    if x - 1 >= article_start[a]:
        before = _near_bound(x - 1, i, rare, doc_bits[x - 1], COMMON, parts, bit, top)
    if x + 1 < article_start[a + 1]:
        after = _near_bound(x + 1, i, rare, doc_bits[x + 1], COMMON, parts, bit, top)
    if own + cw * before + cw * after + aw * article_scores[a] < bar:
        return size
    return _rank(x, a, before, after, article_start, rows, ptr, terms, tf, idf, norm, k1,
                 article_scores, cw, aw, best, value, bm25, size)


@numba.njit(cache=True, nogil=True)
def _kth_highest(values, count):  # pragma: no cover - compiled
    """The count-th highest of `values` (the lowest when there are fewer; inf when none)."""
    top = np.full(count, -np.inf)  # descending
    for v in values:
        if v <= top[count - 1]:
            continue
        j = count - 1
        while j > 0 and v > top[j - 1]:
            top[j] = top[j - 1]
            j -= 1
        top[j] = v
    return top[min(count, len(values)) - 1] if len(values) else np.inf


def best_skipping(indptr, docs, contrib, rows, bit, term_max, doc_bits, doc_byte, ptr, terms,
                  tf, idf, norm, k1, article_start, article_scores, cw, aw, k,
                  parts=1) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(docs, ranking scores, bm25 scores, complete) of the k best docs as `scoring._best`
    ranks them (docs article_start[a]:article_start[a+1] make article a). Of the rows with
    a common `bit` (>= 0), only the highest contributions (`term_max`) and the docs' bits
    are read, never the postings. Exact scores come from each doc's terms (ptr, terms, tf)
    and the weights (idf, norm, k1). When `complete` is False, a doc left out might have
    ranked: the result must not be used.

    The rare docs are taken in `parts` that share none, at once on numba's threads
    (`threads`): in a first round, each part ranks its highest-bound docs into a list of its
    own, and the lists merged set a bar; then the rest (and the articles), each part ranked
    into its own copy of that list: a doc among the k best of all is among the k best of its
    part."""
    args = (indptr, docs, contrib, rows, bit, term_max, doc_bits, doc_byte, ptr, terms, tf, idf,
            norm, k1, article_start, article_scores, cw, aw, k)
    if parts == 1:
        start = _first_round(*args)
    else:
        threads.use(parts)
        start = _first_round_parts(parts, *args)
    rare, rare_parts, top, upper, by_byte, first, best, value, bm25, size, far, ok = start
    if not ok:
        return best[:size], value[:size], bm25[:size], False
    shared = (rare, rare_parts, top, upper, by_byte, first, best, value, bm25, size, far, rows,
              bit, doc_bits, doc_byte, ptr, terms, tf, idf, norm, k1, article_start,
              article_scores, cw, aw)
    parts = max(1, min(parts, len(rare)))
    if parts == 1:
        return _rest(0, len(rare), 0, len(article_scores), *shared)
    cuts = np.arange(parts + 1) * len(rare) // parts
    # a part's articles begin with its first rare doc's (the first part's, with the first)
    article_cuts = np.concatenate(([0], np.searchsorted(article_start, rare[cuts[1:-1]],
                                                        side="right") - 1,
                                   [len(article_scores)]))
    docs, ranking = top_lists(parts, k)
    scores, complete = np.zeros((parts, k)), np.zeros(parts, dtype=np.bool_)
    threads.use(parts)  # the first round's parts may have been more
    _rest_parts(cuts[:-1], cuts[1:], article_cuts[:-1], article_cuts[1:], *shared, docs,
                ranking, scores, complete)
    if not complete.all():
        return best[:size], value[:size], bm25[:size], False
    # the first round's docs are in every part's list: the merge keeps each once
    docs, ranking, scores, size = _merged(docs, ranking, scores, k)
    return docs[:size], ranking[:size], scores[:size], True


def top_lists(parts: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Empty top lists for `parts` parts to rank into, a row each: docs -1, scores -inf."""
    return np.full((parts, k), -1, dtype=np.int64), np.full((parts, k), -np.inf)


@numba.njit(cache=True, nogil=True)
def best_of_parts(docs, ranking, k):  # pragma: no cover - compiled
    """Where in the parts' top lists (`top_lists`, rows perhaps short) the k best of all
    are, as flat positions: each doc once, ranked as `scoring._best` ranks (by score, then
    doc). A doc in several lists has the same score in each. Compiled: numpy's unique and
    lexsort took 10 µs warm, and over 40 cold after the parts' loops."""
    docs, ranking = docs.ravel(), ranking.ravel()
    at = np.empty(k, dtype=np.int64)
    size = 0
    for j in range(len(docs)):
        d, s = docs[j], ranking[j]
        if d < 0 or (size == k and (s < ranking[at[k - 1]] or (
                s == ranking[at[k - 1]] and d > docs[at[k - 1]]))):
            continue
        seen = False
        for i in range(size):
            seen = seen or docs[at[i]] == d
        if seen:
            continue
        i = size if size < k else k - 1
        while i > 0 and (s > ranking[at[i - 1]] or (s == ranking[at[i - 1]]
                                                    and d < docs[at[i - 1]])):
            at[i] = at[i - 1]
            i -= 1
        at[i] = j
        size = min(size + 1, k)
    return at[:size]


@numba.njit(cache=True, nogil=True, parallel=True)
def _rest_parts(lo, hi, a_lo, a_hi, rare, parts, top, upper, by_byte, first, best, value, bm25,
                size, far, rows, bit, doc_bits, doc_byte, ptr, terms, tf, idf, norm, k1,
                article_start, article_scores, cw, aw, best_out, value_out, bm25_out,
                complete):  # pragma: no cover - compiled
    """`_rest` of rare docs lo[p]:hi[p] and articles a_lo[p]:a_hi[p] for every part p, the
    parts at once, into row p of the outputs (`top_lists`, and bm25 scores: rows may end
    short)."""
    for p in numba.prange(len(lo)):
        docs, ranking, scores, done = _rest(
            lo[p], hi[p], a_lo[p], a_hi[p], rare, parts, top, upper, by_byte, first, best,
            value, bm25, size, far, rows, bit, doc_bits, doc_byte, ptr, terms, tf, idf, norm,
            k1, article_start, article_scores, cw, aw)
        best_out[p, :len(docs)] = docs
        value_out[p, :len(docs)] = ranking
        bm25_out[p, :len(docs)] = scores
        complete[p] = done


@numba.njit(cache=True, nogil=True)
def _first_round(indptr, docs, contrib, rows, bit, term_max, doc_bits, doc_byte, ptr, terms,
                 tf, idf, norm, k1, article_start, article_scores, cw, aw,
                 k):  # pragma: no cover - compiled
    """The rare docs and their bounds, and the k best of the FIRST_ROUND with the highest;
    ok is False when that sets no bar or too many articles could still lift a doc over it."""
    rare, parts, top, by_byte, upper, first, best, value, bm25 = _candidates(
        indptr, docs, contrib, rows, bit, term_max, len(ptr) - 1, 1, k)
    size = _round_part(0, len(rare), max(FIRST_ROUND, k), rare, parts, bit, top, rows,
                       doc_bits, doc_byte, upper, first, ptr, terms, tf, idf, norm, k1,
                       article_start, article_scores, cw, aw, best[0], value[0], bm25[0])
    far, ok = _bar_holds(bit, top, cw, aw, article_scores, value[0], size)
    return rare, parts, top, upper, by_byte, first, best[0], value[0], bm25[0], size, far, ok


@numba.njit(cache=True, nogil=True, parallel=True)
def _first_round_parts(n_parts, indptr, docs, contrib, rows, bit, term_max, doc_bits, doc_byte,
                       ptr, terms, tf, idf, norm, k1, article_start, article_scores, cw, aw,
                       k):  # pragma: no cover - compiled
    """`_first_round` with the rare docs in `n_parts` parts at once, each ranking its
    FIRST_ROUND / n_parts highest into a list of its own; the lists merged. In one part the
    first round was half a skipped question's time at a million sentences (median 0.60 ms;
    in two, 0.53, and the rest after it finds the other thread awake)."""
    rare, parts, top, by_byte, upper, first, lists, values, scores = _candidates(
        indptr, docs, contrib, rows, bit, term_max, len(ptr) - 1, n_parts, k)
    count = max(FIRST_ROUND // n_parts, k)
    for p in numba.prange(n_parts):
        _round_part(p * len(rare) // n_parts, (p + 1) * len(rare) // n_parts, count, rare,
                    parts, bit, top, rows, doc_bits, doc_byte, upper, first, ptr, terms, tf,
                    idf, norm, k1, article_start, article_scores, cw, aw, lists[p], values[p],
                    scores[p])
    best, value, bm25, size = _merged(lists, values, scores, k)
    far, ok = _bar_holds(bit, top, cw, aw, article_scores, value, size)
    return rare, parts, top, upper, by_byte, first, best, value, bm25, size, far, ok


@numba.njit(cache=True, nogil=True)
def _candidates(indptr, docs, contrib, rows, bit, term_max, n, n_lists,
                k):  # pragma: no cover - compiled
    """The rare docs and their rare contributions (`_rare_docs`); what each common query
    position adds to a bound; the bound of a doc without a rare term by its byte; room for
    each rare doc's bound and first-round mark; and `n_lists` empty top lists of k."""
    top = np.zeros(len(rows))
    for i in range(len(rows)):
        if bit[i] >= 0:
            top[i] = max(0.0, term_max[i])
    rare, parts = _rare_docs(indptr, docs, contrib, rows, bit, n)
    by_byte = np.empty(1 << IN_BYTE)
    for v in range(len(by_byte)):
        by_byte[v] = _common_bound(v, IN_BYTE, bit, top)
    return (rare, parts, top, by_byte, np.empty(len(rare)), np.zeros(len(rare), dtype=np.bool_),
            np.full((n_lists, k), -1, dtype=np.int64), np.full((n_lists, k), -np.inf),
            np.zeros((n_lists, k)))


@numba.njit(cache=True, nogil=True)
def _round_part(lo, hi, count, rare, parts, bit, top, rows, doc_bits, doc_byte, upper, first,
                ptr, terms, tf, idf, norm, k1, article_start, article_scores, cw, aw, best,
                value, bm25):  # pragma: no cover - compiled
    """Rare docs lo:hi: their bounds from their bytes into `upper`, and the `count` with the
    highest marked in `first` and ranked into the empty list (best, value, bm25), for a bar;
    returns the list's size."""
    for j in range(lo, hi):
        upper[j] = _rare_bound(j, doc_byte[rare[j]], IN_BYTE, parts, bit, top)
    bar = _kth_highest(upper[lo:hi], count)
    size = 0
    a = 0  # walked along with the docs: `article_start` is read in order
    if lo < hi:
        a = np.searchsorted(article_start, rare[lo], side="right") - 1
    for i in range(lo, hi):
        if upper[i] < bar:
            continue
        first[i] = True
        while article_start[a + 1] <= rare[i]:
            a += 1
        size = _refine_and_rank(rare[i], i, a, -np.inf, rare, doc_bits, parts, bit, top,
                                article_start, rows, ptr, terms, tf, idf, norm, k1,
                                article_scores, cw, aw, best, value, bm25, size)
    return size


@numba.njit(cache=True, nogil=True)
def _merged(lists, values, scores, k):  # pragma: no cover - compiled
    """The parts' lists as one of the k best (`best_of_parts`), padded to k."""
    at = best_of_parts(lists, values, k)
    best = np.full(k, -1, dtype=np.int64)
    value = np.full(k, -np.inf)
    bm25 = np.zeros(k)
    lists, values, scores = lists.ravel(), values.ravel(), scores.ravel()
    for i in range(len(at)):
        best[i] = lists[at[i]]
        value[i] = values[at[i]]
        bm25[i] = scores[at[i]]
    return best, value, bm25, len(at)


@numba.njit(cache=True, nogil=True)
def _bar_holds(bit, top, cw, aw, article_scores, value, size):  # pragma: no cover - compiled
    """The most a doc far from every rare one may score beside its neighbours (`far`), and
    whether the first round set a bar that few enough articles could lift such a doc over."""
    ceiling = _common_bound(np.int64(0), 0, bit, top)  # of any doc without a rare term
    far = ceiling + cw * ceiling + cw * ceiling
    k = len(value)
    return far, size == k and np.sum(far + aw * article_scores >= value[k - 1]) <= FAR_ARTICLES


@numba.njit(cache=True, nogil=True)
def _rest(lo, hi, a_lo, a_hi, rare, parts, top, upper, by_byte, first, best, value, bm25, size,
          far, rows, bit, doc_bits, doc_byte, ptr, terms, tf, idf, norm, k1, article_start,
          article_scores, cw, aw):  # pragma: no cover - compiled
    """After the first round, rare docs lo:hi and the docs beside them, and the docs of
    articles a_lo:a_hi far from every rare doc, ranked into a copy of its list."""
    best, value, bm25 = best.copy(), value.copy(), bm25.copy()
    k = len(best)
    n = len(ptr) - 1
    # Each rare doc, and doc beside one, whose bound from the bytes reaches the bar (a rare
    # doc's as found, any other's by its byte) ...
    chosen = np.empty((3 * (hi - lo), 3), dtype=np.int64)  # doc, rare doc, article
    m = 0
    a = 0
    if lo < hi:  # walked along with the docs from the article before the first
        a = max(0, np.searchsorted(article_start, rare[lo] - 1, side="right") - 1)
    for i in range(lo, hi):
        d = rare[i]
        prev = rare[i - 1] if i > 0 else -3
        nxt = rare[i + 1] if i + 1 < len(rare) else n + 3
        lo = d - 1 if d > 0 and d - 1 > prev + 1 else d  # not seen beside prev
        hi = d + 1 if d + 1 < n and d + 1 != nxt else d  # not rare itself
        for x in range(lo, hi + 1):
            if x == d and first[i]:
                continue  # ranked already
            while article_start[a + 1] <= x:
                a += 1
            own = upper[i] if x == d else by_byte[doc_byte[x]]
            before = after = 0.0
            if x - 1 >= article_start[a]:
                before = (upper[i] if x - 1 == d else upper[i - 1] if x - 1 == prev
                          else by_byte[doc_byte[x - 1]])
            if x + 1 < article_start[a + 1]:
                after = (upper[i] if x + 1 == d else upper[i + 1] if x + 1 == nxt
                         else by_byte[doc_byte[x + 1]])
            if own + cw * before + cw * after + aw * article_scores[a] >= value[k - 1]:
                chosen[m, 0], chosen[m, 1], chosen[m, 2] = x, i, a
                m += 1
    if m > MOST_CHOSEN:
        return best[:size], value[:size], bm25[:size], False
    # ... and from all its bits, against the bar as it rises.
    for c in range(m):
        size = _refine_and_rank(chosen[c, 0], chosen[c, 1], chosen[c, 2], value[k - 1], rare,
                                doc_bits, parts, bit, top, article_start, rows, ptr, terms,
                                tf, idf, norm, k1, article_scores, cw, aw, best, value, bm25,
                                size)
    # A doc far from every rare one holds common terms only, as do its neighbours: its
    # ranking score is at most `far` plus its article's share. Only in articles whose share
    # lifts that to the k-th best are such docs bounded one by one.
    lifted = a_lo + np.flatnonzero(far + aw * article_scores[a_lo:a_hi] >= value[k - 1])
    if len(lifted) > MOST_ARTICLES:
        return best[:size], value[:size], bm25[:size], False
    for a in lifted:
        for x in range(article_start[a], article_start[a + 1]):
            r = np.searchsorted(rare, x - 1)
            if r < len(rare) and rare[r] <= x + 1:
                continue  # bounded above
            own = _common_bound(doc_bits[x], COMMON, bit, top)
            before = after = 0.0
            if x - 1 >= article_start[a]:
                before = _common_bound(doc_bits[x - 1], COMMON, bit, top)
            if x + 1 < article_start[a + 1]:
                after = _common_bound(doc_bits[x + 1], COMMON, bit, top)
            if own + cw * before + cw * after + aw * article_scores[a] >= value[k - 1]:
                size = _rank(x, a, before, after, article_start, rows, ptr, terms, tf, idf,
                             norm, k1, article_scores, cw, aw, best, value, bm25, size)
    return best[:size], value[:size], bm25[:size], True
