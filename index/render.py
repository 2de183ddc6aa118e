"""Answers as text for the terminal, and as JSON for machines. Discord renders its own."""

from __future__ import annotations

from .articles import Article
from .model import SearchIndex
from .passages import Passage
from .search import Answer, Hit


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


def answer_text(answer: Answer) -> str:
    lines = [f"Q: {answer.question}"]
    if answer.corrections:
        lines.append("Showing results for: " + ", ".join(
            f"{typed} → {fixed}" for typed, fixed in answer.corrections.items()))
    if not answer.hits:
        lines.append(answer.reason or "Nothing in the articles answers that.")
        return "\n".join(lines)
    for n, hit in enumerate(answer.hits, 1):
        lines += ["", f"{n}. [{hit.passage.id}] {mark(hit.passage.text, hit.marks)}",
                  f"   {source_line(hit.article)}"]
        if hit.speakers:
            lines.append(f"   speaking: {', '.join(hit.speakers)}")
        lines += [f"   also in [{p.id}] {source_line(a)}" for p, a in hit.also]
    return "\n".join(lines)


def answer_json(answer: Answer) -> dict:
    return {
        "question": answer.question,
        "passages": [_hit_json(h) for h in answer.hits],
        "reason": answer.reason,
        "corrections": answer.corrections,
    }


def _hit_json(hit: Hit) -> dict:
    return {
        "id": hit.passage.id, "text": hit.passage.text, "article_id": hit.article.id,
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
