"""Feeds the bot follows, and the owner's /add: pages from a fake news site on 127.0.0.1."""

from __future__ import annotations

import logging
from dataclasses import replace
from types import SimpleNamespace

from bot.config import Config, FeedSettings
from bot.feeds import Feeds
from newssite import FEED_ETAG


class _Reloads:
    def __init__(self) -> None:
        self.why: list[str] = []

    async def reload(self, why: str) -> None:
        self.why.append(why)


def _client(seeds_copy, *urls: str):
    config = Config(index=replace(Config().index, seeds=seeds_copy, fetch_private=True),
                    feeds=FeedSettings(urls=urls))
    return SimpleNamespace(config=config, reloader=_Reloads())


async def test_new_entries_are_added_once_and_an_unchanged_feed_costs_one_answer(web, seeds_copy):
    client = _client(seeds_copy, f"{web}/feed.rss")
    feeds = Feeds(client)
    try:
        assert await feeds.poll() == 2
        assert sorted(p.name for p in seeds_copy.glob("00[23]_*.txt")) == [
            "002_council-votes-to-repaint-every-zebra-crossing.txt",
            "003_harbour-ferry-fares-to-rise-in-june.txt"]
        assert client.reloader.why == ["2 article(s) from feeds"]
        assert await feeds.poll() == 0
        assert web.headers[-1].get("If-None-Match") == FEED_ETAG  # asked conditionally: 304
        assert [path for path, _ in web.seen].count("/news/story.html") == 1
    finally:
        feeds.close()


async def test_a_failing_feed_is_logged_and_the_others_still_polled(web, seeds_copy, caplog):
    client = _client(seeds_copy, f"{web}/broken", "http://127.0.0.1:9/nothing-listens",
                     f"{web}/atom.xml")
    feeds = Feeds(client)
    try:
        with caplog.at_level(logging.WARNING):
            assert await feeds.poll() == 1
    finally:
        feeds.close()
    failed = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert len(failed) == 2 and "HTTP 500" in failed[0]
    assert (seeds_copy / "002_harbour-ferry-fares-to-rise-in-june.txt").exists()


async def test_add_takes_links_only_never_a_path_on_this_machine(seeds_copy):
    feeds = Feeds(_client(seeds_copy))
    try:
        for source in ("/etc/passwd", "file:///etc/passwd", str(seeds_copy / "000_b9899e930565974e.txt")):
            result = await feeds.add(source)
            assert result.article_id is None and "only http and https" in result.reason
    finally:
        feeds.close()
