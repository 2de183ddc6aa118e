import tomllib
from dataclasses import fields
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
    ({"nope": 1}, "index.nope"),
])
def test_bad_settings_name_themselves(table, name):
    with pytest.raises(SettingsError, match=name):
        settings_from_table(table)


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
