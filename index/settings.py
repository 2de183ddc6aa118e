"""Index settings, read from the `[index]` table of config.toml.

The bot's config file holds these too; `index` reads only its own table so it never needs
to know about Discord.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path


#: Past a few threads, the parts of a question left to one thread (ranking the blocks,
#: composing the answer) outweigh what more would save.
AUTO_THREADS = 4


class SettingsError(ValueError):
    """A bad setting; the message names it."""


@dataclass(frozen=True)
class IndexSettings:
    seeds: Path = Path("seeds")
    index_path: Path = Path("data/index.json")
    top_k: int = 3
    k1: float = 0.6
    b: float = 0.3
    epsilon: float = 0.25
    context_weight: float = 0.1
    article_weight: float = 0.2
    max_question_chars: int = 300
    fetch_private: bool = False
    search_threads: int = 0

    @property
    def threads(self) -> int:
        """Threads a question's ranking is split over (the dense sum, skipping):
        `search_threads`, or when it is 0 one per core, at most `AUTO_THREADS`."""
        return self.search_threads or min(AUTO_THREADS, os.cpu_count() or 1)

    def check(self) -> "IndexSettings":
        """Raise `SettingsError` naming the first setting out of range."""
        rules = {
            "top_k": 1 <= self.top_k <= 25,
            "k1": 0 <= self.k1 <= 10,
            "b": 0 <= self.b <= 1,
            "epsilon": 0 <= self.epsilon <= 1,
            "context_weight": 0 <= self.context_weight <= 5,
            "article_weight": 0 <= self.article_weight <= 5,
            "max_question_chars": 10 <= self.max_question_chars <= 4000,
            "search_threads": 0 <= self.search_threads <= 64,
        }
        for name, ok in rules.items():
            value = getattr(self, name)
            if not ok or (isinstance(value, float) and not math.isfinite(value)):
                raise SettingsError(f"index.{name} is out of range: {value!r}")
        return self


_KINDS = {f.name: f.type for f in fields(IndexSettings)}


def settings_from_table(table: dict, base: Path = Path(".")) -> IndexSettings:
    """Settings from a parsed `[index]` table; relative paths are taken from `base`."""
    if not isinstance(table, dict):
        raise SettingsError("[index] must be a table")
    values: dict = {}
    for key, value in table.items():
        if key not in _KINDS:
            raise SettingsError(f"index.{key} is not a setting (known: {', '.join(_KINDS)})")
        kind = _KINDS[key]
        if kind == "Path":
            if not isinstance(value, str) or not value:
                raise SettingsError(f"index.{key} must be a path string")
            path = Path(value).expanduser()
            values[key] = path if path.is_absolute() else base / path
        elif kind == "bool":
            if not isinstance(value, bool):
                raise SettingsError(f"index.{key} must be true or false, not {value!r}")
            values[key] = value
        elif kind == "int":
            if not isinstance(value, int) or isinstance(value, bool):
                raise SettingsError(f"index.{key} must be a whole number, not {value!r}")
            values[key] = value
        else:
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise SettingsError(f"index.{key} must be a number, not {value!r}")
            values[key] = float(value)
    for key, kind in _KINDS.items():  # paths left at their defaults follow the config too
        if kind == "Path" and key not in values:
            values[key] = base / getattr(IndexSettings, key)
    return replace(IndexSettings(), **values).check()


def read_config_file(path: Path) -> dict:
    """The parsed TOML of a config file; raises `SettingsError` saying what is wrong."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"config file not found: {path}")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})")


def load_settings(config: Path | None) -> IndexSettings:
    """Settings from a config file, or the defaults when there is none."""
    if config is None:
        return IndexSettings()
    return settings_from_table(read_config_file(config).get("index", {}), config.parent)
