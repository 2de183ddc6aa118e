"""Articles that arrive by themselves: the feeds the bot follows, and the owner's /add.

Fetching, extracting and writing run on one thread of their own (never on the event loop);
what they add lands in the articles folder as ordinary files, and the bot reloads. A feed that
fails is logged and asked again at the next poll; it never stops the bot.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from index.fetch import FetchError, fetch
from index.sources import Added, Folder, feed_links, read

from .worker import Worker

if TYPE_CHECKING:
    from .reload import Keeper

log = logging.getLogger(__name__)


@dataclass
class FeedState:
    """What a feed last said about itself, for conditional requests, and the entries seen."""

    etag: str | None = None
    modified: str | None = None
    seen: set[str] = field(default_factory=set)  # entry links already added or refused


class Feeds:
    def __init__(self, client: "Keeper") -> None:
        self.client = client
        self.states: dict[str, FeedState] = {}
        self.worker = Worker("feeds")

    def _settings(self):
        return self.client.config.index

    def poll_feed(self, url: str) -> list[Added]:
        """One feed, once (on the feeds thread): its new entries, added."""
        state = self.states.setdefault(url, FeedState())
        conditional = {k: v for k, v in (("If-None-Match", state.etag),
                                         ("If-Modified-Since", state.modified)) if v}
        settings = self._settings()
        fetched = fetch(url, allow_private=settings.fetch_private, headers=conditional)
        if fetched.status == 304:
            return []
        folder = Folder(settings.seeds)
        added = []
        for link in feed_links(fetched.body):
            if link in state.seen:
                continue
            state.seen.add(link)
            for item in read(link, allow_private=settings.fetch_private):
                result = folder.take(link, item)
                added.append(result)
                log.info("feed %s: %s", url, result.line())
        # Remembered only once every entry was handled: a poll that failed half-way asks again.
        state.etag = fetched.headers.get("etag")
        state.modified = fetched.headers.get("last-modified")
        return added

    async def poll(self) -> int:
        """Every feed once; how many articles were added. Failures are logged, not raised."""
        count = 0
        for url in self.client.config.feeds.urls:
            try:
                results = await self.worker.run(self.poll_feed, url)
            except FetchError as exc:
                log.warning("feed %s failed (trying again next poll): %s", url, exc)
                continue
            except Exception:
                log.exception("feed %s failed (trying again next poll)", url)
                continue
            count += sum(1 for r in results if r.article_id)
        if count:
            await self.client.reloader.reload(f"{count} article(s) from feeds")
        return count

    async def follow(self) -> None:
        """Poll the configured feeds for ever, every `feeds.poll_minutes`."""
        while True:
            await self.poll()
            await asyncio.sleep(self.client.config.feeds.poll_minutes * 60)

    async def add(self, url: str) -> Added:
        """One page (the owner's /add): written to the folder, then reloaded. Only a link:
        a path would read this machine's own files."""
        if not re.match(r"^https?://", url, re.I):
            return Added(url, reason=f"{url}: only http and https links can be added")
        settings = self._settings()

        def work() -> Added:
            found = read(url, allow_private=settings.fetch_private)
            if len(found) != 1:
                return Added(url, reason=f"{url}: a feed, not a page (list it in [feeds])"
                             if found else f"{url}: nothing to add")
            return Folder(settings.seeds).take(url, found[0])
        result = await self.worker.run(work)
        if result.article_id:
            await self.client.reloader.reload(f"/add {result.article_id}")
        return result

    def close(self) -> None:
        self.worker.close()
