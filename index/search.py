"""Questions to answers: BM25 over passages, a little help from context, and abstention.

An answer either quotes passages that cover enough of the question's meaningful words, or
says why it quotes nothing. It never stretches a single shared word into an answer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

import numpy as np

from .analysis import analyze, analyze_spans, normalize_word, spans_of
from .articles import Article
from .model import SearchIndex
from .passages import Passage
from .speakers import SPEECH_VERBS, matches_speaker, question_speaker
from .spelling import closest_word

#: How many best-scored passages are checked for coverage before giving up.
CANDIDATES = 50

#: How much a question word the articles never use weighs against a passage's coverage, where
#: a known word weighs 1.
UNKNOWN_WEIGHT = 2.0

#: A known word counts fully when its idf is at least this; commoner words count less.
IDF_FULL = 2.0

#: A question asking for a number or a time, answered by a passage holding one, needs only
#: this share of the usual coverage.
TYPED_RELIEF = 0.6

#: Another article's best passage is shown before a second passage from the first article
#: when its score is at least this share of the best score.
BOTH_SIDES_SHARE = 0.8

_QUOTE_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})

# Questions that ask for a number or a time can only be answered by a passage that has one.
_NUMBER_QUESTION = re.compile(
    r"^\W*(?:(?:for|by|about|approximately|roughly|in|on|at)\s+)?how\s+(many|much|often|long|old|far)\b"
    r"|\bhow\s+(many|much|long|old)\W*$", re.I)
_TIME_QUESTION = re.compile(r"^\W*(when|since when|(on|in|at)?\s*what\s+(year|day|date|time|month))\b",
                            re.I)
_NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                 "forty|fifty|hundred|hundreds|thousand|thousands|million|millions|billion|"
                 "billions|dozen|dozens|twice|thrice|once|half|several|few")
_DIGITS = r"(?<![\w-])\d+(?:[.,]\d+)*(?:s|st|nd|rd|th)?(?![\w-])"   # 40, 1.5, 1980s, 18th
_NUMBER = re.compile(rf"{_DIGITS}|\b(?:{_NUMBER_WORDS})\b", re.I)
_TIME = re.compile(
    rf"{_DIGITS}|\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|"
    r"march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|"
    r"jun|jul|aug|sep|sept|oct|nov|dec|yesterday|today|tonight|tomorrow|ago|weekend|morning|"
    r"afternoon|evening|century|centuries|decade|decades|bc|ad|bce|ce|era|period|reign|war|"
    r"years|months|weeks|days|"
    r"(?:last|next|this)\s+(?:week|month|year))\b", re.I)
_WORDS = re.compile(r"[a-z]+")
# Questions about what someone said (not what they asked for or did): only their words answer.
_SPEECH_QUESTION = re.compile(r"\b(say|says|said|tell|tells|told|claim|claimed|warn|warned|"
                              r"stress|stressed|declare|declared|announce|announced|insist|"
                              r"insisted|describe|described|think|thinks)\b", re.I)
_CALLED = re.compile(r"\bcalled\W*$", re.I)
_REPORTED = ("ed", "said", "told", "wrote")  # a verb's reported forms; "state" may be a noun
_SAID = {w for w in SPEECH_VERBS if w.endswith(_REPORTED)} | {
    "assured", "asserted", "condemned", "argued", "explained", "replied", "responded",
    "described", "promised", "suggested", "believed", "felt", "called"}

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
    speakers: tuple[str, ...] = ()      # who speaks in the passage, main speaker first
    also: tuple[tuple[Passage, Article], ...] = ()  # the same sentence in other articles


@dataclass(frozen=True)
class Answer:
    question: str
    hits: tuple[Hit, ...]
    reason: str | None = None                       # why there are no hits
    corrections: dict[str, str] = field(default_factory=dict)  # typed word -> searched word
    terms: tuple[str, ...] = ()
    speaker: str | None = None          # "what did X say": the X asked about, as typed


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


def query_terms(index: SearchIndex, question: str) -> tuple[list[str], dict[str, str], list[int]]:
    """The question's terms, with unknown words corrected to the closest known ones, and where
    in the question each term's word starts."""
    terms, corrections, starts = [], {}, []
    for t in analyze_spans(question):
        starts.append(t.start)
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
    return terms, corrections, starts


def _speaks(index: SearchIndex, i: int, name: str) -> bool:
    """Is `name` (as a question types it) one of the speakers of passage i?"""
    aliases = index.speaker_aliases(i)
    return any(matches_speaker(name, who, aliases) for who in index.data.speakers(i))


def _named_saying(index: SearchIndex, i: int, name: str) -> bool:
    """Passage i names `name` (or a title the article gives that speaker: "the Secretary" for
    Austin) and has a speech verb: reported speech inside a quotation ("The Secretary stressed
    …," the Pentagon said) or a shape the speaker rules miss."""
    text = index.data.passage_text(i)
    if not any(w in _SAID for w in _WORDS.findall(text.casefold())):
        return False
    if set(analyze(name)) & set(analyze(text)):
        return True
    aliases = index.speaker_aliases(i)
    folded = " ".join(_WORDS.findall(text.casefold()))
    return any(f" {' '.join(_WORDS.findall(form))} " in f" {folded} "
               for who, forms in aliases.items() if matches_speaker(name, who, aliases)
               for form in forms if len(form) > 3)


def _unattributed_speech(index: SearchIndex, i: int) -> bool:
    """Speech whose speaker the rules could not name ("He assured monks that …"): it may be
    the asked speaker's, so it is not ruled out."""
    return not index.data.speakers(i) and any(
        w in _SAID for w in _WORDS.findall(index.data.passage_text(i).casefold()))


def _answer_type(question: str) -> re.Pattern | None:
    """What an answer must contain for questions that ask for a number or a time."""
    if _NUMBER_QUESTION.search(question):
        return _NUMBER
    if _TIME_QUESTION.search(question):
        return _TIME
    return None


def _fix_name(name: str, corrections: dict[str, str]) -> str:
    """The asked speaker's name with its typos corrected as the search corrected them."""
    return " ".join(corrections.get(normalize_word(w), w) for w in name.split())


@dataclass(frozen=True)
class _Reading:
    """What a question asks for, beyond its words: how much of it an answer must cover, a
    number or a time, and for "what did X say about Y", X and Y."""

    weight: dict[str, float]
    bar: float                          # the covered weight an answer needs
    expects: re.Pattern | None          # a number or a time the passage must hold
    speaker: str | None                 # X, typos corrected
    topic: frozenset[str]               # Y's terms
    strict: bool                        # X's words only (say, tell, claim …; not ask for)

    @classmethod
    def of(cls, index: SearchIndex, text: str, terms: list[str], corrections: dict[str, str],
           starts: list[int]) -> "_Reading":
        asked = question_speaker(text)
        speaker = _fix_name(asked[0], corrections) if asked else None
        about = text.rfind(asked[1]) if asked and asked[1] else len(text)
        topic = frozenset(t for t, start in zip(terms, starts) if start >= about)
        # A word most passages hold says little and counts less; a word the articles never use
        # (after typo correction) says most about what they cannot answer, and counts double.
        weight = {t: min(1.0, index.idf(t) / IDF_FULL) if index.has_term(t) else UNKNOWN_WEIGHT
                  for t in set(terms)}
        if _CALLED.search(text):  # "what is X called": the asking, not the topic
            weight.pop("call", None)
        expects = _answer_type(text)
        bar = index.settings.min_coverage * sum(weight.values()) * (TYPED_RELIEF if expects else 1.0)
        strict = speaker is not None and bool(_SPEECH_QUESTION.search(text))
        return cls(weight, bar, expects, speaker, topic, strict)

    def admits(self, index: SearchIndex, i: int, covered: set[str]) -> bool:
        """May passage i answer (`covered`: the question's terms it and its neighbours hold)?"""
        if sum(self.weight.get(t, 0.0) for t in covered) < self.bar:
            return False
        if self.expects and not self.expects.search(index.data.passage_text(i)):
            return False  # "how many" wants a number, "when" a time
        if not self.strict:
            return True
        # "What did X say about Y": X speaking (or named saying something), about Y.
        if self.topic and not self.topic & covered:
            return False
        return (_speaks(index, i, self.speaker) or _named_saying(index, i, self.speaker)
                or _unattributed_speech(index, i))


def search(index: SearchIndex, question: str, k: int | None = None) -> Answer:
    """Answer a question with up to k quoted passages, or none and the reason."""
    s = index.settings
    k = k or s.top_k
    text = clean_question(question, s.max_question_chars)
    terms, corrections, starts = query_terms(index, text)
    if not terms:
        return Answer(text, (), "The question has no words to search for "
                      "(only common words like 'what' or 'the').", corrections)
    if not len(index):
        return Answer(text, (), "No articles are loaded.", corrections, tuple(terms))
    q = _Reading.of(index, text, terms, corrections, starts)
    hits = _byline_hits(index, text, terms, k)
    found: list[tuple[int, float, float, set[str], int]] = []
    best = [a.tolist() for a in index.best(terms, CANDIDATES)]
    for i, score, bm25, (matched, covered) in zip(*best, index.coverage(best[0], terms)):
        if len(found) >= 2 * k and not q.strict:
            break  # enough to choose k from, with another article's best among them
        if matched and i not in hits and q.admits(index, i, covered):
            first = q.strict and _speaks(index, i, q.speaker)  # X's own words first
            found.append((i, score, bm25, matched, 0 if first else 1))
    found.sort(key=lambda f: f[4])  # stable: by score within each group
    seen: dict[str, int] = {}        # quoted text -> the hit that quotes it
    for i, score, bm25, matched in ((f[0], f[1], f[2], f[3]) for f in _both_sides(index, found)):
        if len(hits) == k:
            break
        key = _same_text(index.data.passage_text(i))
        if key in seen:  # a syndicated sentence: one quotation, every source
            kept = hits[seen[key]]
            hits[seen[key]] = replace(kept, also=kept.also + (
                (index.passages[i], index.articles[index.passages[i].article_id]),))
            continue
        seen[key] = i
        hits[i] = _hit(index, i, score, bm25, matched)
    if not hits:
        return Answer(text, (), "Nothing in the articles answers that.", corrections,
                      tuple(terms), q.speaker)
    return Answer(text, tuple(hits.values()), None, corrections, tuple(terms), q.speaker)


def _both_sides(index: SearchIndex, found: list[tuple]) -> list[tuple]:
    """The best passage of each article that answers as the best one does (the same question
    words, a score near it), before a second passage from any article: several outlets
    reporting one event all get heard."""
    if not found:
        return found
    top = found[0]
    leaders: dict[int, tuple] = {}
    for f in found:
        a = int(index.article_row[f[0]])
        if (a not in leaders and f[4] == top[4] and f[1] >= BOTH_SIDES_SHARE * top[1]
                and f[3] >= top[3]):
            leaders[a] = f
    chosen = {f[0] for f in leaders.values()}
    return list(leaders.values()) + [f for f in found if f[0] not in chosen]


def _same_text(text: str) -> str:
    """What makes two quotations the same sentence: case, quote marks and spacing aside."""
    return " ".join(text.translate(_QUOTE_FOLD).casefold().split())


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
               tuple(sorted(matched)), marks, tuple(before), tuple(after),
               index.data.speakers(i))
