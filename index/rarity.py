"""How rare a word is in general English, from wordfreq (its word lists ship in the wheel).

Two decisions rest on it: how much a question word weighs when a passage is judged against
the question ("nature" says less than "Rafah"), and whether a word the articles never use is a
real word the reader meant (its absence is then evidence) or a slip for a word they do use.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import version

import numpy as np
from wordfreq import zipf_frequency

#: The top of wordfreq's Zipf scale: log10 of a word's frequency per billion words. Words it
#: has never seen score 0, so a word's rarity runs from about 1 ("the") to 9 (unseen).
ZIPF_TOP = 9.0

#: Zipf 4 is once per 100,000 words of English: a word at least that common is taken as
#: typed on purpose and never "corrected" into another word.
COMMON_ZIPF = 4.0


#: The wordfreq release the saved rarities come from: an index saved with another is rebuilt.
WORDFREQ_VERSION = version("wordfreq")

#: The vocabulary's words -> their Zipf frequency, as the saved index holds them
#: (`remember`): a new question's words are found here, where asking wordfreq costs about
#: 8 µs a word (it tokenizes the word first), a tenth of a millisecond a question.
_KNOWN: dict[str, float] = {}


def zipf(word: str) -> float:
    """wordfreq's Zipf frequency of an English word (0 for words it has never seen)."""
    known = _KNOWN.get(word)
    return known if known is not None else _zipf(word)


@lru_cache(maxsize=100_000)
def _zipf(word: str) -> float:
    return zipf_frequency(word, "en")


def centi_zipfs(words: list[str]) -> np.ndarray:
    """The words' Zipf frequencies in hundredths, as an index saves them: wordfreq gives them
    to two decimals, between 0 and 9, so `n / 100` is the very float it returned."""
    return np.array([round(_zipf(w) * 100) for w in words], dtype=np.uint16)


def remember(words: list[str], centi: np.ndarray) -> None:
    """Remember the Zipf frequencies an index saved for its words (`centi_zipfs`), in place
    of the last ones: the table holds one vocabulary, however many indexes a process loads."""
    known = dict(zip(words, (n / 100 for n in centi.tolist())))
    _KNOWN.clear()
    _KNOWN.update(known)


def rarity(word: str) -> float:
    """A word's weight as evidence: how many powers of ten rarer than the commonest words."""
    return max(0.0, ZIPF_TOP - zipf(word))


def is_meant(word: str, closest: str) -> bool:
    """Is `word` (unknown to the articles) a real word typed on purpose, rather than a slip for
    `closest` (the nearest word the articles use)? A common word is always meant; a rarer one is
    meant when it is at least as common in English as the word it would be corrected to, as a
    name the articles never mention usually is."""
    typed = zipf(word)
    return typed >= COMMON_ZIPF or typed >= zipf(closest)


def warm() -> None:
    """Load wordfreq's English list now rather than on the first question."""
    _zipf("the")
