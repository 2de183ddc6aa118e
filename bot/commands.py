"""The slash commands: /ask, /source (with id autocomplete), /articles, /reload, /add, and errors.

Every reply goes through `respond`, which switches mentions off and picks the right way to
answer (first response or follow-up), so no command can forget either.
"""

import asyncio
import logging
import math
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from index.model import SearchIndex
from index.search import QuestionError, search

from .buttons import view_of
from .render import Reply, answer_reply, articles_reply, escape, message, shorten, source_reply

if TYPE_CHECKING:
    from .client import QuoteBot

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
ID_MAX = 64
URL_MAX = 2000
AUTOCOMPLETE_MAX = 25


async def respond(interaction: discord.Interaction, reply: Reply) -> None:
    """Send a reply as the interaction's response, or as a follow-up once it has one."""
    kwargs = {"embeds": reply.embeds, "ephemeral": reply.ephemeral, "allowed_mentions": NO_MENTIONS}
    if reply.content:
        kwargs["content"] = reply.content
    view = view_of(reply)
    if view is not None:
        kwargs["view"] = view
    if not interaction.response.is_done():
        await interaction.response.send_message(**kwargs)
        return
    if reply.ephemeral and interaction.extras.get("deferred_publicly"):
        # The first follow-up would fill the public "thinking…" message: remove it, so that a
        # private notice (an apology, say) stays private.
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.warning("could not remove the deferred message", exc_info=True)
    await interaction.followup.send(**kwargs)


#: How many passages past the first page an answer keeps for its More button.
MORE_PASSAGES = 9


def _answer(index: SearchIndex, question: str) -> tuple[Reply, str]:
    """The reply to /ask, and its grade (answer, unsure, none; refused for a bad question)."""
    page = index.settings.top_k
    try:
        answer = search(index, question, page + MORE_PASSAGES)
    except QuestionError as exc:
        return message(str(exc)), "refused"
    return answer_reply(answer, page, index), answer.grade


def _consume(task: asyncio.Future) -> None:
    """Retrieve a worker's outcome so an abandoned one (the interaction failed) logs nothing odd."""
    if not task.cancelled():
        task.exception()


def _index(interaction: discord.Interaction) -> SearchIndex:
    return interaction.client.index  # type: ignore[attr-defined]


def matching_ids(index: SearchIndex, typed: str, limit: int = AUTOCOMPLETE_MAX) -> list[app_commands.Choice[str]]:
    """Articles whose id starts with (or title holds) what was typed, then passage ids."""
    typed = typed.strip().casefold()
    choices: list[app_commands.Choice[str]] = []
    if "." not in typed:
        for article in index.articles.values():
            if article.id.startswith(typed) or (typed and typed in article.title.casefold()):
                choices.append(app_commands.Choice(
                    name=shorten(f"{article.id} — {article.title}", 100), value=article.id))
                if len(choices) == limit:
                    return choices
    if typed:
        for passage_id in index.ids_starting(typed, limit - len(choices)):
            text = index.passage(passage_id).text
            choices.append(app_commands.Choice(name=shorten(f"{passage_id} — {text}", 100),
                                               value=passage_id))
    return choices


def add_commands(tree: app_commands.CommandTree, client: "QuoteBot") -> None:
    """Register the commands on `tree`, with limits and cooldowns from the client's config."""
    bot_settings = client.config.bot
    max_chars = client.config.index.max_question_chars

    def per_user(interaction: discord.Interaction) -> app_commands.Cooldown | None:
        if bot_settings.cooldown_seconds <= 0:
            return None
        return app_commands.Cooldown(bot_settings.cooldown_uses, bot_settings.cooldown_seconds)

    cooldown = app_commands.checks.dynamic_cooldown(per_user, key=lambda i: i.user.id)

    @app_commands.command(name="ask", description="Answer a question by quoting the articles")
    @app_commands.describe(question="What you want to know, e.g. what did Austin say about Rafah")
    @cooldown
    async def ask(interaction: discord.Interaction,
                  question: app_commands.Range[str, 1, max_chars]) -> None:
        index = _index(interaction)
        metrics = client.metrics
        metrics.questions.inc()
        with metrics.latency.time():
            # Searching and composing both run in a worker thread: a long article must not
            # stall the event loop (and with it every other user and the gateway heartbeat).
            work = asyncio.ensure_future(client.in_worker(_answer, index, question))
            work.add_done_callback(_consume)
            try:
                reply, grade = await asyncio.wait_for(asyncio.shield(work),
                                                      bot_settings.defer_after_seconds)
            except asyncio.TimeoutError:  # slow: take Discord's 15 minutes, not its 3 seconds
                await interaction.response.defer(thinking=True)
                interaction.extras["deferred_publicly"] = True
                reply, grade = await work
            await respond(interaction, reply)
        metrics.answers.labels(grade).inc()

    @app_commands.command(name="source", description="Show where a passage comes from, in context")
    @app_commands.describe(id="A passage id such as 001.12, or an article id such as 001")
    @cooldown
    async def source(interaction: discord.Interaction,
                     id: app_commands.Range[str, 1, ID_MAX]) -> None:
        index = _index(interaction)
        wanted = id.strip()
        passage, article = index.lookup(wanted)
        if article is None:
            await respond(interaction, message(
                f"No passage or article has the id “{escape(wanted)}”. Ids look like `001` "
                "(an article) or `001.12` (a passage): start typing one and pick from the list, "
                "or see `/articles`."))
            return
        await respond(interaction, await client.in_worker(source_reply, index, passage, article))

    @source.autocomplete("id")
    async def source_ids(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return matching_ids(_index(interaction), current[:ID_MAX])

    @app_commands.command(name="articles", description="List the articles I can quote")
    @app_commands.describe(page="Page number, when there are many articles")
    @cooldown
    async def articles(interaction: discord.Interaction,
                       page: app_commands.Range[int, 1, 10_000] = 1) -> None:
        await respond(interaction, articles_reply(_index(interaction), page))

    @app_commands.command(name="reload", description="Re-read the articles folder (bot owner only)")
    @app_commands.default_permissions(administrator=True)
    async def reload(interaction: discord.Interaction) -> None:
        if not await client.is_owner(interaction.user):
            await respond(interaction, message("Only the bot's owner can reload the articles."))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await client.reloader.reload(f"/reload by {interaction.user.id}")
        notes = "".join(f"\n- {escape(w)}" for w in result.warnings[:10])
        await respond(interaction, message(result.message + notes))

    @app_commands.command(name="add", description="Add a news article from a link (bot owner "
                          "only)")
    @app_commands.describe(url="The article's address, https://…")
    @app_commands.default_permissions(administrator=True)
    async def add(interaction: discord.Interaction,
                  url: app_commands.Range[str, 1, URL_MAX]) -> None:
        if not await client.is_owner(interaction.user):
            await respond(interaction, message("Only the bot's owner can add articles."))
            return
        if client.reloader.reader:
            await respond(interaction, message(
                "This process serves a copy of the index: add articles on the writer's "
                "machine, with `python -m index add URL` (its articles folder is watched)."))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await client.feeds.add(url.strip())
        text = (f"Added `{result.article_id}`: {escape(result.title)}" if result.article_id
                else f"Not added: {escape(result.reason or 'unknown reason')}")
        await respond(interaction, message(text))

    for command in (ask, source, articles, reload, add):
        tree.add_command(command)

    @tree.error
    async def on_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        if isinstance(error, app_commands.CommandOnCooldown):
            text = f"Slow down a little: try again in {math.ceil(error.retry_after)} s."
        elif isinstance(error, app_commands.TransformerError):
            text = "That value doesn't fit this option; please check it and try again."
        else:
            name = interaction.command.name if interaction.command else "?"
            log.error("/%s failed", name, exc_info=error)
            text = "Sorry, something went wrong answering that. It has been logged."
        try:
            await respond(interaction, message(text))
        except discord.HTTPException:
            log.warning("could not tell the user about an error", exc_info=True)
