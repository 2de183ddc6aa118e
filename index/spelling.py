"""Typo correction: a question word the articles never use, matched to the closest word they do.

Distances follow search engines' "fuzzy AUTO": none for 1-2 letters, 1 for 3-5, 2 for longer.
The first letter must agree: typos rarely hit it, and without that rule ordinary words the
articles happen not to use turn into unrelated ones (`talked` into `packed`).
rapidfuzz does the distance in C, so this stays fast over a vocabulary of many thousands.
"""

from __future__ import annotations

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein


def max_edits(word: str) -> int:
    return 0 if len(word) <= 2 else 1 if len(word) <= 5 else 2


def closest_word(word: str, vocabulary: list[str]) -> str | None:
    """The vocabulary word nearest `word` within its allowed edits and with its first letter;
    ties go to the earlier word (`vocabulary` is ordered most frequent first, so a tie
    favours the commoner word)."""
    limit = max_edits(word)
    if limit == 0 or not word.isalpha():
        return None
    found = process.extractOne(word, [w for w in vocabulary if w[:1] == word[:1]],
                               scorer=Levenshtein.distance, score_cutoff=limit)
    return None if found is None else found[0]
