"""`python -m bot write`: the writer with no Discord connection of its own.

When readers run all the shards (see README "Scaling out"), the index still needs one process
that builds it from the articles folder, watches the folder, follows the feeds and saves: this
one. It needs no token. SIGHUP rebuilds now; SIGTERM stops it between two rebuilds.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from index.model import SearchIndex, keep_long_lived

from .config import Config, ConfigError
from .feeds import Feeds
from .metrics import Metrics
from .reload import Reloader
from .service import EX_CONFIG, Signals, first_index, reload_requested_at_start, serve_metrics, start

log = logging.getLogger("bot.writer")


class Writer:
    """What the reloader and the feeds need of the bot (config, index, metrics), without a bot."""

    answers_questions = False  # nothing to warm an index for

    def __init__(self, config: Config, index: SearchIndex) -> None:
        self.config = config
        self.index = index
        self.metrics = Metrics()
        self.metrics.serving(index)
        self.reloader = Reloader(self)
        self.feeds = Feeds(self)

    async def keep(self, reload_at_start: bool = False) -> None:
        """Watch the folder and follow the feeds until SIGTERM or SIGINT."""
        keep_long_lived()
        done = asyncio.Event()

        async def stop() -> None:
            done.set()

        tasks = []
        if self.config.bot.watch_seconds > 0:
            tasks.append(asyncio.create_task(self.reloader.watch(self.config.bot.watch_seconds)))
        if self.config.feeds.urls:
            tasks.append(asyncio.create_task(self.feeds.follow()))
        log.info("writing %s: watching %s every %g s, following %d feed(s)",
                 self.config.index.index_path, self.config.index.seeds,
                 self.config.bot.watch_seconds, len(self.config.feeds.urls))
        with Signals(stop, self.reloader) as signals:
            if reload_at_start:
                signals.reload("SIGHUP while starting")
            await done.wait()
            async with self.reloader.lock:  # a rebuild under way finishes and saves first
                for task in tasks:
                    task.cancel()
        for worker in (self.reloader.worker, self.feeds.worker):
            worker.close()


def write(config_path: Path) -> int:
    """The writer's main: exit 0 on a clean stop, 78 for a bad config or a reader's config."""
    try:
        config, _ = start(config_path, token_needed=False)
        if config.bot.role != "writer":
            raise ConfigError(f"bot.role is {config.bot.role}: only a writer's config can write")
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EX_CONFIG
    index = first_index(config)
    if isinstance(index, int):
        return index
    writer = Writer(config, index)
    if failed := serve_metrics(writer.metrics, config):
        return failed
    try:
        asyncio.run(writer.keep(reload_requested_at_start()))
    except KeyboardInterrupt:
        pass
    finally:
        writer.metrics.close()
    log.info("writer stopped")
    return 0
