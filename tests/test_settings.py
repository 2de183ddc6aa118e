import tomllib
from dataclasses import fields, replace
from pathlib import Path

import pytest

from index.settings import IndexSettings, SettingsError, settings_from_table

ROOT = Path(__file__).resolve().parent.parent


def test_example_config_documents_every_setting_with_its_default():
    table = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))["index"]
    assert set(table) == {f.name for f in fields(IndexSettings)}
    settings = settings_from_table(table, ROOT)
    defaults = IndexSettings()
    for f in fields(IndexSettings):
        value = getattr(settings, f.name)
        expected = getattr(defaults, f.name)
        assert (value == ROOT / expected) if isinstance(value, Path) else value == expected, f.name


def test_relative_paths_are_taken_from_the_config_folder(tmp_path):
    settings = settings_from_table({"seeds": "articles", "index_path": "/abs/i.json"}, tmp_path)
    assert settings.seeds == tmp_path / "articles"
    assert settings.index_path == Path("/abs/i.json")


@pytest.mark.parametrize("table, name", [
    ({"top_k": 0}, "index.top_k"), ({"top_k": "3"}, "index.top_k"), ({"b": 2}, "index.b"),
    ({"k1": True}, "index.k1"), ({"k1": float("nan")}, "index.k1"), ({"seeds": 3}, "index.seeds"),
    ({"nope": 1}, "index.nope"), ({"search_threads": -1}, "index.search_threads"),
    ({"search_threads": 1.5}, "index.search_threads"),
])
def test_bad_settings_name_themselves(table, name):
    with pytest.raises(SettingsError, match=name):
        settings_from_table(table)


def test_search_threads_default_to_one_per_core_and_reach_the_scorer(monkeypatch, seed_index):
    from index.model import SearchIndex

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert IndexSettings().threads == 2
    monkeypatch.setattr("os.cpu_count", lambda: 32)
    assert IndexSettings().threads == 4  # AUTO_THREADS
    assert settings_from_table({"search_threads": 1}).threads == 1
    index = SearchIndex(seed_index.data, replace(seed_index.settings, search_threads=3))
    assert index.scorer.threads == 3


def test_example_config_documents_every_bot_setting_with_its_default():
    from bot.config import BotSettings, load_config

    config = load_config(ROOT / "config.example.toml")
    table = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))["bot"]
    assert set(table) == {f.name for f in fields(BotSettings)}
    defaults = BotSettings()
    for f in fields(BotSettings):
        value, expected = getattr(config.bot, f.name), getattr(defaults, f.name)
        if f.name == "state_path":
            assert value == ROOT / expected
        else:
            assert value == expected, f.name


@pytest.mark.parametrize("text, ids", [("3", (3,)), ("0-3", (0, 1, 2, 3)), ("0,2", (0, 2)),
                                       ("0-1,4", (0, 1, 4))])
def test_shard_ids_from_the_command_line(text, ids):
    from bot.config import parse_shard_ids

    assert parse_shard_ids(text) == ids


@pytest.mark.parametrize("text", ["", "a", "1-0", "-1", "0-", "0,,1"])
def test_bad_shard_ids_from_the_command_line(text):
    from bot.config import ConfigError, parse_shard_ids

    with pytest.raises(ConfigError, match="--shards must be shard ids"):
        parse_shard_ids(text)


def test_each_reader_of_a_shared_config_serves_metrics_on_its_own_port():
    from bot.config import BotSettings, ConfigError, check_shards

    assert BotSettings(metrics_port=9464).metrics_port_here == 9464  # one process, all shards
    assert BotSettings(metrics_port=0, shard_count=4, shard_ids=(2, 3)).metrics_port_here == 0
    ports = [BotSettings(metrics_port=9464, shard_count=4, shard_ids=ids).metrics_port_here
             for ids in [(0, 1), (3, 2)]]
    assert ports == [9464, 9466]
    with pytest.raises(ConfigError, match="bot.metrics_port: 65535 plus the lowest shard id"):
        check_shards(BotSettings(metrics_port=65535, shard_count=4, shard_ids=(1,)))


def test_only_the_process_with_shard_0_registers_commands_and_logs_name_the_shards():
    from bot.config import BotSettings

    assert BotSettings().registers_commands and BotSettings().shards_label() == ""
    first, other = BotSettings(shard_count=4, shard_ids=(0, 1)), BotSettings(shard_count=4, shard_ids=(2,))
    assert first.registers_commands and not other.registers_commands
    assert first.shards_label() == "shards 0, 1 of 4" and other.shards_label() == "shard 2 of 4"
