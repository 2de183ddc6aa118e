"""Answers as text for the terminal, and as JSON for machines. Discord renders its own."""

from __future__ import annotations

from .articles import Article
from .model import SearchIndex
from .passages import Passage
from .confidence import NONE, UNSURE
from .search import NOTHING, Answer, Hit

#: The one line that says an answer's passages are only the closest the articles have.
UNSURE_LINE = "These may not answer it:"


def mark(text: str, spans: tuple[tuple[int, int], ...], left: str = "**", right: str = "**") -> str:
    """Wrap the given spans of `text` in markers, leaving every other character as it was."""
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last or end > len(text):
            continue
        out += [text[last:start], left, text[start:end], right]
        last = end
    out.append(text[last:])
    return "".join(out)


def source_line(article: Article) -> str:
    """'Headline' — author, outlet: how a quotation is credited."""
    credit = ", ".join(x for x in (article.author, article.outlet) if x)
    return f"“{article.title}”" + (f" — {credit}" if credit else "")


def shown(hits: tuple[Hit, ...]) -> list[Hit]:
    """The order every rendering shows hits in: one article's passages together, articles in
    the order of their best passage."""
    order: dict[str, list[Hit]] = {}
    for hit in hits:
        order.setdefault(hit.article.id, []).append(hit)
    return [hit for group in order.values() for hit in group]


def answer_text(answer: Answer) -> str:
    lines = [f"Q: {answer.question}"]
    if answer.corrections:
        lines.append("Showing results for: " + ", ".join(
            f"{typed} → {fixed}" for typed, fixed in answer.corrections.items()))
    if not answer.hits or answer.grade == NONE:
        lines.append(answer.reason or NOTHING)
        return "\n".join(lines)
    if answer.grade == UNSURE:
        lines.append(f"{UNSURE_LINE} the closest passages (confidence {answer.confidence:.2f}).")
    for n, hit in enumerate(shown(answer.hits), 1):
        lines += ["", f"{n}. [{hit.passage.id}] {mark(hit.passage.text, hit.marks)}",
                  f"   {source_line(hit.article)}"]
        if hit.speakers:
            lines.append(f"   speaking: {', '.join(hit.speakers)}")
        lines += [f"   also in [{p.id}] {source_line(a)}" for p, a in hit.also]
    return "\n".join(lines)


def answer_json(answer: Answer) -> dict:
    rank = {id(h): n for n, h in enumerate(answer.hits, 1)}  # hits.index compares whole hits
    return {
        "question": answer.question,
        "grade": answer.grade,
        "confidence": round(answer.confidence, 4),
        "passages": [_hit_json(h, rank[id(h)]) for h in shown(answer.hits)],
        "reason": answer.reason,
        "missing": list(answer.missing),
        "corrections": answer.corrections,
        # Evidence holds floats only: a plain dict of it, without asdict's deep copy.
        "evidence": dict(vars(answer.evidence)) if answer.evidence else None,
    }


def _hit_json(hit: Hit, rank: int) -> dict:
    """A passage as JSON; `rank` is its place in the ranking, `score` the score that placed it."""
    return {
        "id": hit.passage.id, "rank": rank, "text": hit.passage.text, "article_id": hit.article.id,
        "title": hit.article.title, "author": hit.article.author, "outlet": hit.article.outlet,
        "score": round(hit.score, 6), "bm25": round(hit.bm25, 6), "matched": list(hit.matched),
        "speakers": list(hit.speakers), "also": [p.id for p, _ in hit.also],
        "context": {"before": [p.text for p in hit.before], "after": [p.text for p in hit.after]},
    }


def article_details(index: SearchIndex, article: Article) -> list[str]:
    count = index.passage_count(article.id)
    lines = [f"Article {article.id}: {article.title}"]
    for label, value in (("Standfirst", article.standfirst), ("Author", article.author),
                         ("Outlet", article.outlet), ("Published", article.published),
                         ("URL", article.url), ("File", article.source_file)):
        if value:
            lines.append(f"{label}: {value}")
    lines.append(f"Passages: {count} ({article.id}.1 to {article.id}.{count})")
    return lines


def source_text(index: SearchIndex, passage: Passage | None, article: Article) -> str:
    """A passage in its context with its article's details, or an article's details alone."""
    lines = article_details(index, article)
    if passage is None:
        return "\n".join(lines)
    before, after = index.neighbours(passage, 2, 2)
    lines += ["", f"Passage {passage.id} ({passage.kind}):"]
    speakers = index.speakers_of(passage)
    if speakers:
        lines.append(f"Quoted: {', '.join(speakers)}")
    lines += [f"  {p.text}" for p in before]
    lines.append(f"> {passage.text}")
    lines += [f"  {p.text}" for p in after]
    return "\n".join(lines)


def articles_text(index: SearchIndex) -> str:
    rows = [f"{a.id}  {a.title}" + (f" — {a.author}" if a.author else "")
            for a in index.articles.values()]
    return "\n".join(rows) if rows else "No articles are loaded."
