"""Tests for index.sentences, on news text written for this project. (The English "Golden
Rules" are a benchmark, benchmarks/golden_rules.py, not a test.)"""

from __future__ import annotations

import random

import pytest
from nltk.tokenize.punkt import PunktSentenceTokenizer

from index.sentences import (_LIST_MARKER_RE, _may_hold_markers, _tokenizer, sentence_spans,
                             split_sentences)

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

# Written for this project from news copy: each rule of the splitter, judged on news text.
NEWS_RULE_CASES: list[tuple[str, list[str]]] = [
    # datelines stay in the first sentence
    ("WASHINGTON (Reuters) - The U.S. Senate passed the bill 52-48 on Tuesday. It now goes to the House.",
     ["WASHINGTON (Reuters) - The U.S. Senate passed the bill 52-48 on Tuesday.",
      "It now goes to the House."]),
    ("JERUSALEM (AP) — Israel said on Sunday it would reopen the crossing. Aid trucks lined up.",
     ["JERUSALEM (AP) — Israel said on Sunday it would reopen the crossing.", "Aid trucks lined up."]),
    ("LONDON, March 3 (Reuters) - Britain’s economy grew 0.2% in the fourth quarter. "
     "Economists had expected 0.1%.",
     ["LONDON, March 3 (Reuters) - Britain’s economy grew 0.2% in the fourth quarter.",
      "Economists had expected 0.1%."]),
    # titles, party labels, addresses
    ("Sen. Chuck Schumer, D-N.Y., said the bill would pass. It did.",
     ["Sen. Chuck Schumer, D-N.Y., said the bill would pass.", "It did."]),
    ("Boris Johnson left No. 10 Downing Street on Tuesday. Rishi Sunak arrived.",
     ["Boris Johnson left No. 10 Downing Street on Tuesday.", "Rishi Sunak arrived."]),
    ("They met on Main St. Police said the talks would resume.",
     ["They met on Main St.", "Police said the talks would resume."]),
    ("He grew up in St. Louis and moved to St. Paul.", ["He grew up in St. Louis and moved to St. Paul."]),
    ("He sold the firm to Smith and Co. The deal closed Friday.",
     ["He sold the firm to Smith and Co.", "The deal closed Friday."]),
    ("The last king of the line was Louis I. His son refused the throne.",
     ["The last king of the line was Louis I.", "His son refused the throne."]),
    ("Voters chose Henry I. Jones of Ohio.", ["Voters chose Henry I. Jones of Ohio."]),
    # times
    ("He left at 6 p.m. Police arrived later.", ["He left at 6 p.m.", "Police arrived later."]),
    ("At 5 a.m. Sen. Warren arrived at the Capitol. She left at 6 p.m. Gov. Newsom then spoke.",
     ["At 5 a.m. Sen. Warren arrived at the Capitol.", "She left at 6 p.m.", "Gov. Newsom then spoke."]),
    ("Polls close at 8 p.m. ET on Friday. Results follow.",
     ["Polls close at 8 p.m. ET on Friday.", "Results follow."]),
    # decimals, numbers, references
    ("Inflation eased to 2.4% in May. Rates stayed at 5.25%.",
     ["Inflation eased to 2.4% in May.", "Rates stayed at 5.25%."]),
    ("Resolution No. 2728 passed. The U.S. abstained.",
     ["Resolution No. 2728 passed.", "The U.S. abstained."]),
    ("Details are at: https://www.example.gov/report-2026.html. Officials urged people to read it.",
     ["Details are at: https://www.example.gov/report-2026.html.", "Officials urged people to read it."]),
    # quotations: a lowercase word after the closing quote carries on
    ("\"This is a disaster.\" he said.", ["\"This is a disaster.\" he said."]),
    ("“We will win.” The crowd cheered.", ["“We will win.”", "The crowd cheered."]),
    ("Shares of Yahoo! in Japan rose.", ["Shares of Yahoo! in Japan rose."]),
    ("Fire!! Residents fled the block.", ["Fire!!", "Residents fled the block."]),
    ("Again?! Officials said the pipe burst twice.", ["Again?!", "Officials said the pipe burst twice."]),
    ("The report (It was released in March.) at first drew little notice.",
     ["The report (It was released in March.) at first drew little notice."]),
    # lists in copy
    ("The plan: 1) Fund schools. 2) Hire nurses.", ["The plan: 1) Fund schools.", "2) Hire nurses."]),
    ("• 9. Roads reopen • 10. Schools reopen", ["• 9. Roads reopen", "• 10. Schools reopen"]),
    ("a. Cut fares b. Add buses c. Extend hours", ["a. Cut fares", "b. Add buses", "c. Extend hours"]),
    # ellipses
    ("The minister said the plan would work.... Critics disagreed.",
     ["The minister said the plan would work....", "Critics disagreed."]),
    ("“We are ... well, we are not sure . . . yet,” he said.",
     ["“We are ... well, we are not sure . . . yet,” he said."]),
    ("The statement ended with a warning . . . . Markets fell.",
     ["The statement ended with a warning . . . .", "Markets fell."]),
]


@pytest.mark.parametrize(("text", "expected"), NEWS_CASES + NEWS_RULE_CASES)
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


SLICE_TEXTS = [text for text, _ in NEWS_CASES + NEWS_RULE_CASES] + [
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


# Contexts Punkt asks about ("word. Next"): plain words, abbreviations, initials, numbers,
# collocations' first words, closing quotes and brackets, and several spaces.
CONTEXTS = ["said. The", "said.” Secretary", "said.) Then", "talks.  Next", "NATO. It", "Mr. Smith",
            "Gen. James", "Jr. He", "J. Bach", "i. e", "b. The", "o. Then", "no. 5", "Co. The",
            "Inc. The", "etc. and", "St. Louis", "5. Then", "ab.cd. The", "issues.?", "ft. of",
            "words.. More", "well. . .", "well.  . .", "well. ..", "well. .x", "U.S. How", "p.m. Police", "x. y", "Ok. Go", "said.\nThe",
            "it.”", "am. I", "vs. the", "Sept. 5", "mrs. Jones", "MR. JONES", "pp. 10", "jan. The"]


@pytest.mark.parametrize("context", CONTEXTS)
def test_plain_contexts_are_decided_as_punkt_decides_them(context: str) -> None:
    tokenizer = _tokenizer()
    asked = PunktSentenceTokenizer.text_contains_sentbreak(tokenizer, context)
    assert tokenizer.text_contains_sentbreak(context) == asked


def test_the_list_marker_check_never_misses_a_marker() -> None:
    rng = random.Random(7)
    pieces = ["1.", "2.)", "12)", "a.", "b)", "• 3.", "⁃4.", "•5.", "word", "x", ":", "\n", "  ",
              "said.", "a", "9", "(1)", "z.)", "٣.", "ab."]
    for _ in range(3000):
        text = "".join(rng.choice(pieces + [" "] * 6) for _ in range(rng.randint(1, 12)))
        assert bool(_LIST_MARKER_RE.search(text)) <= _may_hold_markers(text), text
