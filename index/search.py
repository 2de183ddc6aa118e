"""Questions to answers: BM25 over passages, a little help from context, and abstention.

An answer either quotes passages that cover enough of the question's meaningful words, or
says why it quotes nothing. It never stretches a single shared word into an answer.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from .analysis import analyze_spans, normalize_word, spans_of
from .articles import Article
from .model import SearchIndex
from .passages import Passage
from .spelling import closest_word

#: How many best-scored passages are checked for coverage before giving up.
CANDIDATES = 50

# "Who wrote the article about X?" asks for a byline: the words about the writing itself
# pick nothing out, the rest pick the article.
_AUTHORSHIP = re.compile(r"\bwho\b.*\b(wrote|writes|written|authored|penned|reported)\b|"
                         r"\b(author|byline|writer)\b|\bwritten by\b", re.I)
_ABOUT_WRITING = {"write", "author", "articl", "stori", "piec", "byline", "writer", "report",
                  "wrote", "pen"}


@dataclass(frozen=True)
class Hit:
    passage: Passage
    article: Article
    score: float                        # the ranking score: BM25 plus context
    bm25: float                         # rank-bm25's score of the passage alone
    matched: tuple[str, ...]            # query terms found in the passage
    marks: tuple[tuple[int, int], ...]  # character spans of matched words in passage.text
    before: tuple[Passage, ...] = ()    # neighbouring sentences, for context
    after: tuple[Passage, ...] = ()


@dataclass(frozen=True)
class Answer:
    question: str
    hits: tuple[Hit, ...]
    reason: str | None = None                       # why there are no hits
    corrections: dict[str, str] = field(default_factory=dict)  # typed word -> searched word
    terms: tuple[str, ...] = ()


class QuestionError(ValueError):
    """The question itself cannot be searched (empty, too long); the message says why."""


def clean_question(question: str, max_chars: int) -> str:
    """Control and format characters become spaces; runs of space fold to one."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
                   for c in str(question))
    text = " ".join(text.split())
    if not text:
        raise QuestionError("Please ask a question: it was empty.")
    if len(text) > max_chars:
        raise QuestionError(f"That question is {len(text)} characters long; "
                            f"please keep it under {max_chars}.")
    return text


def query_terms(index: SearchIndex, question: str) -> tuple[list[str], dict[str, str]]:
    """The question's terms, with unknown words corrected to the closest known ones."""
    terms, corrections = [], {}
    for t in analyze_spans(question):
        if index.has_term(t.term):
            terms.append(t.term)
            continue
        word = normalize_word(question[t.start:t.end])
        fixed = closest_word(word, index.words_by_letter.get(word[:1], []))
        if fixed is None:
            terms.append(t.term)
        else:
            corrections[word] = fixed
            terms.append(index.vocabulary[fixed][0])
    return terms, corrections


def _covered(index: SearchIndex, i: int, rows: dict[int, str]) -> set[str]:
    """Query terms found in a passage or the sentences either side of it."""
    found = index.terms_in(i, rows)
    for j in (index.prev[i], index.next[i]):
        if j >= 0:
            found |= index.terms_in(int(j), rows)
    return found


def search(index: SearchIndex, question: str, k: int | None = None) -> Answer:
    """Answer a question with up to k quoted passages, or none and the reason."""
    s = index.settings
    k = k or s.top_k
    text = clean_question(question, s.max_question_chars)
    terms, corrections = query_terms(index, text)
    if not terms:
        return Answer(text, (), "The question has no words to search for "
                      "(only common words like 'what' or 'the').", corrections)
    if not len(index):
        return Answer(text, (), "No articles are loaded.", corrections, tuple(terms))
    wanted = set(terms)
    needed = max(1, math.ceil(s.min_coverage * len(wanted)))
    rows = index.term_rows(wanted)
    hits = _byline_hits(index, text, terms, k)
    for i, score, bm25 in zip(*(a.tolist() for a in index.best(terms, CANDIDATES))):
        if len(hits) == k:
            break
        matched = index.terms_in(i, rows)
        if not matched or len(_covered(index, i, rows)) < needed or i in hits:
            continue
        hits[i] = _hit(index, i, score, bm25, matched)
    if not hits:
        return Answer(text, (), "Nothing in the articles answers that.", corrections, tuple(terms))
    return Answer(text, tuple(hits.values()), None, corrections, tuple(terms))


def _byline_hits(index: SearchIndex, question: str, terms: list[str], k: int) -> dict[int, Hit]:
    """For an authorship question, the bylines of the articles the rest of it points to."""
    if not _AUTHORSHIP.search(question):
        return {}
    topic = [t for t in terms if t not in _ABOUT_WRITING]
    scores = np.zeros(len(index.article_ids))
    np.maximum.at(scores, index.article_row, index.bm25_scores(topic))
    if topic and not scores.any():
        return {}
    bylines = index.bylines
    order = sorted(range(len(index.article_ids)), key=lambda a: (-scores[a], a))
    hits: dict[int, Hit] = {}
    for a in order[:k]:
        i = bylines.get(index.article_ids[a])
        if i is not None and (scores[a] > 0 or not topic):
            hits[i] = _hit(index, i, float(scores[a]), 0.0, set())
            break
    return hits


def _hit(index: SearchIndex, i: int, score: float, bm25: float, matched: set[str]) -> Hit:
    passage = index.passages[i]
    marks = tuple(spans_of(passage.text, matched, index.words_of(matched)))
    before, after = index.neighbours(passage)
    return Hit(passage, index.articles[passage.article_id], score, bm25,
               tuple(sorted(matched)), marks, tuple(before), tuple(after))
