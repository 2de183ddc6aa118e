"""Questions to answers: BM25 over passages, a little help from context, and a graded confidence.

An answer quotes the passages that rank best and says how sure it is: "answer" (quote them),
"unsure" (quote them as the closest passages, which may not answer it) or "none" (quote
nothing, and say which of the question's key words the articles never mention). The grade comes
from a fitted model over measured evidence (`index/confidence.py`), not from hand-set weights.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import NamedTuple

import numpy as np

from . import rarity
from .analysis import analyze, analyze_spans, fold_accents, normalize_word, spans_of
from .articles import Article
from .calendar import MONTH_ABBREVIATIONS, MONTHS, WEEKDAYS
from .confidence import ANSWER, NONE, UNSURE, ConfidenceModel, Evidence, default_model
from .model import SearchIndex
from .passages import Passage
from .speakers import SAY_INVERTED, SPEECH_VERBS, matches_speaker, question_speaker
from .spelling import closest_word

#: How many best-scored passages are looked at for a question that passes most of them over:
#: what X said, or a number or a time.
CANDIDATES = 50

#: Another article's best BM25 score among this many of the best-scored passages is what the
#: best passage is measured against (`Evidence.gap`). Fixed, so that a grade does not change
#: with how many passages are asked for; and other questions look at no more passages than
#: they need and this, where ranking 50 cost a fifth of a question at a million sentences.
RIVALS = 20

#: How many of them the evidence looks over for the best-covered one.
EVIDENCE_DEPTH = 10

#: Another article's best passage is shown before a second passage from the first article
#: when its score is at least this share of the best score.
BOTH_SIDES_SHARE = 0.8

#: At most this many of the question's unknown words are named when nothing is quoted.
MISSING_NAMED = 3

NOTHING = "Nothing in the articles answers that."

_QUOTE_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})

# Questions that ask for a number or a time are best answered by a passage that has one.
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
    rf"{_DIGITS}|\b({'|'.join(WEEKDAYS + MONTHS + MONTH_ABBREVIATIONS)}|"
    r"yesterday|today|tonight|tomorrow|ago|weekend|morning|"
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
# Words that may stand between a speaker and the verb: "Austin also detailed".
_BETWEEN = frozenset({"also", "then", "later", "again", "has", "had", "have", "further"})

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
    before: tuple[Passage, ...] = ()    # neighbouring sentences, for context
    after: tuple[Passage, ...] = ()
    speakers: tuple[str, ...] = ()      # who speaks in the passage, main speaker first
    also: tuple[tuple[Passage, Article], ...] = ()  # the same sentence in other articles
    words: frozenset[str] | None = None  # the words `matched` stand for; None if not known

    @cached_property
    def marks(self) -> tuple[tuple[int, int], ...]:
        """Character spans of the matched words in passage.text, to show them in bold: found
        when a rendering first asks, as JSON shows none (a ten-passage answer spent 0.08 ms
        finding them, median at a million sentences, 5% of its time)."""
        return tuple(spans_of(self.passage.text, set(self.matched), self.words))


@dataclass(frozen=True)
class Answer:
    question: str
    hits: tuple[Hit, ...]               # best first (renderings group them: `render.shown`)
    reason: str | None = None                       # why there are no hits
    corrections: dict[str, str] = field(default_factory=dict)  # typed word -> searched word
    terms: tuple[str, ...] = ()
    speaker: str | None = None          # "what did X say": the X asked about, as typed
    grade: str = ANSWER                 # answer | unsure | none
    confidence: float = 1.0             # 0-1: how likely the hits answer the question
    evidence: Evidence | None = None    # what the confidence was computed from
    missing: tuple[str, ...] = ()       # key words of the question the articles never use


class QuestionError(ValueError):
    """The question itself cannot be searched (empty, too long); the message says why."""


def clean_question(question: str, max_chars: int) -> str:
    """Control and format characters become spaces; runs of space fold to one."""
    text = str(question)
    if not (text.isascii() and text.isprintable()):  # printable ASCII has none of them
        text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
                       for c in text)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("Please ask a question: it was empty.")
    if len(text) > max_chars:
        raise QuestionError(f"That question is {len(text)} characters long; "
                            f"please keep it under {max_chars}.")
    return text


@dataclass(frozen=True)
class QueryTerms:
    """A question's terms, with what each came from."""

    terms: list[str]             # searched terms, typos corrected
    words: list[str]             # the normalised word each term stands for (as corrected)
    starts: list[int]            # where in the question each term's word starts
    unknown: list[str]           # words, as typed, that the articles never use (not typos)
    corrections: dict[str, str]  # typed word -> the article word searched instead

    def without(self, asking: set[str]) -> "QueryTerms":
        """The same, less the terms that only say what is being asked (unless that is all)."""
        keep = [n for n, t in enumerate(self.terms) if t not in asking] or range(len(self.terms))
        return QueryTerms([self.terms[n] for n in keep], [self.words[n] for n in keep],
                          [self.starts[n] for n in keep], self.unknown, self.corrections)


#: `normalize_word` for question words, which repeat from question to question (it costs
#: microseconds a word: Unicode normalisation and case folding).
_normal_word = lru_cache(maxsize=50_000)(normalize_word)


def query_terms(index: SearchIndex, question: str) -> QueryTerms:
    """The question's terms. A word the articles never use is corrected to the closest word
    they do use, unless it is a real word typed on purpose (`rarity.is_meant`)."""
    terms, words, starts, unknown, corrections = [], [], [], [], {}
    for t in analyze_spans(question):
        typed = question[t.start:t.end]
        word = _normal_word(typed)
        starts.append(t.start)
        fixed = None if index.has_term(t.term) else closest_word(
            word, index.words_by_letter.get(word[:1], []))
        if fixed is not None and not rarity.is_meant(word, fixed):
            corrections[word] = fixed
            terms.append(index.vocabulary[fixed][0])
            words.append(fixed)
            continue
        terms.append(t.term)
        words.append(word)
        if not index.has_term(t.term):
            unknown.append(typed)
    return QueryTerms(terms, words, starts, unknown, corrections)


def _speaks(index: SearchIndex, i: int, name: str) -> bool:
    """Is `name` (as a question types it) one of the speakers of passage i?"""
    aliases = index.speaker_aliases(i)
    return any(matches_speaker(name, who, aliases) for who in index.data.speakers(i))


def _plain_words(text: str) -> list[str]:
    """The words of `text` in lower case without accents, as names are compared."""
    return _WORDS.findall(fold_accents(text.casefold()))


def _named_saying(index: SearchIndex, i: int, name: str) -> bool:
    """Passage i has `name` (or a title the article gives that speaker: "the Secretary" for
    Austin) as the subject of a speech verb: "Gallant highlighted …", "The Secretary stressed
    …," the Pentagon said; or "…, said Gallant". Being named next to someone else's verb
    ("Austin warned Gallant") is not speaking."""
    words = _plain_words(index.data.passage_text(i))
    if not any(w in _SAID for w in words):
        return False
    aliases = index.speaker_aliases(i)
    typed = _plain_words(name)
    forms = {tuple(typed), tuple(typed[-1:])} - {()}
    forms |= {tuple(_plain_words(form)) for who, names in aliases.items()
              if matches_speaker(name, who, aliases) for form in names if len(form) > 3}
    for form in forms:
        n = len(form)
        for s in range(len(words) - n + 1):
            if tuple(words[s:s + n]) != form:
                continue
            after = words[s + n:s + n + 2]
            if after[:1] and (after[0] in _SAID or (after[0] in _BETWEEN and after[1:2]
                                                    and after[1] in _SAID)):
                return True
            if s and words[s - 1] in SAY_INVERTED:
                return True
    return False


def _unattributed_speech(index: SearchIndex, i: int) -> bool:
    """Speech whose speaker the rules could not name ("He assured monks that …"): it may be
    the asked speaker's, so it is not ruled out."""
    return not index.data.speakers(i) and any(
        w in _SAID for w in _plain_words(index.data.passage_text(i)))


def _answer_type(question: str) -> re.Pattern | None:
    """What an answer should contain for questions that ask for a number or a time."""
    if _NUMBER_QUESTION.search(question):
        return _NUMBER
    if _TIME_QUESTION.search(question):
        return _TIME
    return None


def _fix_name(index: SearchIndex, name: str, corrections: dict[str, str]) -> str:
    """The asked speaker's name as the articles spell it: typos corrected as the search
    corrected them, and a word the articles use only in another form (`pentagone`, which
    makes the term `pentagon`) in the form they use most."""
    words = []
    for typed in name.split():
        word = normalize_word(typed)
        if word in corrections:
            words.append(_cased_like(typed, corrections[word]))
        elif word not in index.vocabulary and (terms := analyze(typed)) and len(terms) == 1 \
                and terms[0] in index.term_words:
            used = max(index.term_words[terms[0]], key=lambda w: index.vocabulary[w][1])
            words.append(_cased_like(typed, used))
        else:
            words.append(typed)
    return " ".join(words)


def _cased_like(typed: str, word: str) -> str:
    """`word` (lower case, as the vocabulary keeps words) in the case it was typed in: the
    name is shown back to the reader ("the articles don't quote the US", not "the us")."""
    if typed.isupper():
        return word.upper()
    return word[:1].upper() + word[1:] if typed[:1].isupper() else word


@dataclass(frozen=True)
class _Reading:
    """What a question asks for, beyond its words: how much each word weighs, a number or a
    time, and for "what did X say about Y", X and Y."""

    weight: dict[str, float]            # term -> its rarity in English, to the model's power
    idf: dict[str, float]               # term -> its idf in the articles
    expects: re.Pattern | None          # a number or a time the passage should hold
    speaker: str | None                 # X, typos corrected
    topic: frozenset[str]               # Y's terms
    strict: bool                        # X's words only (say, tell, claim …; not ask for)
    byline: bool                        # "who wrote the article about …": a byline answers

    @classmethod
    def of(cls, index: SearchIndex, text: str, query: QueryTerms, power: float) -> "_Reading":
        asked = question_speaker(text)
        speaker = _fix_name(index, asked[0], query.corrections) if asked else None
        about = text.rfind(asked[1]) if asked and asked[1] else len(text)
        topic = frozenset(t for t, start in zip(query.terms, query.starts) if start >= about)
        weight: dict[str, float] = {}
        for term, word in zip(query.terms, query.words):
            weight.setdefault(term, rarity.rarity(word) ** power)
        byline = bool(_AUTHORSHIP.search(text))
        if byline:  # "who wrote the article about X": X picks the article
            weight = {t: w for t, w in weight.items() if t not in _ABOUT_WRITING} or weight
        idf = {t: index.idf(t) for t in weight}
        strict = speaker is not None and bool(_SPEECH_QUESTION.search(text))
        return cls(weight, idf, _answer_type(text), speaker, topic, strict, byline)

    def voice(self, index: SearchIndex, i: int, matched: set[str], covered: set[str]) -> int | None:
        """For "what did X say (about Y)": 0 if X speaks in passage i, 1 if X is named saying
        something, 2 for speech nobody is named for, None if it is not X's or not about Y.
        A passage that is about Y only through the sentences beside it comes after those that
        name Y themselves."""
        if self.topic and not self.topic & covered:
            return None
        if _speaks(index, i, self.speaker):
            voice = 0
        elif _named_saying(index, i, self.speaker):
            voice = 1
        elif _unattributed_speech(index, i):
            voice = 2
        else:
            return None
        return voice + 3 if self.topic and not self.topic & matched else voice

    def share(self, terms: set[str], weights: dict[str, float] | None = None) -> float:
        """The share of the question's weight these terms carry, added in the question's order:
        a set's order changes with the interpreter's hash seed, and so would the last bits."""
        weights = self.weight if weights is None else weights
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t in terms) / total if total else 0.0


class _Found(NamedTuple):
    """A passage that may answer, and where it stands."""

    row: int
    article: int           # the article's number
    score: float           # ranking score
    bm25: float
    matched: frozenset[str]  # the question's terms it holds
    covered: frozenset[str]  # ... it and its neighbours hold
    group: tuple[int, int]  # (speaker group, lacks the number or time asked for): lower first


def search(index: SearchIndex, question: str, k: int | None = None,
           model: ConfidenceModel | None = None) -> Answer:
    """Answer a question with up to k quoted passages and a grade, or none and the reason."""
    s = index.settings
    k = k or s.top_k
    text = clean_question(question, s.max_question_chars)
    query = query_terms(index, text)
    if _CALLED.search(text):  # "what is X called": "called" is the asking, not the topic
        query = query.without({"call"})
    terms, corrections = query.terms, query.corrections
    if not terms:
        return Answer(text, (), "The question has no words to search for "
                      "(only common words like 'what' or 'the').", corrections,
                      grade=NONE, confidence=0.0)
    if not len(index):
        return Answer(text, (), "No articles are loaded.", corrections, tuple(terms),
                      grade=NONE, confidence=0.0)
    model = model or default_model()
    q = _Reading.of(index, text, query, model.word_power)
    hits = _byline_hits(index, terms, k) if q.byline else {}
    enough = max(2 * k, EVIDENCE_DEPTH)  # to choose k from and judge them by, however many k is
    sifting = q.strict or q.expects  # candidates are passed over until enough are found
    candidates = index.best(terms, CANDIDATES if sifting else max(RIVALS, enough + 1 + len(hits)))
    rows, scores, bm25s = (a.tolist() for a in candidates)
    articles = index.article_row[candidates[0]].tolist()
    # zip takes a row's coverage before the loop looks at it: hence the one more
    looked_at = len(rows) if sifting else enough + 1
    found: list[_Found] = []
    for i, article, score, bm25, (matched, covered) in zip(
            rows, articles, scores, bm25s, _coverage(index, rows, terms, looked_at)):
        if len(found) >= enough and not sifting:
            break
        if not matched or i in hits:
            continue
        voice = q.voice(index, i, matched, covered) if q.strict else 0
        if voice is None:
            continue
        typed = not q.expects or bool(q.expects.search(index.data.passage_text(i)))
        found.append(_Found(i, article, score, bm25, matched, covered,
                            (voice, 0 if typed else 1)))
    found.sort(key=lambda f: f.group)  # stable: by score within each group
    missing = _missing(query.unknown)
    evidence = _evidence(index, q, terms, found, articles, bm25s) if found else None
    confidence = model.confidence(evidence) if evidence else 0.0
    grade = model.grade(confidence, evidence) if evidence else (UNSURE if hits else NONE)
    if grade == NONE:
        if missing:
            reason = f"The articles don't mention {_listed(missing)}."
        elif q.strict and not found:
            reason = f"The articles don't quote {q.speaker}{' on that' if q.topic else ''}."
        else:
            reason = NOTHING
        return Answer(text, (), reason, corrections, tuple(terms), q.speaker, NONE, confidence,
                      evidence, missing)
    seen: dict[str, int] = {}        # quoted text -> the hit that quotes it
    for f in _both_sides(found):
        if len(hits) == k:
            break
        context = index.in_context(f.row)  # (before, passage, after): read once, as shown
        key = _same_text(context[1].text)
        if key in seen:  # a syndicated sentence: one quotation, every source
            kept, passage = hits[seen[key]], context[1]
            hits[seen[key]] = replace(kept, also=kept.also + (
                (passage, index.articles[passage.article_id]),))
            continue
        seen[key] = f.row
        hits[f.row] = _hit(index, f.row, f.score, f.bm25, f.matched, context)
    return Answer(text, tuple(hits.values()), None, corrections, tuple(terms), q.speaker,
                  grade, confidence, evidence, missing)


def _coverage(index: SearchIndex, rows: list[int], terms: list[str],
              first: int) -> Iterator[tuple[frozenset[str], frozenset[str]]]:
    """`index.coverage` of the rows, the first `first` at once and the rest only if the caller
    reads on: a row's coverage reads its and its neighbours' terms from scattered memory, and
    most answers are chosen from well under all the candidates."""
    yield from index.coverage(rows[:first], terms)
    if first < len(rows):
        yield from index.coverage(rows[first:], terms)


def _evidence(index: SearchIndex, q: _Reading, terms: list[str], found: list[_Found],
              articles: list[int], bm25s: list[float]) -> Evidence:
    """What the best passage (found[0]) shows about whether it answers the question, given
    every candidate's article and BM25 score, best first."""
    top = found[0]
    article = top.article
    runner_up = max((b for a, b in zip(articles[:RIVALS], bm25s[:RIVALS]) if a != article),
                    default=0.0)
    best_possible = index.best_possible(terms)
    lacked = [w for t, w in q.weight.items() if t not in top.covered]
    heaviest = max(q.weight.values(), default=0.0)
    return Evidence(
        bm25=top.bm25,
        bm25_share=top.bm25 / best_possible if best_possible > 0 else 0.0,
        cover=q.share(top.matched),
        cover_near=q.share(top.covered),
        cover_idf=q.share(top.covered, q.idf),
        cover_best=max(q.share(f.covered) for f in found[:EVIDENCE_DEPTH]),
        unknown=q.share({t for t in q.weight if not index.has_term(t)}),
        missed_key=max(lacked, default=0.0) / heaviest if heaviest > 0 else 0.0,
        missing_weight=sum(lacked),
        article_cover=q.share(_article_holds(index, article, q.weight, top.covered)),
        spread=len(set(articles[:EVIDENCE_DEPTH])) / min(EVIDENCE_DEPTH, len(index.article_ids)),
        gap=max(0.0, 1.0 - runner_up / top.bm25) if top.bm25 > 0 else 0.0,
        type_missing=float(top.group[1]),
        terms=float(len(q.weight)),
    )


def _article_holds(index: SearchIndex, article: int, terms, covered: frozenset[str]) -> set[str]:
    """`index.article_holds(article, terms)`, knowing that the article holds `covered` (the
    terms of a passage of it and its neighbours): only the others are looked for, in the
    article's passages."""
    rest = [t for t in terms if t not in covered]
    elsewhere = index.article_holds(article, rest) if rest else set()
    return {t for t in terms if t in covered or t in elsewhere}


def _missing(unknown: list[str]) -> tuple[str, ...]:
    """The question's words the articles never use, rarest (most telling) first."""
    seen: dict[str, str] = {}
    for word in unknown:
        seen.setdefault(word.casefold(), word)
    ranked = sorted(seen.values(), key=lambda w: -rarity.rarity(normalize_word(w)))
    return tuple(ranked[:MISSING_NAMED])


def _listed(words: tuple[str, ...]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _both_sides(found: list[_Found]) -> list[_Found]:
    """The best passage of each article that answers as the best one does (the same question
    words, a score near it), before a second passage from any article: several outlets
    reporting one event all get heard."""
    if not found:
        return found
    top = found[0]
    leaders: dict[int, _Found] = {}
    for f in found:
        a = f.article
        if (a not in leaders and f.group == top.group and f.score >= BOTH_SIDES_SHARE * top.score
                and f.matched >= top.matched):
            leaders[a] = f
    chosen = {f.row for f in leaders.values()}
    return list(leaders.values()) + [f for f in found if f.row not in chosen]


def _same_text(text: str) -> str:
    """What makes two quotations the same sentence: case, quote marks and spacing aside.
    ASCII text has no curly quotes to fold (translating by a table costs as much as the
    rest)."""
    folded = text if text.isascii() else text.translate(_QUOTE_FOLD)
    return " ".join(folded.casefold().split())


def _byline_hits(index: SearchIndex, terms: list[str], k: int) -> dict[int, Hit]:
    """For an authorship question, the bylines of the articles the rest of it points to."""
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


def _hit(index: SearchIndex, i: int, score: float, bm25: float, matched: set[str],
         context: tuple[list[Passage], Passage, list[Passage]] | None = None) -> Hit:
    """Passage i as a hit; `context` is `index.in_context(i)` when the caller has it."""
    before, passage, after = context or index.in_context(i)
    words = index.words_of(matched)
    return Hit(passage, index.articles[passage.article_id], score, bm25, tuple(sorted(matched)),
               tuple(before), tuple(after), index.data.speakers(i),
               words=None if words is None else frozenset(words))
