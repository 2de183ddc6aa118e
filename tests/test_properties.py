"""Any text at all: property-based tests (hypothesis) of the reader, the splitter, the analyzer
and search. Each property runs on `EXAMPLES` generated inputs per test run; set
HYPOTHESIS_PROFILE=soak for many more."""

import os
import string
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from index.analysis import analyze, analyze_spans, normalize_word, spans_of
from index.articles import ArticleError, parse_article
from index.build import build_data
from index.confidence import ANSWER, NONE, UNSURE
from index.passages import article_passages
from index.scoring import Scorer, build_matrix
from index.search import QuestionError, search
from index.sentences import sentence_spans

settings.register_profile("ci", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("soak", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Text that looks like news as well as text that looks like nothing: words, punctuation,
# quotes, abbreviations, numbers, line breaks, and any Unicode at all.
_NEWSY = st.sampled_from(["Mr.", "U.S.", "said", "“", "”", "‘", "’", '"', "...", "…", "—",
                          "1.5", "Dr.", "a.m.", "(AP)", "F-35", "@everyone", "Author: A B",
                          "\n", "\n\n", " ", ".", "?", "!", ",", "+++", "Rafah", "Gaza"])
_WORD = st.text(string.ascii_letters, min_size=1, max_size=8)
NEWSY_TEXT = st.lists(st.one_of(_NEWSY, _WORD, st.text(max_size=5)), max_size=60).map(" ".join)
ANY_TEXT = st.one_of(NEWSY_TEXT, st.text(max_size=400))


def _folded(text: str) -> str:
    return " ".join(text.split())


@given(st.one_of(st.binary(max_size=600), ANY_TEXT.map(lambda t: t.encode("utf-8"))))
def test_the_reader_reads_an_article_or_says_why_not(data):
    try:
        article = parse_article(Path("001_x.txt"), data)
    except ArticleError as exc:
        assert str(exc).startswith("001_x.txt: ")
        return
    passages = article_passages(article)
    assert [p.id for p in passages] == [f"001.{n}" for n in range(1, len(passages) + 1)]
    text = _folded(data.decode("utf-8-sig").replace("\x00", " "))
    for passage in passages:
        assert passage.text and passage.text == passage.text.strip()
        if passage.kind in ("body", "bio"):  # quoted word for word from the file
            assert passage.text in _folded("".join(c if ord(c) >= 32 else " " for c in text))


@given(ANY_TEXT)
def test_sentences_are_ordered_exact_slices(text):
    spans = sentence_spans(text)
    last = 0
    for start, end in spans:
        assert last <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        last = end


@given(ANY_TEXT)
def test_every_term_comes_from_its_span(text):
    terms = analyze_spans(text)
    assert [t.term for t in terms] == analyze(text)
    for t in terms:
        assert 0 <= t.start < t.end <= len(text)
        assert t.term in analyze(text[t.start:t.end]) or "-" in text[t.start - 1:t.end + 1]


@given(st.text(string.printable, max_size=40))
def test_an_ascii_word_folds_as_any_word_does(word):
    """`normalize_word` takes ASCII by a short cut: it must land where the long way does."""
    from index.analysis import _fold

    assert word.lower() == _fold(word)


@given(st.one_of(NEWSY_TEXT.filter(str.isascii), st.text(string.printable, max_size=300)),
       st.randoms())
def test_marking_ascii_text_finds_the_same_spans_with_the_word_filter(text, rng):
    found = analyze_spans(text)
    chosen = {t.term for t in found if rng.random() < 0.4}
    # the lower-case words the chosen terms come from, as `SearchIndex.words_of` gives them
    words = {normalize_word(text[t.start:t.end]) for t in found if t.term in chosen}
    if all(w.isalpha() for w in words):
        assert spans_of(text, chosen, words) == spans_of(text, chosen)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(question=ANY_TEXT)
def test_search_answers_any_question_or_says_why_not(seed_index, question):
    try:
        answer = search(seed_index, question)
    except QuestionError as exc:
        assert str(exc)
        return
    assert answer.grade in (ANSWER, UNSURE, NONE) and 0 <= answer.confidence <= 1
    assert (answer.grade == NONE) == (not answer.hits)
    for hit in answer.hits:
        assert seed_index.passage(hit.passage.id).text == hit.passage.text
        assert all(hit.passage.text[s:e] for s, e in hit.marks)


_TOKENS = st.sampled_from([f"w{i}" for i in range(30)])


@given(st.lists(st.lists(_TOKENS, max_size=12), min_size=1, max_size=40),
       st.lists(st.lists(_TOKENS | st.just("absent"), min_size=1, max_size=6), max_size=10),
       st.sampled_from([(1.5, 0.75, 0.25), (0.6, 0.3, 0.25), (1.2, 0.0, 1.0)]))
def test_scores_equal_rank_bm25(docs, queries, params):
    if not any(docs):
        return  # rank-bm25 divides by the average length: an all-empty corpus is undefined
    k1, b, epsilon = params
    reference = BM25Okapi(docs, k1=k1, b=b, epsilon=epsilon)
    scorer = Scorer(build_matrix(docs, *params))
    for query in queries:
        assert np.array_equal(scorer.scores(query), reference.get_scores(query)), query


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          max_examples=min(settings().max_examples, 40))
@given(st.lists(NEWSY_TEXT, min_size=1, max_size=4))
def test_ids_are_stable_across_rebuilds(tmp_path_factory, bodies):
    folder = tmp_path_factory.mktemp("articles")
    for n, body in enumerate(bodies):
        (folder / f"{n:03d}_a.txt").write_text(f"Headline {n}\n\n{body}\n", encoding="utf-8")
    first, _ = build_data(folder)
    again, _ = build_data(folder)
    rows = range(len(first))
    assert [first.passage_text(i) for i in rows] == [again.passage_text(i) for i in range(len(again))]
    assert [a.id for a in first.articles] == [a.id for a in again.articles]
    assert first.terms == again.terms
