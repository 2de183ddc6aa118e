"""Keeping the served index in step with the articles folder, without a restart.

A rebuild runs in a worker thread and the new index replaces the old one in a single
assignment: a question already being answered finishes on the index it started with. A
rebuild that fails (two files claiming one id, an unreadable folder) leaves the old index
serving and says what went wrong.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from index.articles import ARTICLE_SUFFIXES
from index.build import load_saved, open_index
from index.model import keep_long_lived

from .worker import Worker

if TYPE_CHECKING:
    from index.model import SearchIndex

    from .config import Config
    from .metrics import Metrics

log = logging.getLogger(__name__)


@dataclass
class ReloadResult:
    ok: bool
    changed: bool
    message: str
    warnings: list[str] = field(default_factory=list)


def folder_state(folder) -> tuple:
    """A cheap snapshot of the article files: changes when they do. The change time and inode
    are in it because copies that keep size and modification time (`rsync -t`, `cp -p`) still
    change those; no tool can set them back."""
    try:
        with os.scandir(folder) as entries:
            return tuple(sorted(
                (e.name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
                for e in entries
                if e.is_file() and e.name.lower().endswith(ARTICLE_SUFFIXES)
                and not e.name.startswith(".") for st in (e.stat(),)))
    except OSError as exc:
        return (("error", str(exc)),)


def manifest_state(path) -> tuple:
    """A snapshot of the saved index's manifest: a writer's save (or a copy of one) replaces
    it with a new file, so its inode, times or size change."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return (("error", str(exc)),)
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class Keeper(Protocol):
    """What keeps an index current: the bot, or the writer on its own (bot/writer.py)."""

    config: Config
    index: SearchIndex
    metrics: Metrics
    reloader: Reloader
    answers_questions: bool  # warm each new index for questions (the writer alone asks none)


class Reloader:
    """Keeps the served index current: a writer rebuilds from the articles folder, a reader
    loads the saved index each time the writer replaces it."""

    def __init__(self, client: Keeper) -> None:
        self.client = client
        self.lock = asyncio.Lock()
        self.reader = client.config.bot.role == "reader"
        self.state = self._state()
        self.worker = Worker("reload")  # rebuilds one at a time, on one thread of their own

    def _state(self) -> tuple:
        settings = self.client.config.index
        return manifest_state(settings.index_path) if self.reader else folder_state(settings.seeds)

    def _open(self, settings, old) -> tuple:
        """(index, changed, warnings): a reader loads the saved index, a writer rebuilds."""
        if self.reader:
            index = load_saved(settings)
            return index, index.data.fingerprint != old.data.fingerprint, []
        index, report = open_index(settings, previous=old.data)
        return index, report.rebuilt, report.warnings

    async def reload(self, why: str) -> ReloadResult:
        """Rebuild (a reader: reload) if the articles changed, then swap the new index in;
        one at a time."""
        async with self.lock:
            settings = self.client.config.index
            old = self.client.index
            self.state = self._state()
            try:
                index, changed, warnings = await self.worker.run(self._open, settings, old)
                if self.client.answers_questions:
                    await self.worker.run(index.warm)
            except Exception as exc:  # the old index keeps serving
                self.client.metrics.failed_reloads.inc()
                log.error("reload (%s) failed, still serving the previous index: %s", why, exc)
                return ReloadResult(False, False, f"Reload failed: {exc}. Still serving the "
                                    f"previous {len(old.articles)} articles.")
            message = (f"Reloaded: {len(index.articles)} articles, {len(index)} passages."
                       if changed else f"No change: {len(old.articles)} articles, "
                       f"{len(old)} passages.")
            if changed:
                self.client.index = index
                self.client.metrics.reloads.inc()
                self.client.metrics.serving(index)
            del old, index  # the previous index goes once the questions on it are answered
            keep_long_lived()
            log.info("reload (%s): %s", why, message)
            return ReloadResult(True, changed, message, warnings)

    async def watch(self, every: float) -> None:
        """Poll the folder (a reader: the saved index) and reload when it changes."""
        while True:
            await asyncio.sleep(every)
            if self._state() != self.state:
                await self.reload("saved index changed" if self.reader
                                  else "articles folder changed")
