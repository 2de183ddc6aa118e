"""Answers as Discord messages: quote blocks in embeds, always inside Discord's limits.

Article text is escaped before it is placed in markup, so a passage holding `@everyone`,
`<@123>`, `**` or a masked link shows as text. Mentions are also switched off on every send
(see `bot.commands`); escaping keeps the formatting intact as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import discord

from index.articles import Article
from index.model import SearchIndex
from index.passages import Passage
from index.render import mark
from index.search import Answer

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
EMBEDS_MAX = 10
FIELDS_MAX = 25

COLOUR = discord.Colour(0x2B6CB0)
NOTHING = "Nothing in the articles answers that."
ARTICLES_PER_PAGE = 10


@dataclass
class Reply:
    """What the bot sends: built once, then sent to Discord or printed by `python -m bot ask`."""

    embeds: list[discord.Embed] = field(default_factory=list)
    content: str | None = None
    ephemeral: bool = False


def escape(text: str) -> str:
    """Article text as inert Discord markdown: no formatting, links, mentions or emoji."""
    text = discord.utils.escape_markdown(text, ignore_links=False)
    text = text.replace("<", "\\<").replace("@", "@\u200b")
    return text


def shorten(text: str, limit: int, ellipsis: str = "…") -> str:
    """`text` cut to `limit` characters at a word boundary, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ellipsis))]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + ellipsis


def source_credit(article: Article) -> str:
    credit = ", ".join(x for x in (article.author, article.outlet) if x)
    return f"*{escape(article.title)}*" + (f" — {escape(credit)}" if credit else "")


def quote_block(passage: Passage, marks: tuple[tuple[int, int], ...] = (), limit: int = DESCRIPTION_MAX) -> str:
    """A passage as a Discord quote, matched words bold; cut at a word only if it cannot fit."""
    text = passage.text
    rendered = "> " + mark(text, marks, escape=escape)
    while len(rendered) > limit and text:
        text = shorten(text, max(1, math.floor(len(text) * 0.9)), ellipsis="")
        kept = tuple((s, e) for s, e in marks if e <= len(text))
        rendered = "> " + mark(text, kept, escape=escape) + " …"
    return rendered


def answer_reply(answer: Answer) -> Reply:
    """The /ask answer: whole passages in rank order while they fit; only a first passage too
    long for a message on its own is cut, at a word, with an ellipsis."""
    embed = discord.Embed(title=shorten(answer.question, TITLE_MAX), colour=COLOUR)
    parts: list[str] = []
    if answer.corrections:
        parts.append("*Showing results for: " + ", ".join(
            escape(fixed) for fixed in answer.corrections.values()) + "*")
    if not answer.hits:
        parts += [escape(answer.reason or NOTHING),
                  "Try other words, or `/articles` to see what I know."]
    shown = 0
    for hit in answer.hits:
        credit = f"\n`{hit.passage.id}` · {source_credit(hit.article)}"
        room = DESCRIPTION_MAX - sum(len(p) + 2 for p in parts) - len(credit)
        quote = quote_block(hit.passage, hit.marks)
        if len(quote) > room:
            if shown:
                break
            quote = quote_block(hit.passage, hit.marks, room)
        parts.append(quote + credit)
        shown += 1
    embed.description = "\n\n".join(parts)
    if shown:
        footer = "Quoted word for word. /source <id> shows a passage in context."
        if shown < len(answer.hits):
            footer = f"{len(answer.hits) - shown} more passage(s) did not fit. " + footer
        embed.set_footer(text=footer)
    return Reply([embed])


def source_reply(index: SearchIndex, passage: Passage | None, article: Article) -> Reply:
    """/source: a passage among its neighbours, or an article's details and headline."""
    count = sum(1 for p in index.passages if p.article_id == article.id)
    embed = discord.Embed(title=shorten(article.title, TITLE_MAX), colour=COLOUR)
    if article.url and article.url.startswith(("http://", "https://")) and len(article.url) < 2000:
        embed.url = article.url
    if passage is None:
        embed.description = shorten(escape(article.standfirst or article.title), 1000, "")
    else:
        before, after = index.neighbours(passage, 2, 2)
        lines = [escape(p.text) for p in before] + [quote_block(passage)]
        lines += [escape(p.text) for p in after]
        embed.description = _fit_lines(lines, DESCRIPTION_MAX - 200, centre=len(before))
        embed.add_field(name="Passage", value=f"`{passage.id}` ({passage.kind})", inline=True)
    for name, value in (("Article", f"`{article.id}`"), ("Author", article.author),
                        ("Outlet", article.outlet), ("Published", article.published)):
        if value:
            embed.add_field(name=name, value=shorten(escape(value), FIELD_VALUE_MAX), inline=True)
    embed.add_field(name="Passages", value=f"{count} (`{article.id}.1` to `{article.id}.{count}`)",
                    inline=True)
    if passage is None:
        embed.add_field(name="Headline", value=shorten("> " + escape(article.title), FIELD_VALUE_MAX),
                        inline=False)
    return Reply([embed])


def _fit_lines(lines: list[str], limit: int, centre: int) -> str:
    """Drop context lines from the outside in until the text fits; the centre line stays."""
    lo, hi = 0, len(lines)
    while len("\n".join(lines[lo:hi])) > limit and hi - lo > 1:
        if centre - lo >= hi - 1 - centre:
            lo += 1
        else:
            hi -= 1
    return shorten("\n".join(lines[lo:hi]), limit)


def articles_reply(index: SearchIndex, page: int = 1) -> Reply:
    """/articles: ids, titles and authors, ARTICLES_PER_PAGE to a page."""
    articles = list(index.articles.values())
    pages = max(1, math.ceil(len(articles) / ARTICLES_PER_PAGE))
    page = min(max(1, page), pages)
    embed = discord.Embed(title=f"Articles I can quote ({len(articles)})", colour=COLOUR)
    rows = []
    for article in articles[(page - 1) * ARTICLES_PER_PAGE: page * ARTICLES_PER_PAGE]:
        by = f" — {escape(article.author)}" if article.author else ""
        rows.append(f"`{article.id}` {shorten(escape(article.title), 300)}{by}")
    embed.description = "\n".join(rows) if rows else "No articles are loaded."
    embed.set_footer(text=f"Page {page} of {pages} · {len(index)} passages indexed")
    return Reply([embed])


def message(text: str) -> Reply:
    """A short ephemeral notice (errors, cooldowns, unknown ids)."""
    return Reply(content=shorten(text, CONTENT_MAX), ephemeral=True)


def reply_text(reply: Reply) -> str:
    """A reply as plain text, exactly as composed: what `python -m bot ask` prints."""
    out = [reply.content] if reply.content else []
    for embed in reply.embeds:
        if embed.title:
            out.append(f"## {embed.title}")
        if embed.description:
            out.append(embed.description)
        for f in embed.fields:
            out.append(f"{f.name}: {f.value}")
        if embed.footer and embed.footer.text:
            out.append(f"— {embed.footer.text}")
    return "\n\n".join(out)


def within_limits(reply: Reply) -> bool:
    """Whether Discord would accept this reply as it stands."""
    if reply.content and len(reply.content) > CONTENT_MAX or len(reply.embeds) > EMBEDS_MAX:
        return False
    total = 0
    for e in reply.embeds:
        if (len(e.title or "") > TITLE_MAX or len(e.description or "") > DESCRIPTION_MAX
                or len(e.fields) > FIELDS_MAX
                or any(len(f.name) > FIELD_NAME_MAX or len(f.value) > FIELD_VALUE_MAX for f in e.fields)
                or len(e.footer.text or "") > FOOTER_MAX):
            return False
        total += len(e)
    return total <= EMBED_TOTAL_MAX
