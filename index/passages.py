"""Articles to `Passage`s: the sentences a reader will be quoted, with ids such as `001.12`.

A passage is a sentence, or a whole quotation when one spans sentences, so an answer never
cuts a speaker off from their attribution. The headline and standfirst are passages too.
"""

from __future__ import annotations

from dataclasses import dataclass

from .articles import Article
from .sentences import sentence_spans

#: Bump when passage boundaries change: saved indexes then rebuild.
PASSAGE_VERSION = 2

#: A quotation longer than this many sentences is kept as separate sentences.
MAX_QUOTE_SENTENCES = 8

#: What a passage is, in the order the saved index numbers them.
KINDS = ("headline", "standfirst", "body", "byline", "bio")

_OPEN, _CLOSE = "“", "”"


@dataclass(frozen=True, slots=True)
class Passage:
    id: str
    article_id: str
    position: int   # index within its article's passages, 0 = headline
    kind: str       # headline | standfirst | body | byline | bio
    paragraph: int  # index of its paragraph within the body; -1 outside the body
    text: str


def _open_quotes(text: str) -> int:
    """How many double quotations `text` leaves open (curly marks, or an odd straight count)."""
    curly = text.count(_OPEN) - text.count(_CLOSE)
    if curly:
        return curly
    return text.count('"') % 2


def quotation_spans(paragraph: str) -> list[tuple[int, int]]:
    """Sentence spans of a paragraph, with a quotation that spans sentences joined into one."""
    spans = sentence_spans(paragraph)
    if "“" not in paragraph and '"' not in paragraph:  # no sentence can open a quotation
        return spans
    merged: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        start, end = spans[i]
        j = i
        while (_open_quotes(paragraph[start:end]) > 0 and j + 1 < len(spans)
               and j - i + 1 < MAX_QUOTE_SENTENCES):
            j += 1
            end = spans[j][1]
        if _open_quotes(paragraph[start:end]) > 0:  # never closed here: keep sentences apart
            j, end = i, spans[i][1]
        merged.append((start, end))
        i = j + 1
    return merged


def split_passages(paragraph: str) -> list[str]:
    """The passages one paragraph is quoted as (what `python -m index split` shows)."""
    return [paragraph[s:e] for s, e in quotation_spans(paragraph)]


def article_passages(article: Article) -> list[Passage]:
    """All passages of an article in reading order, numbered from 1 in their ids."""
    pieces: list[tuple[str, int, str]] = [("headline", -1, article.title)]
    if article.standfirst:
        pieces.append(("standfirst", -1, article.standfirst))
    for number, paragraph in enumerate(article.paragraphs):
        pieces.extend(("body", number, text) for text in split_passages(paragraph))
    if article.byline:
        pieces.append(("byline", -1, article.byline))
    for paragraph in article.bio:
        pieces.extend(("bio", -1, text) for text in split_passages(paragraph))
    return [Passage(id=f"{article.id}.{pos + 1}", article_id=article.id, position=pos,
                    kind=kind, paragraph=para, text=text)
            for pos, (kind, para, text) in enumerate(pieces)]
