"""The one analyzer: text to search terms, for passages and questions alike.

Every term keeps the span of the words it came from, so the same pass that feeds BM25 can
also mark the matched words in a quotation without a second, drifting tokenizer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import RegexpTokenizer

from .stopwords import STOPWORDS

#: Bump when the analyzer changes what terms it makes: saved indexes then rebuild.
ANALYZER_VERSION = 4

# Order matters: the first alternative that matches wins.
_TOKEN_PATTERN = r"""
    [\w.+-]+@\w+(?:[.-]\w+)*\.\w+                  # e-mail address
  | https?://[^\s"'“”‘’<>()\[\]]*[^\s"'“”‘’<>()\[\].,;:!?]  # URL
  | (?:\w\.){2,}(?!\w)                             # initialisms: U.S. U.N. a.m.
  | \w+(?:\.\w+)*(?:\.(?:com|org|net|gov|edu|io|co|uk))\b   # domains: Antiwar.com
  | \d+(?:[.,]\d+)+                                # numbers: 1.5 1,000 100.00
  | \w+(?:['’]\w+)*(?:-\w+(?:['’]\w+)*)*           # words, contractions, compounds: F-35
"""
_TOKENIZER = RegexpTokenizer(_TOKEN_PATTERN, flags=re.VERBOSE | re.UNICODE | re.IGNORECASE)
_STEMMER = SnowballStemmer("english")

_QUOTE_FOLD = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
                             "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"'})

# Forms Snowball cannot reach: news verbs whose past tense is irregular, mapped to their base
# form, which is then stemmed like any other word (`left` and `leave` both make `leav`).
# Without these, "what did X say" never meets "X said".
_IRREGULAR = {
    "said": "say", "says": "say", "told": "tell", "wrote": "write", "written": "write",
    "spoke": "speak", "spoken": "speak", "met": "meet", "began": "begin", "begun": "begin",
    "went": "go", "gone": "go", "gave": "give", "given": "give", "took": "take",
    "taken": "take", "made": "make", "sought": "seek", "thought": "think", "brought": "bring",
    "fought": "fight", "bought": "buy", "held": "hold", "left": "leave", "lost": "lose",
    "won": "win", "ran": "run", "saw": "see", "seen": "see", "knew": "know", "known": "know",
    "chose": "choose", "chosen": "choose", "struck": "strike", "stood": "stand", "led": "lead",
    "sent": "send", "spent": "spend", "built": "build", "felt": "feel", "kept": "keep",
    "paid": "pay", "hid": "hide", "hidden": "hide", "grew": "grow", "grown": "grow",
    "drew": "draw", "drawn": "draw", "flew": "fly", "flown": "fly", "fell": "fall",
    "fallen": "fall", "rose": "rise", "risen": "rise", "shot": "shoot", "sold": "sell",
    "children": "child", "men": "man", "women": "woman", "people": "person",
}

# All-capital forms that casefold into a stopword but name a country or body.
_CAPITALS = {"US": "u.s", "UN": "u.n", "UK": "u.k", "EU": "e.u"}


@dataclass(frozen=True, slots=True)
class Term:
    """A search term and where in the text it came from."""

    term: str
    start: int
    end: int


def normalize_word(word: str) -> str:
    """Fold a surface word to the form terms are made from (no stemming)."""
    word = word.lower() if word.isascii() else _fold(word)  # `_fold` lowers ASCII, no more
    if word.endswith("'s"):
        word = word[:-2]
    elif word.endswith("s'"):
        word = word[:-1]
    return word.rstrip(".") if _is_initialism(word) else word


def _fold(word: str) -> str:
    """Compatibility forms, curly quotes, case and accents folded away."""
    return fold_accents(unicodedata.normalize("NFKC", word).translate(_QUOTE_FOLD).casefold())


def fold_accents(word: str) -> str:
    """Letters without their accents (`gospić` as `gospic`): readers type names without them."""
    if word.isascii():
        return word
    parts = unicodedata.normalize("NFKD", word)
    return unicodedata.normalize("NFC", "".join(c for c in parts if not unicodedata.combining(c)))


def _is_initialism(word: str) -> bool:
    return len(word) > 2 and word.endswith(".") and all(
        c == "." for c in word[1::2])


#: Words whose term is already known: the serving index's vocabulary, remembered when it is
#: warmed so that marking words in answers need not stem them again. Stemming is a pure
#: function, so a word missing here (an older index's) is only slower, never different.
_KNOWN: dict[str, str] = {}


def remember_stems(pairs) -> None:
    """Remember these (word, term) pairs the analyzer made before, in place of the last ones:
    the cache holds one vocabulary, however many indexes a long-lived process loads."""
    known = dict(pairs)
    _KNOWN.clear()
    _KNOWN.update(known)


def stem(word: str) -> str:
    """Map a normalised word to its term."""
    known = _KNOWN.get(word)
    return known if known is not None else _stem(word)


# A model or code name: letters, perhaps a hyphen, a number, perhaps one more letter.
_CODE_NAME = re.compile(r"([^\W\d_]{1,8})-?(\d{1,5})([^\W\d_]?)")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """Cached because news vocabularies repeat."""
    word = _IRREGULAR.get(word, word)
    if not word.isalpha():
        return _code_name(word) or word
    return _STEMMER.stem(word)


def _code_name(word: str) -> str | None:
    """A code name's one term, however it is written: "f35" for "f-35", "f35" and "f-35s"
    (as "mh17", "covid19"); readers write these names both ways. None for any other word."""
    found = (word.endswith("s") and _CODE_NAME.fullmatch(word[:-1])) or _CODE_NAME.fullmatch(word)
    return "".join(found.groups()) if found else None


def _parts(token: str, start: int) -> list[tuple[str, int, int]]:
    """Split a hyphenated compound into its words, unless a part is a number or a letter.

    `precision-guided` is also asked as `precision guided`; `F-35` is one name.
    """
    pieces = token.split("-")
    if len(pieces) == 1 or any(p.isdigit() or len(p) == 1 for p in pieces):
        return [(token, start, start + len(token))]
    out, offset = [], start
    for piece in pieces:
        out.append((piece, offset, offset + len(piece)))
        offset += len(piece) + 1
    return out


def _term(piece: str, word: str) -> str | None:
    """The term of one word (no hyphens left in it) normalised as `word`, or None for a
    stopword."""
    if piece in _CAPITALS:
        return _CAPITALS[piece]
    if not word or word in STOPWORDS or word.replace("'", "") in STOPWORDS:
        return None
    return stem(word)


# Tokens never span whitespace, so text is analysed piece by piece between spaces, and each
# distinct piece once: news text repeats its pieces ("said," "the") and this keeps building a
# million sentences fast. `re`'s \S and str.split() agree on what whitespace is.
_PIECES = re.compile(r"\S+")
_LETTERS = re.compile(r"[^\W\d_]+")
# Most pieces of news are ASCII letters, perhaps with one closing mark ("said," "Rafah."): the
# tokenizer finds the letters alone in them, and normalize_word only lower-cases them.
_PLAIN_PIECE = re.compile(r"([A-Za-z]+)[,.;:!?]?")


@lru_cache(maxsize=500_000)
def piece_terms(piece: str) -> tuple[tuple[str, str, int, int], ...]:
    """(normalised word, term, start, end) for each term of a piece of text without spaces."""
    plain = _PLAIN_PIECE.fullmatch(piece)
    if plain and plain.group(1) not in _CAPITALS:
        word = plain.group(1).lower()
        term = _term(plain.group(1), word)
        return () if term is None else ((word, term, 0, plain.end(1)),)
    out = []
    for start, end in _TOKENIZER.span_tokenize(piece):
        for part, s, e in _parts(piece[start:end], start):
            word = normalize_word(part)
            term = _term(part, word)
            if term is not None:
                out.append((word, term, s, e))
    return tuple(out)


def analyze_spans(text: str) -> list[Term]:
    """Terms of `text` in order, each with the character span of its surface word."""
    return [Term(term, m.start() + s, m.start() + e)
            for m in _PIECES.finditer(text) for _, term, s, e in piece_terms(m.group())]


def spans_of(text: str, terms: set[str], words: set[str] | None = None) -> list[tuple[int, int]]:
    """Character spans of the words in `text` that make one of `terms` (to mark them).

    `words`, when given, are all the lower-case words those terms come from: pieces holding
    none of them are skipped without being analysed."""
    if words is None:
        pieces = [(m.start(), m.group()) for m in _PIECES.finditer(text)]
    elif text.isascii():  # case folds letter by letter: finding the words is enough
        pieces = _pieces_at(text, sorted(_whole_words(text.lower(), words)))
    else:
        pieces = [(m.start(), m.group()) for m in _PIECES.finditer(text)
                  if not words.isdisjoint(_LETTERS.findall(
                      fold_accents(unicodedata.normalize("NFKC", m.group()).casefold())))]
    return [(start + s, start + e) for start, piece in pieces
            for _, term, s, e in piece_terms(piece) if term in terms]


def _whole_words(low: str, words: set[str]):
    """Where in `low` (lower-case ASCII) one of `words` stands as a whole run of letters."""
    for word in filter(None, words):
        at = low.find(word)
        while at >= 0:
            end = at + len(word)
            if not (low[at - 1:at].isalpha() or low[end:end + 1].isalpha()):
                yield at
            at = low.find(word, at + 1)


def _pieces_at(text: str, positions) -> list[tuple[int, str]]:
    """The pieces (start, text) holding these positions, in order, each once."""
    out: list[tuple[int, str]] = []
    for at in positions:
        if out and at < out[-1][0] + len(out[-1][1]):
            continue  # in the last piece
        while at and not text[at - 1].isspace():
            at -= 1
        out.append((at, _PIECES.match(text, at).group()))
    return out


def analyze(text: str) -> list[str]:
    """The terms BM25 sees for `text`: `analyze_spans` without the spans."""
    return [t[1] for piece in text.split() for t in piece_terms(piece)]
