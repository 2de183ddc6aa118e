"""The Discord client: holds the index, registers the commands, syncs them only on change."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import discord
from discord import app_commands

from index.model import SearchIndex

from .buttons import BUTTONS
from .commands import NO_MENTIONS, add_commands, respond
from .config import Config
from .feeds import Feeds
from .metrics import Metrics
from .reload import Reloader
from .render import message
from .worker import Worker

log = logging.getLogger(__name__)

RESTARTING = "I'm restarting: please ask again in a minute."


class SafeTree(app_commands.CommandTree):
    """A command tree whose every failure is logged: an interaction too malformed to reach a
    command (no `data`, no user) would otherwise end its task with an error nobody reads."""

    async def _call(self, interaction: discord.Interaction) -> None:
        call = super()._call
        try:
            await self.client.answer(interaction, lambda: call(interaction))
        except app_commands.AppCommandError:
            raise  # the tree's own error handler answers these
        except Exception:
            log.exception("ignored a malformed interaction (type %s)",
                          getattr(interaction.type, "name", interaction.type))


def _guarded(event: str, parse):
    """`parse` for one gateway event type, failing alone: logged, never ending the connection."""
    def guarded(data) -> None:
        try:
            parse(data)
        except Exception:
            log.exception("ignored a malformed %s event from the gateway", event)
    return guarded


class QuoteBot(discord.AutoShardedClient):
    """Runs the shards `bot.shard_ids` of `bot.shard_count` (by default all of as many as
    Discord recommends): Discord sends each server's interactions to the shard that owns it,
    so processes running different shards share the work and answer each question once."""

    answers_questions = True  # each new index is warmed before it serves

    def __init__(self, config: Config, index: SearchIndex, **options) -> None:
        # The bot never joins voice: spare operators discord.py's warnings about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True  # only to count servers; slash commands need no intents
        super().__init__(intents=intents, allowed_mentions=NO_MENTIONS,
                         shard_count=config.bot.shard_count or None,
                         shard_ids=list(config.bot.shard_ids) or None, **options)
        self.config = config
        self.index = index
        # discord.py parses each gateway event in the connection's own loop, so one event it
        # cannot parse would end the connection and the service: each parser fails alone.
        # (`_connection.parsers` is the table the gateway calls; discord.py is pinned to 2.7.)
        parsers = self._connection.parsers
        for event, parse in list(parsers.items()):
            parsers[event] = _guarded(event, parse)
        self.tree = SafeTree(self)
        self.reloader = Reloader(self)
        self.feeds = Feeds(self)
        self.watcher: asyncio.Task | None = None
        self.follower: asyncio.Task | None = None
        self.owner_ids: set[int] | None = None
        # Searches take the GIL for milliseconds: one worker thread serves them all as fast as
        # several would, and leaves the event loop (and the heartbeat) a free turn between them.
        self.searcher = Worker("search")
        self.metrics = Metrics()
        self.metrics.serving(index)
        self.connections = 0                     # gateway sessions started (READY received)
        self.stopping = False                    # set on SIGTERM: take no new interactions
        self.in_flight: set[asyncio.Task] = set()  # interactions being answered
        add_commands(self.tree, self)

    async def setup_hook(self) -> None:
        """Runs at the end of each login; a login tried again runs it again."""
        self.add_dynamic_items(*BUTTONS)  # answers' buttons work across restarts
        if self.config.bot.registers_commands:
            await sync_commands(self.tree, self.config, self.application_id)
        else:
            log.info("slash commands: registered by the process running shard 0, not this one")
        if self.config.bot.watch_seconds > 0 and self.watcher is None:
            self.watcher = asyncio.create_task(self.reloader.watch(self.config.bot.watch_seconds))
        if self.config.feeds.urls and self.follower is None and not self.reloader.reader:
            self.follower = asyncio.create_task(self.feeds.follow())

    async def answer(self, interaction: discord.Interaction,
                     handler: Callable[[], Awaitable[None]]) -> None:
        """Run an interaction's handler, counted as in flight so that a stop waits for it to be
        answered; once the bot is stopping, say so instead of starting on it."""
        if self.stopping:
            if interaction.type is not discord.InteractionType.autocomplete:
                await respond(interaction, message(RESTARTING))
            return
        log.debug("answering %s from server %s", (interaction.data or {}).get("name")
                  or getattr(interaction.type, "name", interaction.type),
                  interaction.guild_id or "(direct message)")
        task = asyncio.current_task()
        self.in_flight.add(task)
        try:
            await handler()
        finally:
            self.in_flight.discard(task)

    async def is_owner(self, user: discord.abc.User) -> bool:
        """Whether `user` owns the bot's application (or is on the team that owns it)."""
        if self.owner_ids is None:
            app = await self.application_info()
            self.owner_ids = ({m.id for m in app.team.members} if app.team else {app.owner.id})
        return user.id in self.owner_ids

    async def in_worker(self, fn, *args):
        """Run CPU work (searching, composing) off the event loop, on the search thread."""
        return await self.searcher.run(fn, *args)

    async def close(self) -> None:
        for worker in (self.searcher, self.reloader.worker, self.feeds.worker):
            worker.close()
        for task in (self.watcher, self.follower):
            if task:
                task.cancel()
        await super().close()

    async def on_connect(self) -> None:
        self.connections += 1
        if self.connections > 1:
            self.metrics.reconnects.labels("new").inc()

    async def on_resumed(self) -> None:
        self.metrics.reconnects.labels("resumed").inc()

    async def on_shard_ready(self, shard_id: int) -> None:
        log.info("shard %d of %d ready: %d servers", shard_id, self.shard_count,
                 sum(1 for guild in self.guilds if guild.shard_id == shard_id))

    async def on_ready(self) -> None:
        shards = sorted(self.shards)
        log.info("ready as %s on shard%s %s of %d: %d servers, %d articles, %d passages indexed",
                 self.user, "s" if len(shards) > 1 else "", ", ".join(map(str, shards)),
                 self.shard_count, len(self.guilds), len(self.index.articles), len(self.index))


def _commands_digest(tree: app_commands.CommandTree, config: Config, application_id: int | None) -> str:
    payload = {"application": application_id, "guilds": sorted(config.bot.guild_ids),
               "commands": [c.to_dict(tree) for c in tree.get_commands()]}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


async def sync_commands(tree: app_commands.CommandTree, config: Config,
                        application_id: int | None) -> bool:
    """Push the commands to Discord when they differ from the last push; True if pushed.

    Guild commands appear at once; global ones can take Discord up to an hour.
    """
    state: Path = config.bot.state_path
    digest = _commands_digest(tree, config, application_id)
    try:
        if state.read_text(encoding="utf-8").strip() == digest:
            log.info("slash commands unchanged: not syncing")
            return False
    except OSError:
        pass
    if config.bot.guild_ids:
        for guild_id in config.bot.guild_ids:
            guild = discord.Object(id=guild_id)
            tree.copy_global_to(guild=guild)
            await tree.sync(guild=guild)
        log.info("slash commands synced to %d server(s)", len(config.bot.guild_ids))
    else:
        await tree.sync()
        log.info("slash commands synced globally")
    _write_atomically(state, digest)
    return True


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not record the synced commands in %s: %s", path, exc)
