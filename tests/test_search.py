import json
from pathlib import Path

import pytest

from index.search import QuestionError, search

QUESTIONS = json.loads((Path(__file__).parent / "data" / "seed_questions.json").read_text())["questions"]
FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def fold(text: str) -> str:
    return " ".join(text.translate(FOLD).casefold().split())


@pytest.mark.parametrize("case", [q for q in QUESTIONS if q["kind"] != "negative"],
                         ids=lambda q: q["q"])
def test_seed_question_is_answered_in_the_top_3(seed_index, case):
    answer = search(seed_index, case["q"], k=3)
    texts = [fold(h.passage.text) for h in answer.hits]
    assert any(fold(gold) in text for gold in case["gold"] for text in texts), texts


@pytest.mark.parametrize("case", [q for q in QUESTIONS if q["kind"] == "negative"],
                         ids=lambda q: q["q"])
def test_negative_seed_question_gets_no_passages(seed_index, case):
    answer = search(seed_index, case["q"])
    assert answer.hits == ()
    assert answer.reason == "Nothing in the articles answers that."


@pytest.mark.parametrize("question", [
    "What is the capital of France?",
    "Who won the football match today?",
    "How do I bake bread?",
    "What did Biden say about Ukraine?",
])
def test_unrelated_questions_abstain(seed_index, question):
    assert search(seed_index, question).hits == ()


def test_weather_question_does_not_come_back_with_gallants_today(seed_index):
    answer = search(seed_index, "What is the weather in Paris today?")
    assert not any("Today, we will discuss" in h.passage.text for h in answer.hits)


def test_hits_carry_source_context_and_marks(seed_index):
    answer = search(seed_index, "How many Palestinians are in Rafah?")
    top = answer.hits[0]
    assert top.passage.id == "001.13"
    assert top.article.title.startswith("Austin Tells Gallant")
    assert top.article.author == "Dave DeCamp"
    assert [top.passage.text[s:e] for s, e in top.marks] == ["Rafah", "Palestinians"]
    assert top.before[0].text.startswith("The meeting came after")
    assert top.after[0].text.startswith("“The Secretary stressed")
    assert set(top.matched) == {"palestinian", "rafah"}
    assert [h.score for h in answer.hits] == sorted((h.score for h in answer.hits), reverse=True)


def test_typo_is_corrected_and_reported(seed_index):
    answer = search(seed_index, "what did galant say about hamas")
    assert answer.corrections == {"galant": "gallant"}
    assert "destruction of Hamas" in answer.hits[0].passage.text


def test_authorship_question_quotes_the_byline(seed_index):
    answer = search(seed_index, "Who wrote the article about the unshakable bond?")
    assert answer.hits[0].passage.text == "Author: Dave DeCamp"


def test_top_k_is_respected(seed_index):
    assert len(search(seed_index, "Gallant", k=5).hits) == 5
    assert len(search(seed_index, "Gallant", k=1).hits) == 1


@pytest.mark.parametrize("question, message", [
    ("", "empty"), ("   \t\n ", "empty"), ("\x00\x07\x1b", "empty"),
    ("x" * 5000, "5000 characters"),
])
def test_bad_questions_get_a_clear_reason(seed_index, question, message):
    with pytest.raises(QuestionError, match=message):
        search(seed_index, question)


def test_control_characters_are_ignored(seed_index):
    plain = search(seed_index, "ceasefire in Gaza")
    noisy = search(seed_index, "cease\u200bfire\x00 in\x1b Gaza")
    assert noisy.question == "cease fire in Gaza"
    assert search(seed_index, "ceasefire\x07 in Gaza").hits == plain.hits


def test_only_stopwords_gets_a_reason(seed_index):
    answer = search(seed_index, "what is it?")
    assert answer.hits == () and "no words to search" in answer.reason
