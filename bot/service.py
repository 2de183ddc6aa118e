"""Running the bot as a long-lived service: config, logging, index, connection, signals."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import aiohttp
import discord
import yarl

from index.build import load_saved, open_index
from index.model import SearchIndex, keep_long_lived
from index.store import IndexFileError

from .client import QuoteBot
from .config import Config, ConfigError, check_shards, load_config, parse_shard_ids
from .metrics import Metrics
from .reload import Reloader

log = logging.getLogger("bot")

EX_CONFIG = 78  # sysexits.h: configuration error


class RedactingFormatter(logging.Formatter):
    """Formats records with every secret replaced, tracebacks included."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text


def setup_logging(config: Config, token: str) -> None:
    """Log to stderr (and the configured file); raises `ConfigError` if the file can't be used.
    A process running some of the shards says which in every line."""
    label = config.bot.shards_label()
    formatter = RedactingFormatter(
        f"%(asctime)s %(levelname)s {f'[{label}] ' if label else ''}%(name)s: %(message)s", [token])
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if config.bot.log_file:
        try:
            config.bot.log_file.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(logging.FileHandler(config.bot.log_file, encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"bot.log_file: cannot write {config.bot.log_file} "
                              f"({exc.strerror or exc})")
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(config.bot.log_level)


def point_discord_at(api_base_url: str, gateway_url: str) -> None:
    """Send REST calls and the gateway connection to the configured addresses.

    discord.py has no option for this, so it is set where discord.py reads it: REST routes
    (webhook follow-ups included) are built on `Route.BASE`, and a plain client connects to
    `DiscordWebSocket.DEFAULT_GATEWAY`.
    """
    discord.http.Route.BASE = api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


#: The longest wait between two tries at logging in.
LOGIN_BACKOFF_MAX = 60.0


def server_errors_logged() -> aiohttp.TraceConfig:
    """An HTTP trace that logs each 5xx answer from Discord as it comes: discord.py retries
    them on its own, silently, for about half a minute."""
    trace = aiohttp.TraceConfig()

    async def on_request_end(session, context, params) -> None:
        if params.response.status >= 500:
            log.warning("Discord answered %s %s to %s %s", params.response.status,
                        params.response.reason, params.method, params.url.path)
    trace.on_request_end.append(on_request_end)
    return trace


async def login(client: QuoteBot, token: str) -> None:
    """Log in, trying again with growing waits while Discord times out, fails (5xx) or cannot
    be reached; each failure is one log line. A rejected token or a wrong address raises."""
    bot = client.config.bot
    delay = 1.0
    while True:
        try:
            async with asyncio.timeout(bot.connect_timeout_seconds):
                await client.login(token)
            return
        except (TimeoutError, discord.DiscordServerError, OSError, aiohttp.ClientError) as exc:
            if client.is_closed():  # stopping: the failure is the stop's doing
                raise
            log.warning("login to %s failed: %s; trying again in %g s", bot.api_base_url,
                        _login_failure(exc, bot.connect_timeout_seconds), delay)
        await client.http.close()  # a fresh HTTP session for the next try; none left open
        client.http.connector = discord.utils.MISSING
        await asyncio.sleep(delay)
        delay = min(2 * delay, LOGIN_BACKOFF_MAX)


#: How long a stop waits for the answers in flight.
DRAIN_SECONDS = 10.0


async def finish_and_close(client: QuoteBot) -> None:
    """Take no new interactions, let those in flight be answered (for `DRAIN_SECONDS` at
    most), then close the connection."""
    client.stopping = True
    if client.in_flight:
        log.info("finishing %d answer(s) in flight", len(client.in_flight))
        _, late = await asyncio.wait(set(client.in_flight), timeout=DRAIN_SECONDS)
        if late:
            log.warning("%d answer(s) unfinished after %g s: closing anyway", len(late),
                        DRAIN_SECONDS)
    await client.close()


def _login_failure(exc: Exception, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, discord.DiscordServerError):
        return f"Discord answered {exc.status}"
    return f"cannot connect ({exc.__class__.__name__}: {exc})"


class Signals:
    """SIGTERM and SIGINT stop the service (once), SIGHUP reloads the index; the loop's own
    handlers while it runs. Reload tasks stay referenced until done: the loop keeps only weak ones."""

    def __init__(self, stop: Callable[[], Awaitable[None]], reloader: Reloader) -> None:
        self._stop, self.reloader = stop, reloader
        self.stopping: list[asyncio.Task] = []
        self.reloads: set[asyncio.Task] = set()

    def __enter__(self) -> Signals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop, sig.name)
        loop.add_signal_handler(signal.SIGHUP, self.reload, "SIGHUP")
        return self

    def __exit__(self, *exc: object) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(sig)

    def stop(self, name: str) -> None:
        log.info("%s received: stopping", name)
        if not self.stopping:
            self.stopping.append(asyncio.get_running_loop().create_task(self._stop()))

    def reload(self, why: str) -> None:
        if not self.stopping:
            task = asyncio.get_running_loop().create_task(self.reloader.reload(why))
            self.reloads.add(task)
            task.add_done_callback(self.reloads.discard)


#: How long the connection may take to end once the client is closed, before it is cancelled.
#: Closing wakes neither discord.py's wait before a gateway reconnect (up to 17 minutes while
#: Discord is unreachable) nor the wait between two logins (up to `LOGIN_BACKOFF_MAX`); with
#: `DRAIN_SECONDS` a stop stays within the units' TimeoutStopSec (15 s).
CLOSE_SECONDS = 3.0


async def serve(client: QuoteBot, token: str, reload_at_start: bool = False) -> None:
    """Connect and answer until SIGTERM or SIGINT, then close the connection cleanly.
    `reload_at_start`: a SIGHUP came while starting up; reload once running."""
    keep_long_lived()
    connection: asyncio.Task | None = None

    async def connect() -> None:
        await login(client, token)
        await client.connect()  # discord.py reconnects the gateway itself, with backoff

    async def stop() -> None:
        await finish_and_close(client)
        if connection is not None:
            _, waiting = await asyncio.wait({connection}, timeout=CLOSE_SECONDS)
            if waiting:
                log.info("the connection was waiting to reconnect or log in: stopped")
                connection.cancel()

    with Signals(stop, client.reloader) as signals:
        if reload_at_start:
            signals.reload("SIGHUP while starting")
        async with client:
            connection = asyncio.create_task(connect())
            try:
                await asyncio.wait({connection})
            finally:
                connection.cancel()  # when serve itself is cancelled; a finished task ignores it
            if signals.stopping:
                await signals.stopping[0]
        if not connection.cancelled() and (failed := connection.exception()) is not None:
            if not signals.stopping:  # a failure of its own: let run() report it
                raise failed
            log.info("stopped while connecting")  # closing mid-login breaks the login: expected


def _stop_now(signum: int, frame: object) -> None:
    raise SystemExit(0)


_hup_while_starting: list[int] = []


def _reload_later(signum: int, frame: object) -> None:
    """A SIGHUP (`systemctl reload`) before the service runs: remembered, not fatal."""
    _hup_while_starting.append(signum)


def reload_requested_at_start() -> bool:
    """Whether a SIGHUP came before the event loop took the signals over."""
    return bool(_hup_while_starting)


def start(config_path: Path, shards: str | None = None, *, token_needed: bool = True
          ) -> tuple[Config, str]:
    """Read the config (`shards`, from the command line, replaces `bot.shard_ids`) and the
    token, and set up logging; raises `ConfigError`. Until the event loop runs, SIGTERM stops
    quietly and SIGHUP is remembered for later."""
    signal.signal(signal.SIGTERM, _stop_now)
    signal.signal(signal.SIGHUP, _reload_later)
    config = load_config(config_path)
    if shards is not None:
        config = replace(config, bot=check_shards(replace(config.bot,
                                                          shard_ids=parse_shard_ids(shards))))
    token = config.token() if token_needed else ""
    setup_logging(config, token)
    return config, token


def first_index(config: Config) -> SearchIndex | int:
    """The index to start with (a reader loads the saved one, a writer builds and saves), or
    the exit status when there is none."""
    try:
        if config.bot.role == "reader":
            index, reason = load_saved(config.index), "the saved index, read only"
        else:
            index, report = open_index(config.index)
            reason = report.reason
    except IndexFileError as exc:  # a reader before the writer's first save: try again later
        print(f"error: bot.role is reader, and there is no usable saved index: {exc}",
              file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"error: cannot load the articles: {exc}", file=sys.stderr)
        return EX_CONFIG
    except KeyboardInterrupt:
        return 0
    log.info("index (%s): %s (%d articles, %d passages)", config.bot.role, reason,
             len(index.articles), len(index))
    if config.bot.role == "reader" and index.model_built:
        log.warning("the saved index was scored with other [index] settings (k1, b, epsilon) "
                    "than this reader's: it built its own BM25 model, in memory no other "
                    "process shares; give readers the writer's [index] table")
    return index


def serve_metrics(metrics: Metrics, config: Config) -> int:
    """Serve the metrics if configured: 0, or the exit status when the port can't be had."""
    port = config.bot.metrics_port_here
    if port:
        try:
            metrics.serve(port)
        except OSError as exc:
            print(f"error: bot.metrics_port: cannot serve metrics on 127.0.0.1:{port} "
                  f"({exc.strerror or exc})", file=sys.stderr)
            return EX_CONFIG
    return 0


def run(config_path: Path, shards: str | None = None) -> int:
    """The service's main: exit 0 on a clean stop, 78 for a bad config, token or Discord
    address (restarting will not help), 1 for anything unforeseen (worth a restart). While
    Discord is unreachable or failing it keeps trying, logging each failure."""
    try:
        config, token = start(config_path, shards)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EX_CONFIG
    point_discord_at(config.bot.api_base_url, config.bot.gateway_url)
    index = first_index(config)
    if isinstance(index, int):
        return index
    index.warm()  # compile and page in before connecting: compiling holds the GIL
    client = QuoteBot(config, index, http_trace=server_errors_logged())
    if failed := serve_metrics(client.metrics, config):
        return failed
    try:
        asyncio.run(serve(client, token, reload_at_start=reload_requested_at_start()))
    except discord.LoginFailure:
        print(f"error: bot.token_env: Discord rejected the token in {config.bot.token_env}",
              file=sys.stderr)
        return EX_CONFIG
    except discord.Forbidden as exc:
        print(f"error: bot.guild_ids: Discord refused to register the commands ({exc.text}); "
              "is the bot in every listed server, invited with the applications.commands "
              "scope?", file=sys.stderr)
        return EX_CONFIG
    except discord.PrivilegedIntentsRequired:
        print("error: Discord refused the requested intents", file=sys.stderr)
        return EX_CONFIG
    except discord.HTTPException as exc:  # 4xx at login: not Discord's API at that address
        print(f"error: bot.api_base_url: {config.bot.api_base_url} answered {exc.status} "
              f"{exc.response.reason} at login; is it Discord's API (…/api/v10)?", file=sys.stderr)
        return EX_CONFIG
    except discord.ConnectionClosed as exc:
        if exc.code in (4010, 4011):  # another process runs the shard, or too few shards
            print(f"error: bot.shard_ids / bot.shard_count: Discord refused shard {exc.shard_id} "
                  f"({exc.code} {exc.reason or ''}); is another process running it, or does "
                  "the count not match the other processes'?", file=sys.stderr)
            return EX_CONFIG
        print(f"error: cannot reach Discord at {config.bot.api_base_url}: {exc}", file=sys.stderr)
        return 1
    except (OSError, aiohttp.ClientError, discord.GatewayNotFound) as exc:
        print(f"error: cannot reach Discord at {config.bot.api_base_url}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        client.metrics.close()
    return 0
