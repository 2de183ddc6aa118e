"""What a service running for months must not do: keep every index it ever loaded."""

import gc
import os
import time
import weakref
from dataclasses import replace
from types import SimpleNamespace

from bot.config import Config
from bot.metrics import Metrics
from bot.reload import Reloader, folder_state
from index import analysis
from index.build import open_index
from index.settings import IndexSettings


async def test_reloads_free_the_indexes_they_replace(seeds_copy, tmp_path):
    settings = replace(IndexSettings(), seeds=seeds_copy, index_path=tmp_path / "index.json")
    index, _ = open_index(settings)
    client = SimpleNamespace(config=Config(index=settings), index=index, metrics=Metrics(),
                             answers_questions=True)
    reloader = Reloader(client)
    replaced = [weakref.ref(index.data)]
    del index
    try:
        for n in range(4):
            (seeds_copy / f"{n + 2:03d}_added.txt").write_text(
                f"Headline {n}\n\nThe council met on day {n} to vote.\n", encoding="utf-8")
            result = await reloader.reload("test")
            assert result.changed
            replaced.append(weakref.ref(client.index.data))
        gc.collect()
        alive = [ref() is not None for ref in replaced]
        assert alive == [False] * 4 + [True]  # only the serving index is left
    finally:
        gc.unfreeze()


def test_the_stem_cache_holds_one_vocabulary():
    saved = dict(analysis._KNOWN)
    try:
        analysis.remember_stems((f"word{n}", f"term{n}") for n in range(1000))
        analysis.remember_stems([("austin", "austin")])
        assert analysis._KNOWN == {"austin": "austin"}
    finally:
        analysis.remember_stems(saved.items())


def test_the_watcher_sees_an_edit_that_keeps_size_and_modification_time(tmp_path):
    article = tmp_path / "001_a.txt"
    article.write_text("Headline\n\nThe vote was on Monday.\n", encoding="utf-8")
    stamp = article.stat()
    before = folder_state(tmp_path)
    time.sleep(0.05)
    article.write_text("Headline\n\nThe vote was on Friday.\n", encoding="utf-8")  # same size
    os.utime(article, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))           # as rsync -t does
    assert article.stat().st_size == stamp.st_size
    assert folder_state(tmp_path) != before
