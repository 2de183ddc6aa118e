"""rank-bm25's formula, in parts: each term's idf, each doc's length norm, and a term's
contribution to a doc's score, operation for operation as `BM25Okapi.get_scores` makes it.

The score matrix is built from these, and a few docs are scored again from them at question
time (`skipping`): one formula, so both give the same bits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np


@dataclass
class Weights:
    """Each term row's idf and each doc's length norm (rank-bm25's denominator term), for
    one k1, b and epsilon."""

    idf: np.ndarray   # float64 per term row
    norm: np.ndarray  # float64 per doc
    k1: float


@numba.njit(cache=True, nogil=True, inline="always")
def contribution(idf, tf, norm, k1):  # pragma: no cover - compiled
    """A term's contribution to a doc's score."""
    return idf * (tf * (k1 + 1) / (tf + norm))


@numba.njit(cache=True, nogil=True)
def _idf(df, n_docs, epsilon):  # pragma: no cover - compiled
    """math.log, summed in term order, negatives replaced by epsilon times the mean."""
    idf = np.empty(len(df))
    idf_sum = 0.0
    for t in range(len(df)):
        idf[t] = math.log(n_docs - df[t] + 0.5) - math.log(df[t] + 0.5)
        idf_sum += idf[t]
    if len(df):
        floor = epsilon * (idf_sum / len(df))
        for t in range(len(df)):
            if idf[t] < 0:
                idf[t] = floor
    return idf


@numba.njit(cache=True, nogil=True)
def _lengths(ptr, tf):  # pragma: no cover - compiled
    out = np.zeros(len(ptr) - 1, dtype=np.int64)
    for d in range(len(ptr) - 1):
        for j in range(ptr[d], ptr[d + 1]):
            out[d] += tf[j]
    return out


def bm25_weights(df: np.ndarray, ptr: np.ndarray, tf: np.ndarray, k1: float, b: float,
                 epsilon: float) -> Weights:
    """The weights of a corpus: `df` docs hold each term; doc d's term counts are
    tf[ptr[d]:ptr[d+1]]."""
    doc_len = _lengths(ptr, tf)
    n_docs = len(doc_len)
    avgdl = int(doc_len.sum()) / n_docs if n_docs else 1.0
    return Weights(_idf(np.asarray(df, dtype=np.int64), n_docs, epsilon),
                   k1 * (1 - b + b * doc_len / avgdl), k1)


@numba.njit(cache=True, nogil=True)
def contributions(indptr, docs, tf, idf, norm, k1):  # pragma: no cover - compiled
    """Every posting's contribution: term t's postings are indptr[t]:indptr[t+1]."""
    out = np.empty(len(docs))
    for t in range(len(indptr) - 1):
        for j in range(indptr[t], indptr[t + 1]):
            out[j] = contribution(idf[t], tf[j], norm[docs[j]], k1)
    return out
