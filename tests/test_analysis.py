import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from index import analysis
from index.analysis import analyze, analyze_spans, spans_of


@pytest.mark.parametrize("text, terms", [
    ("Austin Tells Gallant", ["austin", "tell", "gallant"]),
    ("F-35 and F-15 fighter jets", ["f35", "f15", "fighter", "jet"]),
    ("1.5 million Palestinians", ["1.5", "million", "palestinian"]),
    ("the U.S. and the US", ["u.s", "u.s"]),
    ("precision-guided munitions", ["precis", "guid", "munit"]),
    ("precision guided munitions", ["precis", "guid", "munit"]),
    ("Israel’s closest friend", ["israel", "closest", "friend"]),
    ("he didn’t, he said", ["say"]),
    ("Antiwar.com", ["antiwar.com"]),
    ("ＣＥＡＳＥＦＩＲＥ", ["ceasefir"]),  # full-width letters fold under NFKC
])
def test_terms(text, terms):
    assert analyze(text) == terms


def test_questions_and_passages_meet():
    passage = "“Today, we will discuss the destruction of Hamas organization,” Gallant said."
    assert set(analyze("What did Gallant say about Hamas?")) <= set(analyze(passage))


def test_spans_point_at_the_words():
    text = "Austin warned Gallant about an assault on Rafah."
    assert [text[t.start:t.end] for t in analyze_spans(text)] == [
        "Austin", "warned", "Gallant", "assault", "Rafah"]


def test_stopwords_only_gives_nothing():
    assert analyze("what is the") == []


def test_index_scores_are_rank_bm25_scores(seed_index):
    """The index's scores are exactly BM25Okapi.get_scores on the same tokens."""
    reference = BM25Okapi([analyze(p.text) for p in seed_index.passages], k1=seed_index.settings.k1,
                          b=seed_index.settings.b, epsilon=seed_index.settings.epsilon)
    vocabulary = sorted(reference.idf)
    rng = random.Random(7)
    for _ in range(50):
        query = rng.sample(vocabulary, rng.randint(1, 5)) + ["neverseen"]
        assert np.array_equal(seed_index.bm25_scores(query), reference.get_scores(query))
    assert np.array_equal(seed_index.bm25_scores(analyze("Rafah ceasefire")),
                          reference.get_scores(["rafah", "ceasefir"]))


def test_the_cached_path_gives_the_same_terms_as_the_spans(seed_index):
    texts = [p.text for p in seed_index.passages] + [
        "US-Israel F-35s, U.S. troops; don't stop—e-mail Jane.Doe@example.com https://x.org/a_b."]
    for text in texts:
        assert analyze(text) == [t.term for t in analyze_spans(text)]


def test_saved_rarities_are_wordfreqs_own(seed_index, monkeypatch):
    """The index saves its words' Zipf frequencies in hundredths; read back, and as a
    question finds them after `warm`, they are the very floats wordfreq returns."""
    from wordfreq import zipf_frequency

    from index import rarity

    monkeypatch.setattr(rarity, "_KNOWN", {})
    words = seed_index.data.words
    assert len(words) > 200 and len(seed_index.data.word_zipf) == len(words)
    odd = ["rafah", "gallant", "kalomine", "the", "zzzzq", "naïve", "co-operate", "f35"]
    for word, centi in zip(words + odd, rarity.centi_zipfs(words + odd).tolist()):
        assert centi / 100 == zipf_frequency(word, "en"), word
    seed_index.warm()
    assert rarity._KNOWN and all(rarity.zipf(w) == zipf_frequency(w, "en") for w in words)
    assert rarity.zipf("kalomine") == zipf_frequency("kalomine", "en")  # not saved: asked


def test_marking_with_the_word_filter_finds_the_same_spans(seed_index):
    seed_index.warm()
    for passage in seed_index.passages:
        terms = analyze(passage.text)
        for chosen in (set(terms[:1]), set(terms[::3]), set(terms)):
            words = seed_index.words_of(chosen)
            assert spans_of(passage.text, chosen, words) == spans_of(passage.text, chosen)


def test_irregular_verbs_meet_their_base_forms():
    assert analyze("left leave leaving") == ["leav"] * 3
    assert analyze("said say says") == ["say"] * 3
    assert analyze("took take taken") == ["take"] * 3


@pytest.mark.parametrize("written", [("F-35", "F35", "F-35s", "f35s"), ("MH-17", "MH17"),
                                     ("COVID-19", "Covid19"), ("G-7", "G7"), ("B-52s", "B52")])
def test_a_code_name_is_one_term_however_it_is_written(written):
    assert len({tuple(analyze(w)) for w in written}) == 1, [analyze(w) for w in written]


def test_words_that_are_not_code_names_keep_their_form():
    assert analyze("the 1990s x-ray F-35A H1N1") == ["1990s", "x-ray", "f35a", "h1n1"]


def test_accents_are_folded_so_names_match_as_typed():
    assert analyze("Gospić Erdoğan café") == analyze("Gospic Erdogan cafe")


def _tokenized(piece):
    """piece_terms the long way: the tokenizer, then each part's word and term."""
    out = []
    for start, end in analysis._TOKENIZER.span_tokenize(piece):
        for part, s, e in analysis._parts(piece[start:end], start):
            word = analysis.normalize_word(part)
            term = analysis._term(part, word)
            if term is not None:
                out.append((word, term, s, e))
    return tuple(out)


def test_plain_pieces_get_the_terms_the_tokenizer_gives():
    rng = random.Random(3)
    words = ["said", "Rafah", "US", "UN", "EU", "UK", "us", "The", "THE", "a", "I", "d", "is",
             "Austin", "com", "http", "children", "ceasefire", "NATO", "Is"]
    marks = ["", ",", ".", ";", ":", "!", "?", "'s", ".)", ".com", "-ops", "”", "’s", "s'", ".."]
    pieces = [w + m for w in words for m in marks] + [
        "".join(rng.choice("abcXYZ") for _ in range(rng.randint(1, 9))) + rng.choice(marks)
        for _ in range(500)]
    for piece in pieces:
        assert analysis.piece_terms(piece) == _tokenized(piece), piece
