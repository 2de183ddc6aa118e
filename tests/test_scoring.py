"""The fast scorer against its definition: rank-bm25's BM25Okapi, bit for bit."""

import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numba
import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from index import scoring, skipping, threads
from index.scoring import Scorer, build_matrix, doc_terms, merge_docs, score_matrix

ROOT = Path(__file__).resolve().parent.parent

#: Loops in parts run on numba's thread-safe threading layer: the system's libgomp, or tbb.
needs_threads = pytest.mark.skipif(not threads.available(),
                                   reason="no thread-safe threading layer on this machine")

VOCABULARY = [f"w{i}" for i in range(2000)]
ZIPF = [1 / (i + 1) for i in range(len(VOCABULARY))]


def corpus(rng: random.Random, n: int) -> list[list[str]]:
    docs = [rng.choices(VOCABULARY, ZIPF, k=rng.randint(1, 40)) for _ in range(n)]
    docs[3] = []  # an empty passage (a headline of stopwords) is legal
    return docs


def queries(rng: random.Random, n: int) -> list[list[str]]:
    out = []
    for _ in range(n):
        q = rng.choices(VOCABULARY, ZIPF, k=rng.randint(1, 8))
        if rng.random() < 0.3:
            q.append("never-in-the-corpus")
        if rng.random() < 0.3:
            q += q[:2]  # repeated words count again, as in rank-bm25
        out.append(q)
    return out


def reference_top(scores: np.ndarray, k: int) -> list[int]:
    """The documented order: score, then passage order; passages scoring 0 are no match."""
    positive = [i for i in range(len(scores)) if scores[i] > 0]
    return sorted(positive, key=lambda i: (-scores[i], i))[:k]


def reference_ranking(scores, article_of, article_scores, cw, aw, k):
    """The ranking score spelled out: bm25 + cw * neighbours in the same article + aw * article."""
    n, out = len(scores), []
    for d in range(n):
        if scores[d] <= 0:
            continue
        s = scores[d]
        if d > 0 and article_of[d - 1] == article_of[d]:
            s += cw * scores[d - 1]
        if d + 1 < n and article_of[d + 1] == article_of[d]:
            s += cw * scores[d + 1]
        s += aw * article_scores[article_of[d]]
        out.append((-s, d))
    return [d for _, d in sorted(out)[:k]], sorted(-s for s, _ in out)[::-1][:k]


@pytest.mark.parametrize("k1, b, epsilon", [(1.5, 0.75, 0.25), (0.6, 0.3, 0.25), (1.2, 0.0, 1.0)])
def test_scores_and_top10_match_rank_bm25(k1, b, epsilon):
    rng = random.Random(f"{k1}{b}{epsilon}")
    docs = corpus(rng, 3000)
    reference = BM25Okapi(docs, k1=k1, b=b, epsilon=epsilon)
    scorer = Scorer(build_matrix(docs, k1, b, epsilon))
    alone = np.arange(len(docs))  # every doc its own article: no neighbours
    for query in queries(rng, 400):
        expected = reference.get_scores(query)
        got = scorer.scores(query)
        assert np.array_equal(got, expected), query  # bit for bit, so 1e-6 relative too
        for dense in (False, True):
            best, ranking, bm25 = scorer.top(query, 10, alone, np.zeros(len(docs)), dense=dense)
            assert best.tolist() == reference_top(expected, 10), query
            assert np.array_equal(bm25, expected[best]) and np.array_equal(ranking, bm25)


@pytest.mark.parametrize("dense", [False, True, None])
def test_ties_break_by_passage_order(dense):
    docs = [["a", "b"], ["c"], ["a", "b"], ["a", "b"], ["d"]]
    scorer = Scorer(build_matrix(docs, 1.2, 0.75, 0.25))
    best, _, _ = scorer.top(["a"], 2, np.arange(5), np.zeros(5), dense=dense)
    assert best.tolist() == [0, 2]


def test_context_and_article_weights_add_to_the_ranking():
    docs = [["x"], ["y"], ["y"], ["x", "y"]] + [[f"z{n}"] for n in range(10)]
    scorer = Scorer(build_matrix(docs, 1.2, 0.75, 0.25))
    bm25 = scorer.scores(["y"])
    article_of = np.array([0, 0, 0, 1] + [1] * 10)
    articles = np.array([1.0, 5.0])
    for dense in (False, True):
        best, ranking, _ = scorer.top(["y"], 4, article_of, articles, 0.5, 0.1, dense=dense)
        expected = {1: bm25[1] + 0.5 * (bm25[0] + bm25[2]) + 0.1,
                    2: bm25[2] + 0.5 * bm25[1] + 0.1, 3: bm25[3] + 0.5}
        assert dict(zip(best.tolist(), ranking.tolist())) == pytest.approx(expected)


def test_both_ways_of_ranking_agree_bit_for_bit_with_the_spelled_out_sum():
    rng = random.Random(11)
    docs = corpus(rng, 5000)  # 20 blocks of 256, so blocks are skipped
    scorer = Scorer(build_matrix(docs, 0.6, 0.3, 0.25))
    article_of = np.repeat(np.arange(500), 10)
    articles = np.array([rng.random() * 5 for _ in range(500)])
    for query in queries(rng, 150):
        want = reference_ranking(scorer.scores(query), article_of, articles, 0.1, 0.2, 50)
        for dense in (False, True):
            best, ranking, _ = scorer.top(query, 50, article_of, articles, 0.1, 0.2, dense=dense)
            assert (best.tolist(), ranking.tolist()) == want, (query, dense)


@pytest.mark.parametrize("threads", [1, 2])
def test_articles_of_any_length_rank_the_same_every_way(monkeypatch, threads):
    """Blocks are ranked by walking the articles' first docs: articles longer than a block,
    of one doc, or of none (a block's best article may be any), at either end of a part."""
    monkeypatch.setattr(scoring, "SPLIT_MIN_DOCS", 0)
    rng = random.Random(f"lengths{threads}")
    docs = corpus(rng, 3000)
    lengths = []
    while sum(lengths) < len(docs):
        lengths.append(rng.choice([0, 1, 2, 7, 255, 256, 257, 600]))
    lengths[-1] -= sum(lengths) - len(docs)
    lengths = [0] + lengths + [0]
    article_of = np.repeat(np.arange(len(lengths)), lengths)
    articles = np.array([rng.random() * 5 for _ in lengths])
    scorer = Scorer(build_matrix(docs, 0.6, 0.3, 0.25), threads=threads)
    for query in queries(rng, 100):
        want = reference_ranking(scorer.scores(query), article_of, articles, 0.1, 0.2, 30)
        for dense in (False, True):
            best, ranking, _ = scorer.top(query, 30, article_of, articles, 0.1, 0.2, dense=dense)
            assert (best.tolist(), ranking.tolist()) == want, (query, dense)


@pytest.mark.parametrize("n_docs, threads, tile", [(5000, 2, scoring.TILE), (5000, 3, 256),
                                                   (5000, 1, 512), (300, 4, 256)])
def test_a_dense_question_summed_in_parts_at_once_ranks_bit_for_bit_the_same(
        monkeypatch, n_docs, threads, tile):
    monkeypatch.setattr(scoring, "SPLIT_MIN_DOCS", 0)  # split even this small corpus
    monkeypatch.setattr(scoring, "SUM_SPLIT_MIN_DOCS", 0)
    monkeypatch.setattr(scoring, "TILE", tile)  # and sum each part a few blocks at a time
    rng = random.Random(f"parts{n_docs}")
    docs = corpus(rng, n_docs)
    matrix = build_matrix(docs, 0.6, 0.3, 0.25)
    split, whole = Scorer(matrix, threads=threads), Scorer(matrix)
    article_of = np.repeat(np.arange(n_docs // 10), 10)
    articles = np.array([rng.random() * 5 for _ in range(n_docs // 10)])
    asked = queries(rng, 100)
    want = [reference_ranking(whole.scores(q), article_of, articles, 0.1, 0.2, 50) for q in asked]

    def ranked(query):
        best, ranking, bm25 = split.top(query, 50, article_of, articles, 0.1, 0.2, dense=True)
        assert np.array_equal(bm25, whole.scores(query)[best])
        assert np.array_equal(split.scores(query), whole.scores(query))
        return best.tolist(), ranking.tolist()

    assert [ranked(q) for q in asked] == want
    with ThreadPoolExecutor(4) as callers:  # several questions at once, each split again
        assert list(callers.map(ranked, asked)) == want


@pytest.mark.parametrize("tile", [256, 512, 1024, scoring.TILE])
@pytest.mark.parametrize("share", [1 / 3, 1 / 50, 1.0])  # common rows doc by doc, or none
def test_a_part_summed_tile_by_tile_holds_every_sum_and_block_maximum(monkeypatch, tile, share):
    monkeypatch.setattr(scoring, "DENSE_SHARE", share)
    rng = random.Random(f"tiles{tile}")
    docs = corpus(rng, 5000)  # the commonest words are in most docs of every tile
    m = build_matrix(docs, 0.6, 0.3, 0.25)
    reference = BM25Okapi(docs, k1=0.6, b=0.3, epsilon=0.25)
    d = scoring.dense_rows(m)
    df = np.diff(m.indptr)
    assert (d.slot >= 0).tolist() == (df > share * m.n_docs).tolist()
    n = -(-m.n_docs // scoring.BLOCK) * scoring.BLOCK
    for query in queries(rng, 40):
        rows = m.rows(query)
        want = np.zeros(n)
        want[:m.n_docs] = reference.get_scores(query)
        summed, block_max = np.full(n, np.nan), np.full(n // scoring.BLOCK, np.nan)
        lo, hi = scoring.BLOCK, n  # a part that starts after the first block
        scoring._sum_part(m.indptr, m.docs, m.contrib, d.slot, d.classes, d.values, rows, summed,
                          block_max, lo, hi, tile)
        assert np.array_equal(summed[lo:hi], want[lo:hi]), query
        assert np.array_equal(block_max[1:], want[lo:].reshape(-1, scoring.BLOCK).max(axis=1))


def test_parts_run_at_once_on_a_thread_safe_layer_only():
    # numba's workqueue layer aborts the process when two threads use it at once.
    assert numba.config.THREADING_LAYER in ("omp", "tbb", "safe", "threadsafe")
    if threads.available():
        assert numba.threading_layer() in ("omp", "tbb")


@pytest.mark.parametrize("set_before, want", [(None, "10000"), ("500", "500")])
def test_openmp_threads_spin_briefly_unless_the_operator_says_otherwise(set_before, want):
    # Its default spun 6 ms of a core after every loop: other processes waited for a core.
    env = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    if set_before:
        env["GOMP_SPINCOUNT"] = set_before
    shown = subprocess.run([sys.executable, "-c", "import os, index.threads; "
                            "print(os.environ['GOMP_SPINCOUNT'])"], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=60, check=True)
    assert shown.stdout.strip() == want


def test_a_machine_without_a_thread_safe_layer_is_told_so_once(monkeypatch, caplog):
    def no_layer(out):
        raise ValueError("No threading layer could be loaded.\nHINT: ...")

    monkeypatch.setattr(threads, "_probe", no_layer)
    threads.available.cache_clear()
    try:
        assert not threads.available() and not threads.available()
        assert caplog.text.count("searched on one core") == 1
        assert "No threading layer could be loaded." in caplog.text
    finally:
        threads.available.cache_clear()


def test_without_threads_a_question_is_worked_in_one_part(monkeypatch):
    monkeypatch.setattr(scoring, "SPLIT_MIN_DOCS", 0)
    monkeypatch.setattr(threads, "available", lambda: False)
    rng = random.Random("one part")
    docs = corpus(rng, 3000)
    matrix = build_matrix(docs, 0.6, 0.3, 0.25)
    two, one = Scorer(matrix, threads=2), Scorer(matrix)
    assert two._parts() == 1
    article_of = np.repeat(np.arange(300), 10)
    articles = np.array([rng.random() * 5 for _ in range(300)])
    for query in queries(rng, 30):
        want = reference_ranking(one.scores(query), article_of, articles, 0.1, 0.2, 20)
        best, ranking, _ = two.top(query, 20, article_of, articles, 0.1, 0.2, dense=True)
        assert (best.tolist(), ranking.tolist()) == want, query


def skipped(scorer, query, k, article_of, articles, cw, aw, parts=1):
    """`skipping.best_skipping` for a query, over the scorer's matrix and its docs."""
    m, w = scorer.matrix, scorer.matrix.weights
    bit_of, bits, byte = scorer.common_bits
    rows = m.rows(query)
    starts = np.searchsorted(article_of, np.arange(len(articles) + 1))
    return skipping.best_skipping(m.indptr, m.docs, m.contrib, rows, bit_of[rows],
                                  scorer.term_max[rows], bits, byte, m.by_doc.ptr,
                                  m.by_doc.terms, m.by_doc.tf, w.idf, w.norm, w.k1, starts,
                                  articles, cw, aw, k, parts)


@pytest.mark.parametrize("k1, b, epsilon, parts", [
    (0.6, 0.3, 0.25, 1), (1.2, 0.0, 1.0, 1),
    pytest.param(0.6, 0.3, 0.25, 2, marks=needs_threads),
    pytest.param(1.2, 0.0, 1.0, 3, marks=needs_threads)])
def test_skipping_the_common_words_postings_ranks_bit_for_bit_the_same(k1, b, epsilon, parts):
    rng = random.Random(f"skip{k1}")
    docs = corpus(rng, 6000)  # 2000 words: the 64 commonest get bits, the rest are rare
    scorer = Scorer(build_matrix(docs, k1, b, epsilon))
    article_of = np.repeat(np.arange(600), 10)
    articles = np.array([rng.random() * 5 for _ in range(600)])
    complete = 0
    for query in queries(rng, 300):
        want = reference_ranking(scorer.scores(query), article_of, articles, 0.1, 0.2, 20)
        best, ranking, bm25, done = skipped(scorer, query, 20, article_of, articles, 0.1, 0.2,
                                            parts)
        if done:
            complete += 1
            assert (best.tolist(), ranking.tolist()) == want, query
            assert np.array_equal(bm25, scorer.scores(query)[best])
    assert complete > 60  # the rest fall back to adding up every posting


@needs_threads
def test_a_question_skipped_in_parts_ranks_as_in_one_with_articles_cut_anywhere():
    rng = random.Random("skip-parts")
    docs = corpus(rng, 3000)
    scorer = Scorer(build_matrix(docs, 0.6, 0.3, 0.25))
    article_of = np.sort(rng.choices(range(200), k=3000))  # articles of every length
    article_of = np.unique(article_of, return_inverse=True)[1]  # numbered with none empty
    articles = np.array([rng.random() * 20 for _ in range(article_of[-1] + 1)])  # lifting
    compared = 0
    for query in queries(rng, 200):
        one = skipped(scorer, query, 10, article_of, articles, 0.3, 0.2)
        for parts in (2, 5):
            many = skipped(scorer, query, 10, article_of, articles, 0.3, 0.2, parts)
            if one[3] and many[3]:
                compared += 1
                assert [a.tolist() for a in many[:3]] == [a.tolist() for a in one[:3]], query
    assert compared > 50


def test_skipping_holds_with_negative_contributions():
    # Every word in most passages: rank-bm25's idf floor (epsilon times the mean idf) is
    # negative, and so are the contributions the bounds must still hold above.
    rng = random.Random(5)
    common, rare = [f"c{i}" for i in range(64)], [f"r{i}" for i in range(20)]
    docs = [[w for w in common if rng.random() < 0.8] + [w for w in rare if rng.random() < 0.05]
            for _ in range(400)]
    scorer = Scorer(build_matrix(docs, 1.5, 0.75, 0.25))
    assert scorer.matrix.contrib.min() < 0
    alone, complete = np.arange(len(docs)), 0
    for _ in range(200):
        query = rng.sample(common, 3) + rng.sample(rare, 2)
        best, _, _, done = skipped(scorer, query, 5, alone, np.zeros(len(docs)), 0.0, 0.0)
        if done:
            complete += 1
            assert best.tolist() == reference_top(scorer.scores(query), 5), query
    assert complete


def test_empty_corpus_and_unknown_words():
    scorer = Scorer(build_matrix([], 1.2, 0.75, 0.25))
    assert scorer.scores(["a"]).tolist() == []
    scorer = Scorer(build_matrix([["a"]], 1.2, 0.75, 0.25))
    assert scorer.scores(["zzz"]).tolist() == [0.0]



def test_passages_know_their_terms_in_first_appearance_order():
    # ids 5, 9, 7 first appear in that order, so they become rows 0, 1, 2
    docs, order = doc_terms(np.array([5, 9, 5, 7, 9]), np.array([3, 0, 2]), 10)
    assert order.tolist() == [5, 9, 7]
    assert [docs.rows_of(d).tolist() for d in range(3)] == [[0, 1], [], [2, 1]]
    assert docs.tf.tolist() == [2, 1, 1, 1]


def test_article_scores_are_rank_bm25_over_whole_articles():
    rng = random.Random(3)
    passages = corpus(rng, 600)
    starts = np.array(list(range(0, 600, 7)) + [600])
    articles = [sum(passages[a:b], []) for a, b in zip(starts[:-1], starts[1:])]
    ids: dict[str, int] = {}
    raw = [ids.setdefault(t, len(ids)) for doc in passages for t in doc]
    docs, _ = doc_terms(np.array(raw), [len(d) for d in passages], len(ids))
    matrix = score_matrix(ids, merge_docs(docs, starts, len(ids)), 1.5, 0.75, 0.25)
    reference = BM25Okapi(articles, k1=1.5, b=0.75, epsilon=0.25)
    for query in queries(rng, 100):
        assert np.array_equal(Scorer(matrix).scores(query), reference.get_scores(query))


def test_the_parts_best_are_merged_by_score_then_doc_each_doc_once():
    """`skipping.best_of_parts` against sorting every (score, doc) the lists hold: lists of
    any length, tied scores, and docs in several lists (as the first round's are)."""
    rng = random.Random(5)
    for _ in range(2000):
        parts, k = rng.randint(1, 3), rng.randint(1, 25)
        score = {d: float(rng.randint(0, 4)) for d in range(40)}
        docs, ranking = skipping.top_lists(parts, k)
        for p in range(parts):
            held = sorted(rng.sample(range(40), rng.randint(0, k)), key=lambda d: (-score[d], d))
            docs[p, :len(held)] = held
            ranking[p, :len(held)] = [score[d] for d in held]
        at = skipping.best_of_parts(docs, ranking, k)
        expected = sorted({d for d in docs.ravel().tolist() if d >= 0},
                          key=lambda d: (-score[d], d))[:k]
        assert docs.ravel()[at].tolist() == expected
        assert ranking.ravel()[at].tolist() == [score[d] for d in expected]


def test_skipping_is_tried_by_the_rule_as_written():
    """`skipping.applies` against the rule in numpy: common rows and others, the others at
    most RARE_SHARE of the postings and RARE_DOCS of the docs, the common rows' highest
    (below zero as zero) adding up to less than the highest of the others."""
    rng = np.random.default_rng(11)
    seen = set()
    for _ in range(3000):
        n_rows = int(rng.integers(1, 9))
        indptr = np.concatenate(([0], np.cumsum(rng.integers(0, 400, n_rows)))).astype(np.int64)
        bit_of = np.where(rng.random(n_rows) < 0.5, rng.integers(0, 64, n_rows), -1)
        term_max = np.round(rng.normal(1.0, 1.0, n_rows), 1)
        rows = rng.permutation(n_rows)[:int(rng.integers(1, n_rows + 1))].astype(np.int64)
        bit, df, top = bit_of[rows], np.diff(indptr)[rows], term_max[rows]
        n_docs = int(rng.integers(1, 20_000))
        rare = df[bit < 0].sum()
        expected = bool((bit >= 0).any() and 0 < rare <= skipping.RARE_SHARE * df.sum()
                        and rare <= skipping.RARE_DOCS * n_docs
                        and top[bit >= 0].clip(0).sum() < top[bit < 0].max())
        assert skipping.applies(indptr, rows, bit_of, term_max, n_docs) == expected
        seen.add(expected)
    assert seen == {True, False}
