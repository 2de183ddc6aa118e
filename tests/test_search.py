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
    assert answer.hits == () and answer.grade == "none"
    assert answer.reason.startswith("The articles don't mention ")


def test_none_names_the_key_words_the_articles_never_mention(seed_index):
    answer = search(seed_index, "What is the weather in Paris today?")
    assert answer.reason == "The articles don't mention Paris or weather."
    assert answer.missing == ("Paris", "weather")


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


CALIBRATION = json.loads((Path(__file__).parent / "data" / "calibration_questions.json"
                          ).read_text())["questions"]


@pytest.mark.parametrize("case", [q for q in CALIBRATION if q["kind"] == "negative"],
                         ids=lambda q: q["q"])
def test_unanswerable_questions_sharing_words_with_the_articles_are_not_answered(seed_index, case):
    """At most "these may not answer it" (the rules were once tuned on these questions: this
    guards against regressions, it is no measure of how well the grades generalise)."""
    assert search(seed_index, case["q"]).grade != "answer"


def test_what_did_austin_say_about_rafah_leads_with_austin_speaking_about_rafah(seed_index):
    hits = search(seed_index, "what did Austin say about Rafah").hits
    assert hits[0].passage.id == "001.13" and "Lloyd Austin" in hits[0].speakers
    assert all("Netanyahu" not in h.passage.text for h in hits)


def test_what_did_gallant_say_quotes_gallant_not_austin(seed_index):
    hits = search(seed_index, "what did Gallant say", k=5).hits
    assert {"001.9", "000.13"} <= {h.passage.id for h in hits}  # quoted, and "Gallant highlighted"
    assert all("Yoav Gallant" in h.speakers for h in hits)


def test_a_speaker_the_articles_never_quote_gets_none(seed_index):
    answer = search(seed_index, "What did Blinken tell Gallant in their meeting?")
    assert answer.hits == () and answer.reason == "The articles don't quote Blinken on that."


def test_a_speaker_question_is_answered_only_with_that_speakers_words(seed_index):
    hits = search(seed_index, "What did Gallant say about Hamas?").hits
    assert hits and all("Gallant" in " ".join(h.speakers) or "Gallant" in h.passage.text
                        for h in hits)
    assert "Yoav Gallant" in hits[0].speakers
    assert search(seed_index, "What did Austin say about Ukraine?").hits == ()


@pytest.mark.parametrize("question, searched, gold", [
    ("what did austen say about raffah", {"austen": "austin", "raffah": "rafah"},
     "Austin warned Gallant about an assault on Rafah"),
    ("what did the pentagone say about rafah", {}, "operations in Rafah should not proceed"),
    ("presicion guided munitions", {"presicion": "precision"}, "precision-guided munitions"),
])
def test_typos_are_corrected_and_said(seed_index, question, searched, gold):
    answer = search(seed_index, question)
    assert answer.corrections == searched
    assert gold in answer.hits[0].passage.text


@pytest.mark.parametrize("question, kept", [
    ("What did the senate decide about the mission?", "senate"),  # "state": one letter away
    ("What did the senate decide about the mission?", "mission"),  # "million": commoner
    ("what did rafa say", "rafa"),                  # a name in its own right, commoner than Rafah
])
def test_an_unknown_real_word_is_not_corrected(seed_index, question, kept):
    answer = search(seed_index, question)
    assert kept not in answer.corrections
    assert kept in [w.casefold() for w in answer.missing]


def test_a_misspelling_is_corrected_even_when_it_is_rare(seed_index):
    answer = search(seed_index, "what did netanyahou cancel")
    assert answer.corrections == {"netanyahou": "netanyahu"}
    assert answer.hits and "Netanyahu" in answer.hits[0].passage.text


def test_number_and_time_questions_need_a_number_or_a_time(seed_index):
    assert "40" in search(seed_index, "How often have Austin and Gallant talked on the phone?"
                          ).hits[0].passage.text
    assert search(seed_index, "How many F-35 jets does Israel already have?").hits == ()
    assert search(seed_index, "When did Netanyahu first become prime minister?").hits == ()


def _index_of(folder: Path, articles: dict[str, str]):
    from dataclasses import replace as with_

    from index.build import open_index
    from index.settings import IndexSettings
    folder.mkdir()
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
    return open_index(with_(IndexSettings(), seeds=folder), save_index=False)[0]


FILLER = ("Weather report\n\n" + "\n\n".join(
    f"Rain fell on town number {n} while farmers watched their fields." for n in range(12)) + "\n")


def test_every_answering_article_is_heard_before_a_second_passage_from_one(tmp_path):
    index = _index_of(tmp_path / "seeds", {
        "001_a.txt": "Talks stall\n\nThe ceasefire talks in Cairo stalled on Monday.\n\n"
                     "The ceasefire talks in Cairo may resume in Cairo next week.\n",
        "002_b.txt": "Talks end\n\nNegotiators said the ceasefire talks in Cairo collapsed.\n",
        "003_c.txt": FILLER})
    hits = search(index, "ceasefire talks in Cairo").hits
    assert [h.article.id for h in hits] == ["001", "002", "001"]


def test_a_syndicated_sentence_is_quoted_once_with_both_sources(tmp_path):
    same = "The ministers agreed on a plan to reopen the northern crossing for aid trucks."
    index = _index_of(tmp_path / "seeds", {
        "001_a.txt": f"Crossing deal\n\n{same}\n\nIt opens on Friday.\n",
        "002_b.txt": f"Aid deal reached\n\n{same.replace('The', 'The', 1)}\n\nCritics doubt it.\n",
        "003_c.txt": FILLER})
    hits = search(index, "plan to reopen the northern crossing").hits
    assert hits[0].passage.text == same
    assert [(p.id, a.id) for p, a in hits[0].also] == [("002.2", "002")]
    assert all(h.passage.text != same for h in hits[1:])


@pytest.mark.parametrize("asked", ["what did Perez say about the cafe", "What did PÉREZ say?",
                                   "what did Ana Perez say"])
def test_names_match_with_or_without_their_accents(tmp_path, asked):
    """Readers type "Perez" for "Pérez": the speaker is found, and the words are marked."""
    index = _index_of(tmp_path / "seeds", {
        "001_a.txt": "Café owners protest\n\nBy Ana Pérez\n\nThe Zürich council met on Monday.\n\n"
                     "Ana Pérez said the café on the square was closed for the summer.\n\n"
                     "Pérez told reporters the rent had doubled.\n",
        "002_b.txt": FILLER})
    answer = search(index, asked)
    assert answer.hits, answer.reason
    top = answer.hits[0]
    assert top.passage.id in ("001.3", "001.4")
    assert "Pérez" in [top.passage.text[s:e] for s, e in top.marks]


def test_a_speaker_named_after_the_quote_is_found_without_the_accent(tmp_path):
    index = _index_of(tmp_path / "seeds", {
        "001_a.txt": "Budget vote\n\nThe budget was passed late, Müller said on Tuesday.\n\n"
                     "The council approved it with nine votes.\n",
        "002_b.txt": FILLER})
    answer = search(index, "what did Muller say about the budget")
    assert answer.hits and answer.hits[0].passage.id == "001.2", answer.reason


def test_a_speaker_the_articles_never_quote_is_named_back_as_typed(seed_index):
    # "U.S." is a form the articles don't use ("US" is): the name shown keeps its capitals.
    answer = search(seed_index, "what did the U.S. say about F-35 jets")
    assert answer.hits == () and answer.reason == "The articles don't quote the US on that."


def test_warming_compiles_every_way_of_ranking_in_parts(tmp_path, monkeypatch):
    # A loop compiled on its first use made the first question after a start take a second.
    from dataclasses import replace as with_
    from itertools import cycle

    from index import scoring, skipping, threads
    from index.build import open_index
    from index.settings import IndexSettings
    if not threads.available():
        pytest.skip("no thread-safe threading layer on this machine: questions run in one part")
    monkeypatch.setattr(scoring, "SPLIT_MIN_DOCS", 0)  # in parts however small the index
    folder = tmp_path / "seeds"
    folder.mkdir()
    words = cycle(f"word{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(80))
    for a in range(40):  # one common word, eighty in three passages each, and one in two
        (folder / f"{a:03d}_a.txt").write_text(f"Article {a}\n\n" + "\n\n".join(
            f"The harbour saw {next(words)} and {next(words)}"
            f"{' and a zeppelin' if a in (3, 30) and s == 0 else ''}." for s in range(3)) + "\n")
    index = open_index(with_(IndexSettings(), seeds=folder, search_threads=2),
                       save_index=False)[0]
    ran = set()
    for module, name in ((scoring, "_sum_parts"), (scoring, "_best_parts"),
                         (skipping, "_first_round_parts"), (skipping, "_rest_parts")):
        def spy(*args, _name=name, _loop=getattr(module, name)):
            ran.add(_name)
            return _loop(*args)
        monkeypatch.setattr(module, name, spy)
    index.warm()
    assert ran == {"_sum_parts", "_best_parts", "_first_round_parts", "_rest_parts"}
