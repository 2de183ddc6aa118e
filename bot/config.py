"""The bot's settings: the `[bot]` table of config.toml, beside the `[index]` table.

The token is never a setting: the config names the environment variable that holds it.
"""

from __future__ import annotations

import math
import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from index.settings import IndexSettings, SettingsError, read_config_file, settings_from_table

DISCORD_API = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: writer: builds the index from the articles folder, watches it, follows feeds, saves.
#: reader: only loads the saved index (a copy will do) and swaps in each new one the writer saves.
ROLES = ("writer", "reader")


class ConfigError(SettingsError):
    """A bad or missing setting; the message names it."""


@dataclass(frozen=True)
class BotSettings:
    token_env: str = "DISCORD_TOKEN"
    guild_ids: tuple[int, ...] = ()
    cooldown_uses: int = 3
    cooldown_seconds: float = 10.0
    defer_after_seconds: float = 2.0
    watch_seconds: float = 5.0
    log_level: str = "INFO"
    log_file: Path | None = None
    api_base_url: str = DISCORD_API
    gateway_url: str = DISCORD_GATEWAY
    state_path: Path = Path("data/commands.sha256")
    connect_timeout_seconds: float = 30.0
    metrics_port: int = 0
    role: str = "writer"
    shard_count: int = 0                 # 0: as many as Discord recommends (GET /gateway/bot)
    shard_ids: tuple[int, ...] = ()      # the shards this process runs; (): all of them

    @property
    def registers_commands(self) -> bool:
        """One process registers the slash commands: the one running shard 0."""
        return not self.shard_ids or 0 in self.shard_ids

    @property
    def metrics_port_here(self) -> int:
        """The port this process serves metrics on: `metrics_port` plus the lowest shard it
        runs, so that readers sharing one config file (each given its shards on the command
        line) each get their own; 0 when metrics are off."""
        if not self.metrics_port or not self.shard_ids:
            return self.metrics_port
        return self.metrics_port + min(self.shard_ids)

    def shards_label(self) -> str:
        """How logs name this process's shards: "shards 0, 1 of 4" ("" when it runs them all)."""
        if not self.shard_ids:
            return ""
        return (f"shard{'s' if len(self.shard_ids) > 1 else ''} "
                f"{', '.join(map(str, self.shard_ids))} of {self.shard_count}")


@dataclass(frozen=True)
class FeedSettings:
    urls: tuple[str, ...] = ()      # RSS or Atom feeds whose new entries the bot adds
    poll_minutes: float = 15.0


@dataclass(frozen=True)
class Config:
    bot: BotSettings = field(default_factory=BotSettings)
    index: IndexSettings = field(default_factory=IndexSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)

    def token(self) -> str:
        """The bot token from the environment; raises `ConfigError` naming the variable."""
        token = os.environ.get(self.bot.token_env, "").strip()
        if not token:
            raise ConfigError(f"bot.token_env: the environment variable {self.bot.token_env} "
                              "is not set (it must hold the bot token)")
        return token


def _number(key: str, value: object, low: float, high: float, whole: bool = False,
            section: str = "bot") -> float:
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise ConfigError(f"{section}.{key} must be a {'whole ' if whole else ''}number, "
                          f"not {value!r}")
    if not (low <= value <= high) or (isinstance(value, float) and not math.isfinite(value)):
        raise ConfigError(f"{section}.{key} must be between {low} and {high}, not {value!r}")
    return value


LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _url(key: str, value: object, schemes: tuple[str, str]) -> str:
    """A URL with the secure scheme, or the plain one for this machine only (tests, a local
    proxy): the token travels in every request."""
    secure, plain = schemes
    if not isinstance(value, str) or not re.match(rf"^({secure}|{plain})://[^\s/]+", value):
        raise ConfigError(f"bot.{key} must be a {secure} URL, not {value!r}")
    parts = urllib.parse.urlsplit(value)
    if parts.scheme == plain and parts.hostname not in LOOPBACK:
        raise ConfigError(f"bot.{key} must use {secure}:// (plain {plain}:// would send the "
                          f"token unencrypted; it is allowed only for {', '.join(LOOPBACK)})")
    return value.rstrip("/") if secure == "https" else value


def _path(key: str, value: object, base: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"bot.{key} must be a path string, not {value!r}")
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """Shard ids as written on a command line or a systemd instance name: "3", "0-3" (a range)
    or "0,2" (commas are not allowed in unit names, so a range is the usual form)."""
    ids: list[int] = []
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        if not low.isdigit() or (dash and not (high.isdigit() and int(high) >= int(low))):
            raise ConfigError(f"--shards must be shard ids like 0, 0-1 or 0,2, not {text!r}")
        ids.extend(range(int(low), int(high or low) + 1))
    return tuple(ids)


def check_shards(settings: BotSettings) -> BotSettings:
    """Shard ids only with a shard count every process agrees on, each below it, once."""
    ids, count = settings.shard_ids, settings.shard_count
    if ids and not count:
        raise ConfigError("bot.shard_ids needs bot.shard_count: every process must use the same "
                          "count, so set it rather than asking Discord in each")
    if len(set(ids)) != len(ids):
        raise ConfigError(f"bot.shard_ids lists a shard twice: {list(ids)}")
    if any(i >= count for i in ids):
        raise ConfigError(f"bot.shard_ids must be below bot.shard_count ({count}): {list(ids)}")
    if settings.metrics_port_here > 65535:
        raise ConfigError(f"bot.metrics_port: {settings.metrics_port} plus the lowest shard id "
                          f"({min(ids)}) is past the last port, 65535")
    return settings


def bot_settings_from_table(table: dict, base: Path = Path(".")) -> BotSettings:
    """Check every `[bot]` setting; the first bad one raises `ConfigError` naming it."""
    if not isinstance(table, dict):
        raise ConfigError("[bot] must be a table")
    known = BotSettings.__dataclass_fields__
    values: dict = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"bot.{key} is not a setting (known: {', '.join(known)})")
        if key == "token_env":
            if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
                raise ConfigError(f"bot.token_env must be an environment variable name, "
                                  f"not {value!r}")
            values[key] = value
        elif key == "guild_ids":
            if not isinstance(value, list) or not all(
                    isinstance(g, int) and not isinstance(g, bool) and g > 0 for g in value):
                raise ConfigError("bot.guild_ids must be a list of server ids (numbers), "
                                  "or [] for global commands")
            values[key] = tuple(value)
        elif key == "cooldown_uses":
            values[key] = int(_number(key, value, 1, 100, whole=True))
        elif key in ("cooldown_seconds", "defer_after_seconds", "watch_seconds"):
            high = {"cooldown_seconds": 3600, "defer_after_seconds": 2.5, "watch_seconds": 86400}
            values[key] = float(_number(key, value, 0, high[key]))
        elif key == "connect_timeout_seconds":
            values[key] = float(_number(key, value, 1, 600))
        elif key == "role":
            if value not in ROLES:
                raise ConfigError(f"bot.role must be one of {', '.join(ROLES)}, not {value!r}")
            values[key] = value
        elif key == "metrics_port":
            values[key] = int(_number(key, value, 0, 65535, whole=True))
        elif key == "shard_count":
            values[key] = int(_number(key, value, 0, 65535, whole=True))
        elif key == "shard_ids":
            if not isinstance(value, list) or not all(
                    isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in value):
                raise ConfigError("bot.shard_ids must be a list of shard numbers (0, 1, …), "
                                  "or [] for all shards")
            values[key] = tuple(value)
        elif key == "log_level":
            if not isinstance(value, str) or value.upper() not in LOG_LEVELS:
                raise ConfigError(f"bot.log_level must be one of {', '.join(LOG_LEVELS)}")
            values[key] = value.upper()
        elif key in ("log_file", "state_path"):
            values[key] = None if key == "log_file" and value == "" else _path(key, value, base)
        elif key == "api_base_url":
            values[key] = _url(key, value, ("https", "http"))
        elif key == "gateway_url":
            values[key] = _url(key, value, ("wss", "ws"))
    values.setdefault("state_path", base / BotSettings.state_path)
    return check_shards(BotSettings(**values))


def feed_settings_from_table(table: dict) -> FeedSettings:
    """Check the `[feeds]` table; the first bad setting raises `ConfigError` naming it."""
    if not isinstance(table, dict):
        raise ConfigError("[feeds] must be a table")
    unknown = set(table) - {"urls", "poll_minutes"}
    if unknown:
        raise ConfigError(f"feeds.{sorted(unknown)[0]} is not a setting (known: urls, "
                          "poll_minutes)")
    urls = table.get("urls", [])
    if not isinstance(urls, list) or not all(
            isinstance(u, str) and re.match(r"^https?://[^\s/]+", u) for u in urls):
        raise ConfigError("feeds.urls must be a list of http(s) feed addresses")
    minutes = float(_number("poll_minutes", table.get("poll_minutes", 15.0), 1, 24 * 60,
                            section="feeds"))
    return FeedSettings(tuple(urls), minutes)


def load_config(path: Path) -> Config:
    """Read config.toml; relative paths in it are taken from its folder."""
    try:
        data = read_config_file(path)
    except SettingsError as exc:
        raise ConfigError(str(exc))
    unknown = set(data) - {"bot", "index", "feeds"}
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(sorted(unknown))} "
                          "(known: [bot], [index], [feeds])")
    base = path.resolve().parent
    bot = bot_settings_from_table(data.get("bot", {}), base)
    try:
        index = settings_from_table(data.get("index", {}), base)
    except SettingsError as exc:  # one kind of error for every bad setting the bot reads
        raise ConfigError(str(exc))
    return Config(bot, index, feed_settings_from_table(data.get("feeds", {})))
