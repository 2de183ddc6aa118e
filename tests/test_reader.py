"""A reader process: serves a copy of the writer's saved index, never builds or writes, and
swaps in each new index the writer saves (here copied over, as rsync would)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from bot.config import BotSettings, Config
from bot.metrics import Metrics
from bot.reload import Reloader
from index.build import load_saved, open_index
from index.search import search
from index.settings import IndexSettings

ROOT = Path(__file__).resolve().parent.parent


def copy_index(source: Path, target: Path) -> None:
    """As `rsync` of the index folder would: the arrays folder first, then the manifest."""
    target.parent.mkdir(parents=True, exist_ok=True)
    arrays = json.loads(source.read_text())["arrays"]
    if not (target.parent / arrays).exists():
        shutil.copytree(source.parent / arrays, target.parent / arrays)
    partial = target.with_name(target.name + ".partial")
    shutil.copy(source, partial)
    os.replace(partial, target)


async def test_a_reader_serves_a_copy_and_swaps_in_each_new_one(seeds_copy, tmp_path):
    writer = IndexSettings(seeds=seeds_copy, index_path=tmp_path / "writer" / "index.json")
    open_index(writer)
    copy = tmp_path / "elsewhere" / "index.json"
    copy_index(writer.index_path, copy)
    settings = IndexSettings(seeds=tmp_path / "no-articles-here", index_path=copy)
    index = load_saved(settings)
    config = Config(bot=BotSettings(role="reader"), index=settings)
    client = SimpleNamespace(config=config, index=index, metrics=Metrics(), answers_questions=True)
    reloader = Reloader(client)
    try:
        assert search(index, "How many Palestinians are in Rafah?").hits[0].passage.id == "001.13"
        passage, article = index.lookup("001.13")  # /source needs nothing but the index
        assert article.author == "Dave DeCamp" and passage.text.startswith("According to")

        (seeds_copy / "002_zebra.txt").write_text("Zebra crossings\n\nThe council repainted "
                                                   "every zebra crossing on Friday.\n")
        open_index(writer)  # the writer saves a new index
        copy_index(writer.index_path, copy)
        assert reloader._state() != reloader.state  # what the watcher looks at
        result = await reloader.reload("saved index changed")
        assert result.ok and result.changed
        assert search(client.index, "zebra crossing").hits[0].passage.article_id == "002"

        served = client.index
        copy.write_text("{ not a manifest")  # a damaged copy
        before = sorted(p.name for p in copy.parent.iterdir())
        result = await reloader.reload("saved index changed")
        assert not result.ok and client.index is served  # the last good one keeps serving
        assert "Still serving the previous 3 articles" in result.message
        assert sorted(p.name for p in copy.parent.iterdir()) == before  # rebuilt nothing
        assert copy.read_text() == "{ not a manifest"                     # wrote nothing

        newer = json.loads(writer.index_path.read_text()) | {"version": 999}
        copy.write_text(json.dumps(newer))  # a writer upgraded to a format this reader lacks
        result = await reloader.reload("saved index changed")
        assert not result.ok and client.index is served
        assert "999" in result.message and "Still serving the previous 3 articles" in result.message
        assert not settings.seeds.exists()  # never needed the articles
    finally:
        reloader.worker.close()


def test_a_reader_without_a_saved_index_exits_1_saying_so(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[index]\nindex_path = "{tmp_path / "none" / "index.json"}"\n'
                      f'seeds = "{tmp_path / "none"}"\n[bot]\nrole = "reader"\n'
                      f'state_path = "{tmp_path / "state"}"\n')
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | {"DISCORD_TOKEN": "t"}
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(
        "error: bot.role is reader, and there is no usable saved index: no saved index at")
    assert not (tmp_path / "none").exists()  # nothing built, nothing written


def test_a_reader_scoring_with_other_settings_than_the_writer_says_so(seeds_copy, tmp_path, caplog):
    """Its own model is memory no other reader shares: the operator should hear of it."""
    from dataclasses import replace

    from bot.service import first_index

    writer = IndexSettings(seeds=seeds_copy, index_path=tmp_path / "index.json")
    open_index(writer)
    for settings, warned in ((writer, False), (replace(writer, k1=1.2), True)):
        caplog.clear()
        index = first_index(Config(bot=BotSettings(role="reader"), index=settings))
        assert index.model_built is warned
        assert ("it built its own BM25 model" in caplog.text) is warned
