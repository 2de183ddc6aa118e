"""Answers as Discord messages: quote blocks in embeds, always inside Discord's limits.

Article text is escaped before it is placed in markup, so a passage holding `<@123>`, `**`
or a masked link shows as text. Nothing the bot sends can ping: mentions are switched off on
every send (see `bot.commands`), and embeds never ping. So `@` is left as it is, and an
e-mail address or a handle is quoted word for word.
"""

from __future__ import annotations

import hashlib
import math
import urllib.parse
from dataclasses import dataclass, field, replace

import discord

from index.articles import Article
from index.model import SearchIndex
from index.passages import Passage
from index.confidence import NONE, UNSURE
from index.render import UNSURE_LINE, mark
from index.render import shown as in_shown_order
from index.search import NOTHING, Answer, Hit

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
UNSURE_COLOUR = discord.Colour(0xB7791F)  # amber: the closest passages, not an answer
ARTICLES_PER_PAGE = 10


@dataclass
class Reply:
    """What the bot sends: built once, then sent to Discord or printed by `python -m bot ask`."""

    embeds: list[discord.Embed] = field(default_factory=list)
    content: str | None = None
    ephemeral: bool = False
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, custom_id)


# Characters that could reorder or hide text (bidi controls), and the two private-use
# characters `marked` uses as bold markers: never passed through from article text.
_HIDDEN = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ue000\ue001"
_BLANK_HIDDEN = str.maketrans(_HIDDEN, " " * len(_HIDDEN))
_BOLD_OPEN, _BOLD_CLOSE = "\ue000", "\ue001"
CREDIT_MAX = 200


def escape(text: str) -> str:
    """Article text as inert Discord markdown: no formatting, links, mentions or emoji."""
    text = discord.utils.escape_markdown(text.translate(_BLANK_HIDDEN), ignore_links=False)
    return _escape_discord(text)


def _escape_discord(text: str) -> str:
    """`<@123>`, `<#1>`, `<t:1>`: shown as typed, not as a mention or a timestamp."""
    return text.replace("<", "\\<")


def marked(text: str, marks: tuple[tuple[int, int], ...]) -> str:
    """Escaped article text with the marked spans in bold.

    The whole text is escaped in one pass (escaping piece by piece would treat each piece's
    start as a line start and add stray backslashes), with bold written as placeholders.
    """
    text = mark(text.translate(_BLANK_HIDDEN), marks, _BOLD_OPEN, _BOLD_CLOSE)
    text = _escape_discord(discord.utils.escape_markdown(text, ignore_links=False))
    return text.replace(_BOLD_OPEN, "**").replace(_BOLD_CLOSE, "**")


def shorten(text: str, limit: int, ellipsis: str = "…") -> str:
    """`text` cut to `limit` characters at a word boundary, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ellipsis))]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + ellipsis


def source_credit(article: Article) -> str:
    """*Headline* — author, outlet; bounded, so a long byline cannot crowd out the quotes."""
    credit = ", ".join(x for x in (article.author, article.outlet) if x)
    line = f"*{escape(shorten(article.title, CREDIT_MAX))}*"
    return line + (f" — {escape(shorten(credit, CREDIT_MAX))}" if credit else "")


def quote_block(quoted: str, marks: tuple[tuple[int, int], ...] = (),
                limit: int = DESCRIPTION_MAX) -> str:
    """Article text as a Discord quote, matched words bold; cut at a word only if it cannot fit."""
    rendered = "> " + marked(quoted, marks)
    keep = len(quoted)
    for _ in range(30):  # each round keeps strictly less text, so this always ends
        if len(rendered) <= limit:
            return rendered
        keep = min(keep - 1, int(keep * (limit - 4) / len(rendered)))
        if keep <= 0:
            break
        text = shorten(quoted, keep, ellipsis="")
        kept = tuple((s, e) for s, e in marks if e <= len(text))
        rendered = "> " + marked(text, kept) + " …"
    return "> …"


def answer_reply(answer: Answer, page: int | None = None, index: SearchIndex | None = None) -> Reply:
    """The /ask answer: whole passages in rank order while they fit; only a first passage too
    long for a message on its own is cut, at a word, with an ellipsis.

    With `page`, at most that many passages are shown, and (given the index that answered)
    a Context button for each and a More button for the rest."""
    hits = answer.hits
    answer = replace(answer, hits=hits[:page]) if page else answer
    embed = discord.Embed(title=shorten(escape(answer.question), TITLE_MAX), colour=COLOUR)
    parts: list[str] = []
    if answer.corrections:
        parts.append("*Showing results for: " + ", ".join(
            escape(fixed) for fixed in answer.corrections.values()) + "*")
    if not answer.hits or answer.grade == NONE:
        answer = replace(answer, hits=())
        parts += [escape(answer.reason or NOTHING),
                  "Try other words, or `/articles` to see what I know."]
    elif answer.grade == UNSURE:
        embed.colour = UNSURE_COLOUR
        parts.append(f"**{UNSURE_LINE}** the closest passages I found.")
    shown, previous = 0, None
    for hit in in_shown_order(answer.hits):
        credit = f"\n`{hit.passage.id}`"
        if not shown or hit.article.id != previous:  # an article's credit once, at its first quote
            credit += f" · {source_credit(hit.article)}"
        previous = hit.article.id
        if hit.speakers:
            credit += f" · speaking: {escape(shorten(', '.join(hit.speakers), CREDIT_MAX))}"
        for passage, article in hit.also:
            credit += f"\nalso in `{passage.id}` · {source_credit(article)}"
        room = DESCRIPTION_MAX - sum(len(p) + 2 for p in parts) - len(credit)
        quote = quote_block(hit.passage.text, hit.marks)
        if len(quote) > room:
            if shown:
                break
            quote = quote_block(hit.passage.text, hit.marks, max(room, 10))
        parts.append(quote + credit)
        shown += 1
    embed.description = "\n\n".join(parts)
    if shown:
        footer = "Quoted word for word. /source <id> shows a passage in context."
        if shown < len(answer.hits):
            footer = f"{len(answer.hits) - shown} more passage(s) did not fit. " + footer
        embed.set_footer(text=footer)
    buttons = []
    if index is not None and page:
        ordered = in_shown_order(answer.hits)
        buttons = [context_button(index, h.passage.id) for h in ordered[:shown][:CONTEXT_BUTTONS]]
        rest = [h.passage.id for h in ordered[shown:]] + [h.passage.id for h in hits[page:]]
        if rest:
            buttons.append(more_button(index, rest))
    return Reply([embed], buttons=buttons)


# Buttons carry what they need in their custom id, so they work after a restart: the passage
# ids, and a digest of those passages' text that tells when the articles changed since.
CUSTOM_ID_MAX = 100
CONTEXT_BUTTONS = 4  # a row holds five buttons: four Context and one More
EXPIRED = ("This button has expired: the articles changed since that answer. "
           "Please ask again with /ask.")


def passages_digest(index: SearchIndex, ids: list[str]) -> str | None:
    """8 hex digits naming these passages' current text, or None if one no longer exists."""
    texts = []
    for passage_id in ids:
        passage = index.passage(passage_id)
        if passage is None:
            return None
        texts.append(f"{passage_id}\0{passage.text}")
    return hashlib.sha256("\0".join(texts).encode("utf-8")).hexdigest()[:8]


def context_button(index: SearchIndex, passage_id: str) -> tuple[str, str]:
    return f"Context {passage_id}", f"nq:ctx:{passages_digest(index, [passage_id])}:{passage_id}"


def more_button(index: SearchIndex, ids: list[str]) -> tuple[str, str]:
    """A More button for as many of `ids` as its custom id holds."""
    room = CUSTOM_ID_MAX - len("nq:more:12345678:")
    taken: list[str] = []
    for passage_id in ids:
        if len(",".join(taken + [passage_id])) > room:
            break
        taken.append(passage_id)
    return f"More ({len(taken)})", f"nq:more:{passages_digest(index, taken)}:{','.join(taken)}"


def context_reply(index: SearchIndex, digest: str, passage_id: str) -> Reply:
    """A Context button pressed: the passage among its neighbours, or that the button expired."""
    if passages_digest(index, [passage_id]) != digest:
        return message(EXPIRED)
    passage, article = index.lookup(passage_id)
    reply = source_reply(index, passage, article)
    return replace(reply, ephemeral=True)


def more_reply(index: SearchIndex, digest: str, ids: list[str], page: int) -> Reply:
    """A More button pressed: the next passages of the answer, with their own buttons."""
    if not ids or passages_digest(index, ids) != digest:
        return message(EXPIRED)
    hits = []
    for passage_id in ids:
        row = index.row_of(passage_id)
        passage = index.passages[row]
        hits.append(Hit(passage, index.articles[passage.article_id], 0.0, 0.0, (),
                        speakers=index.data.speakers(row)))
    reply = answer_reply(Answer("More passages", tuple(hits)), page, index)
    return replace(reply, ephemeral=True)


def _safe_url(url: str | None) -> str | None:
    """An http(s) URL Discord will accept as an embed link, or None."""
    if not url or len(url) > 1000 or any(c.isspace() for c in url):
        return None
    parts = urllib.parse.urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def source_reply(index: SearchIndex, passage: Passage | None, article: Article) -> Reply:
    """/source: a passage among its neighbours, or an article's details and headline."""
    count = index.passage_count(article.id)
    embed = discord.Embed(title=shorten(escape(article.title), TITLE_MAX), colour=COLOUR,
                          url=_safe_url(article.url))
    if passage is not None:
        embed.add_field(name="Passage", value=f"`{passage.id}` ({passage.kind})", inline=True)
        speakers = index.speakers_of(passage)
        if speakers:
            embed.add_field(name="Quoted", value=escape(shorten(", ".join(speakers), CREDIT_MAX)),
                            inline=True)
    embed.add_field(name="Article", value=f"`{article.id}`", inline=True)
    for name, value in (("Author", article.author), ("Outlet", article.outlet),
                        ("Published", article.published)):
        if value:
            embed.add_field(name=name, value=escape(shorten(value, CREDIT_MAX)), inline=True)
    embed.add_field(name="Passages", value=f"{count} (`{article.id}.1` to `{article.id}.{count}`)",
                    inline=True)
    if passage is None:
        embed.add_field(name="Headline", value=quote_block(article.title, limit=FIELD_VALUE_MAX), inline=False)
    room = min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - len(embed) - 100)
    if passage is None:
        embed.description = escape(shorten(article.standfirst or article.title, min(room, 1000) // 2))
    else:
        before, after = index.neighbours(passage, 2, 2)
        lines = [escape(p.text) for p in before] + [quote_block(passage.text, limit=room // 2)]
        lines += [escape(p.text) for p in after]
        embed.description = _fit_lines(lines, room, centre=len(before))
    return Reply([embed])


def _fit_lines(lines: list[str], limit: int, centre: int) -> str:
    """Drop context lines from the outside in until the text fits; the centre line stays."""
    lo, hi = 0, len(lines)
    while len("\n".join(lines[lo:hi])) > limit and hi - lo > 1:
        if centre - lo >= hi - 1 - centre:
            lo += 1
        else:
            hi -= 1
    return "\n".join(lines[lo:hi])


def articles_reply(index: SearchIndex, page: int = 1) -> Reply:
    """/articles: ids, titles and authors, ARTICLES_PER_PAGE to a page."""
    articles = list(index.articles.values())
    pages = max(1, math.ceil(len(articles) / ARTICLES_PER_PAGE))
    page = min(max(1, page), pages)
    embed = discord.Embed(title=f"Articles I can quote ({len(articles)})", colour=COLOUR)
    rows: list[str] = []
    for article in articles[(page - 1) * ARTICLES_PER_PAGE: page * ARTICLES_PER_PAGE]:
        by = f" — {escape(shorten(article.author, 100))}" if article.author else ""
        row = f"`{article.id}` {escape(shorten(article.title, 300))}{by}"
        if sum(len(r) + 1 for r in rows) + len(row) > DESCRIPTION_MAX - 100:
            rows.append("… (more on the next page)")
            break
        rows.append(row)
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
