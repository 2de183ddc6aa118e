"""Through the bot: many /ask at once against fake Discord on 127.0.0.1, over a large index.

Reports the time from injecting each interaction to its reply (p50/p99), how many missed
Discord's three-second deadline (a reply that was only a deferral counts as in time, its
answer following later), and how late the event loop ran (the gateway heartbeat runs on it).

    python benchmarks/bot_load.py --sentences 100000 --asks 200
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import discord

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from bot.client import QuoteBot  # noqa: E402
from bot.config import BotSettings, Config  # noqa: E402
from bot.service import point_discord_at, serve  # noqa: E402
from fakediscord import FakeDiscord, close_client  # noqa: E402
from index.model import SearchIndex  # noqa: E402
from index.settings import IndexSettings  # noqa: E402
from scale import corpus, questions, synthetic_data  # noqa: E402

TOKEN = "load-test-token"


def synthetic_index(n: int, folder: Path) -> tuple[SearchIndex, list[str]]:
    sentences, rng, p = corpus(n)
    settings = IndexSettings(seeds=folder, index_path=folder / "index.json")
    return SearchIndex(synthetic_data(sentences), settings), questions(rng, p, 1000)


async def served_bot(fake: FakeDiscord, index: SearchIndex, folder: Path
                     ) -> tuple[QuoteBot, asyncio.Task]:
    """The bot, started against fake Discord as `bot.service` starts it; ready to answer."""
    config = Config(bot=BotSettings(
        guild_ids=(int(fake.guild_ids[0]),), api_base_url=fake.rest_url,
        gateway_url=fake.gateway_url, cooldown_seconds=0, watch_seconds=0,
        state_path=folder / "commands.sha256"), index=index.settings)
    point_discord_at(config.bot.api_base_url, config.bot.gateway_url)
    client = QuoteBot(config, index, guild_ready_timeout=0.1)
    task = asyncio.create_task(serve(client, TOKEN))
    await asyncio.wait_for(client.wait_until_ready(), 30)
    return client, task


async def loop_lag(stop: asyncio.Event, lags: list[float], every: float = 0.01) -> None:
    """How late a 10 ms timer fires: the event loop's responsiveness."""
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(every)
        lags.append(time.perf_counter() - start - every)


async def run(n: int, asks: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        index, asked = synthetic_index(n, folder)
        index.warm()  # as the service does before it connects
        print(f"index: {len(index):,} passages, built in {time.perf_counter() - start:.1f} s")
        async with FakeDiscord(token=TOKEN, heartbeat_interval_ms=1000) as fake:
            client, task = await served_bot(fake, index, folder)
            stop, lags = asyncio.Event(), []
            ticker = asyncio.create_task(loop_lag(stop, lags))

            async def one(question: str) -> tuple[float, int]:
                sent = time.perf_counter()
                token = await fake.send_command("ask", {"question": question}, timeout=30)
                replies = await fake.wait_for_response(token, timeout=60)
                first = time.perf_counter() - sent
                if replies[0].body.get("type") == 5:  # deferred: wait for the answer too
                    await fake.wait_for_response(token, count=2, timeout=60)
                return first, len(fake.replies[token])

            started = time.perf_counter()
            results = await asyncio.gather(*(one(asked[i % len(asked)]) for i in range(asks)))
            wall = time.perf_counter() - started
            stop.set()
            await ticker
            heartbeats = len(fake.received_ops(1))
            await close_client(client, task)
    seconds = sorted(r[0] for r in results)
    p50 = statistics.median(seconds) * 1000
    p99 = seconds[min(len(seconds) - 1, round(0.99 * (len(seconds) - 1)))] * 1000
    late = sum(1 for s in seconds if s >= 3.0)
    deferred = sum(1 for r in results if r[1] > 1)
    print(f"{asks} /ask at once: all done in {wall:.2f} s; interaction to first reply "
          f"p50 {p50:.0f} ms, p99 {p99:.0f} ms; {late} past 3 s; {deferred} deferred")
    print(f"event loop lag (the gateway heartbeat runs on it): median "
          f"{statistics.median(lags) * 1000:.1f} ms, max {max(lags) * 1000:.1f} ms; "
          f"heartbeats received by fake Discord meanwhile: {heartbeats}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--asks", type=int, default=200)
    args = parser.parse_args(argv)
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    asyncio.run(run(args.sentences, args.asks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
