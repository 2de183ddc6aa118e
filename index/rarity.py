"""How rare a word is in general English, from wordfreq (its word lists ship in the wheel).

Two decisions rest on it: how much a question word weighs when a passage is judged against
the question ("nature" says less than "Rafah"), and whether a word the articles never use is a
real word the reader meant (its absence is then evidence) or a slip for a word they do use.
"""

from __future__ import annotations

from functools import lru_cache

from wordfreq import zipf_frequency

#: The top of wordfreq's Zipf scale: log10 of a word's frequency per billion words. Words it
#: has never seen score 0, so a word's rarity runs from about 1 ("the") to 9 (unseen).
ZIPF_TOP = 9.0

#: Zipf 4 is once per 100,000 words of English: a word at least that common is taken as
#: typed on purpose and never "corrected" into another word.
COMMON_ZIPF = 4.0


@lru_cache(maxsize=100_000)
def zipf(word: str) -> float:
    """wordfreq's Zipf frequency of an English word (0 for words it has never seen)."""
    return zipf_frequency(word, "en")


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
    zipf("the")
