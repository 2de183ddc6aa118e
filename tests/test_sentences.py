"""Tests for index.sentences: news text first, then the golden rules.

All cases are inline, so the tests run without the shared eval data.
"""

from __future__ import annotations

import pytest

from index.sentences import _tokenizer, sentence_spans, split_sentences

NEWS_CASES: list[tuple[str, list[str]]] = [
    # names, initials and titles
    ("Secretary of Defense Lloyd J. Austin and his Israeli counterpart Yoav Gallant met. They talked.",
     ["Secretary of Defense Lloyd J. Austin and his Israeli counterpart Yoav Gallant met.", "They talked."]),
    ("Mr. Smith met Dr. Jones. Sen. Elizabeth Warren, D-Mass., said no. Rep. John Smith disagreed.",
     ["Mr. Smith met Dr. Jones.", "Sen. Elizabeth Warren, D-Mass., said no.", "Rep. John Smith disagreed."]),
    ("Lt. Gen. James Smith and Maj. Gen. Ann Lee attended. Capt. Ray spoke.",
     ["Lt. Gen. James Smith and Maj. Gen. Ann Lee attended.", "Capt. Ray spoke."]),
    ("He is Martin Luther King Jr. He changed history.",
     ["He is Martin Luther King Jr.", "He changed history."]),
    # U.S. and friends: a noun or name continues, a closed-class word starts
    ("I work for the U.S. Government in Virginia.", ["I work for the U.S. Government in Virginia."]),
    ("I live in the U.S. How about you?", ["I live in the U.S.", "How about you?"]),
    ("Officials from the U.N. They met Tuesday.", ["Officials from the U.N.", "They met Tuesday."]),
    ("The U.S. and the U.K. signed it. The E.U. did not.",
     ["The U.S. and the U.K. signed it.", "The E.U. did not."]),
    ("He works for Acme Inc. The company makes widgets.",
     ["He works for Acme Inc.", "The company makes widgets."]),
    # dates and times
    ("Gov. Gavin Newsom signed it on Jan. 5. The law takes effect Feb. 1.",
     ["Gov. Gavin Newsom signed it on Jan. 5.", "The law takes effect Feb. 1."]),
    ("The meeting is at 10 a.m. Tuesday in Washington. He will attend.",
     ["The meeting is at 10 a.m. Tuesday in Washington.", "He will attend."]),
    ("He arrived at 6 p.m. She arrived later.", ["He arrived at 6 p.m.", "She arrived later."]),
    # numbers, money, "No." and model names
    ("Rafah is packed with 1.5 million Palestinians, officials said.",
     ["Rafah is packed with 1.5 million Palestinians, officials said."]),
    ("She has $100.00. It is in her bag.", ["She has $100.00.", "It is in her bag."]),
    ("It was the No. 1 song in the U.S. for weeks. No. 2 was a ballad.",
     ["It was the No. 1 song in the U.S. for weeks.", "No. 2 was a ballad."]),
    ("He said no. Republicans then walked out.", ["He said no.", "Republicans then walked out."]),
    ("He wants F-35 and F-15 fighter jets. The F-35. The F-15 is older.",
     ["He wants F-35 and F-15 fighter jets.", "The F-35.", "The F-15 is older."]),
    ("He was ranked 2. The next year he was 3.", ["He was ranked 2.", "The next year he was 3."]),
    ("Roe v. Wade was overturned. It was Brown vs. The Board of Education.",
     ["Roe v. Wade was overturned.", "It was Brown vs. The Board of Education."]),
    # domains, e-mails, URLs
    ("Dave DeCamp is the news editor of Antiwar.com, follow him. Visit Antiwar.com. It has news.",
     ["Dave DeCamp is the news editor of Antiwar.com, follow him.", "Visit Antiwar.com.", "It has news."]),
    ("Her email is Jane.Doe@example.com. I sent her an email.",
     ["Her email is Jane.Doe@example.com.", "I sent her an email."]),
    # curly quotes stay with their sentence
    ("Their bond is described as “unbreakable.” Secretary of Defense Lloyd J. Austin met Gallant.",
     ["Their bond is described as “unbreakable.”", "Secretary of Defense Lloyd J. Austin met Gallant."]),
    ("“Yoav, your security bond is — our security bond is unshakable. The United States is Israel’s "
     "closest friend, and that won’t change,” Austin said in remarks welcoming Gallant.",
     ["“Yoav, your security bond is — our security bond is unshakable.",
      "The United States is Israel’s closest friend, and that won’t change,” Austin said in remarks welcoming Gallant."]),
    ("“I don’t know,” he said. “Maybe.” And then he left.",
     ["“I don’t know,” he said.", "“Maybe.”", "And then he left."]),
    ("“Is this it?” she asked. He nodded.", ["“Is this it?” she asked.", "He nodded."]),
    # camel-case names start sentences despite the lowercase first letter
    ("The company said demand fell. iPhone sales rose.", ["The company said demand fell.", "iPhone sales rose."]),
]

GOLDEN_CASES: list[tuple[str, list[str]]] = [
    ("Let's ask Jane and co. They should know.", ["Let's ask Jane and co.", "They should know."]),
    ("At 5 a.m. Mr. Smith went to the bank. He left the bank at 6 P.M. Mr. Smith then went to the store.",
     ["At 5 a.m. Mr. Smith went to the bank.", "He left the bank at 6 P.M.", "Mr. Smith then went to the store."]),
    ("He teaches science (He previously worked for 5 years as an engineer.) at the local University.",
     ["He teaches science (He previously worked for 5 years as an engineer.) at the local University."]),
    ("The site is: https://www.example.50.com/new-site/awesome_content.html. Please check it out.",
     ["The site is: https://www.example.50.com/new-site/awesome_content.html.", "Please check it out."]),
    ("She turned to him, \"This is great.\" she said.", ["She turned to him, \"This is great.\" she said."]),
    ("She turned to him, 'This is great.' she said.", ["She turned to him, 'This is great.' she said."]),
    ("She turned to him, \"This is great.\" She held the book out to show him.",
     ["She turned to him, \"This is great.\"", "She held the book out to show him."]),
    ("She works at Yahoo! in the accounting department.", ["She works at Yahoo! in the accounting department."]),
    ("Hello!! Long time no see.", ["Hello!!", "Long time no see."]),
    ("Hello?! Is that you?", ["Hello?!", "Is that you?"]),
    ("1.) The first item 2.) The second item", ["1.) The first item", "2.) The second item"]),
    ("1) The first item. 2) The second item.", ["1) The first item.", "2) The second item."]),
    ("1. The first item 2. The second item", ["1. The first item", "2. The second item"]),
    ("• 9. The first item • 10. The second item", ["• 9. The first item", "• 10. The second item"]),
    ("a. The first item b. The second item c. The third list item",
     ["a. The first item", "b. The second item", "c. The third list item"]),
    ("You can find it at N°. 1026.253.553. That is where the treasure is.",
     ["You can find it at N°. 1026.253.553.", "That is where the treasure is."]),
    ("We make a good team, you and I. Did you see Albert I. Jones yesterday?",
     ["We make a good team, you and I.", "Did you see Albert I. Jones yesterday?"]),
    ("I never meant that.... She left the store.", ["I never meant that....", "She left the store."]),
    ("I wasn’t really ... well, what I mean...see . . . what I'm saying, the thing is . . . I didn’t mean it.",
     ["I wasn’t really ... well, what I mean...see . . . what I'm saying, the thing is . . . I didn’t mean it."]),
    ("One further habit which was somewhat weakened . . . was that of combining words into self-interpreting "
     "compounds. . . . The practice was not abandoned. . . .",
     ["One further habit which was somewhat weakened . . . was that of combining words into self-interpreting "
      "compounds.", ". . . The practice was not abandoned. . . ."]),
    ("indicate the end of the sentence with a period . . . . Next sentence.",
     ["indicate the end of the sentence with a period . . . .", "Next sentence."]),
]


@pytest.mark.parametrize(("text", "expected"), NEWS_CASES + GOLDEN_CASES)
def test_splits(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_list_markers_only_when_consecutive_from_the_start() -> None:
    assert split_sentences("He said: 1. Cut taxes 2. Raise wages 3. Build roads.") == [
        "He said: 1. Cut taxes", "2. Raise wages", "3. Build roads."]
    assert split_sentences("Scores rose 1. Then 3. Then more.") == ["Scores rose 1.", "Then 3.", "Then more."]


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t \n "])
def test_empty_input(text: str) -> None:
    assert sentence_spans(text) == []
    assert split_sentences(text) == []


def test_single_newline_is_whitespace() -> None:
    text = "Line one\nline two continues. New sentence\nhere. Mr.\nSmith came."
    assert split_sentences(text) == ["Line one\nline two continues.", "New sentence\nhere.", "Mr.\nSmith came."]


SLICE_TEXTS = [text for text, _ in NEWS_CASES + GOLDEN_CASES] + [
    "  \n Leading and trailing space. Inside too.  \n",
    "No final stop here",
    "“Quoted.”   “Again.”\n\n",
    "...",
    "Wait... What happened?",
]


@pytest.mark.parametrize("text", SLICE_TEXTS)
def test_spans_are_exact_stripped_slices(text: str) -> None:
    spans = sentence_spans(text)
    assert spans, text
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip() and piece
        assert text[previous_end:start].strip() == "", "text between sentences was dropped"
        previous_end = end
    assert text[previous_end:].strip() == ""
    assert split_sentences(text) == [text[s:e] for s, e in spans]


def test_spans_offsets_on_padded_text() -> None:
    text = "  Hello World. My name is Jonas.\n"
    assert sentence_spans(text) == [(2, 14), (15, 32)]


def test_tokenizer_is_built_once() -> None:
    assert _tokenizer() is _tokenizer()


def test_long_text_completes() -> None:
    paragraph = ("Secretary of Defense Lloyd J. Austin met Yoav Gallant at 10 a.m. Tuesday. "
                 "“The United States is Israel’s closest friend,” Austin said. "
                 "Rafah is packed with 1.5 million Palestinians. See Antiwar.com. ")
    sentences = split_sentences(paragraph * 2500)
    assert len(sentences) == 4 * 2500
    assert sentences[-1] == "See Antiwar.com."
