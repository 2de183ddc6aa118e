"""Soak: the bot's memory through many live reloads and many /ask, as a service running for
months would see them (fake Discord on 127.0.0.1).

An articles folder of synthetic news-sized articles (50 sentences each) is served by the real
client, as `bot.service` serves it. Each round changes one article file and reloads (the same
path as the folder watcher, SIGHUP and /reload), then asks questions through fake Discord.
Resident memory (VmRSS now, not the peak) is printed at intervals; after the first rounds
(warm-up: compiling, caches filling) it should stay flat.

    python benchmarks/soak.py --passages 24000 --reloads 1000 --asks 10000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import discord

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from bot_load import TOKEN, served_bot  # noqa: E402
from fakediscord import FakeDiscord, close_client  # noqa: E402
from index.build import open_index  # noqa: E402
from index.settings import IndexSettings  # noqa: E402
from scale import corpus, questions  # noqa: E402

SENTENCES_PER_ARTICLE = 50
WARM_UP = 10  # rounds before memory is expected to settle


def rss_mb() -> float:
    """Resident memory now (not the peak), from /proc."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def write_articles(folder: Path, passages: int) -> list[Path]:
    sentences, _, _ = corpus(passages)
    files = []
    for a in range(0, len(sentences), SENTENCES_PER_ARTICLE):
        chunk = sentences[a:a + SENTENCES_PER_ARTICLE]
        path = folder / f"{a // SENTENCES_PER_ARTICLE:05d}_soak.txt"
        body = "\n\n".join(" ".join(chunk[i:i + 5]) for i in range(0, len(chunk), 5))
        path.write_text(f"Soak article {a}\n\n{body}\n", encoding="utf-8")
        files.append(path)
    return files


async def run(passages: int, reloads: int, asks: int, every: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        files = write_articles(folder, passages)
        originals = {path: path.read_text(encoding="utf-8") for path in files}
        settings = IndexSettings(seeds=folder, index_path=Path(tmp) / "index.json")
        started = time.perf_counter()
        index, _ = open_index(settings)
        index.warm()
        print(f"{len(files)} articles, {len(index):,} passages, built in "
              f"{time.perf_counter() - started:.1f} s")
        _, rng, p = corpus(10)
        asked = questions(rng, p, 500)
        async with FakeDiscord(token=TOKEN, heartbeat_interval_ms=5000) as fake:
            client, task = await served_bot(fake, index, Path(tmp))
            del index
            per_round = max(1, asks // max(1, reloads))
            rows, answered, failed = [(0, 0, rss_mb())], 0, 0
            started = time.perf_counter()
            print(f"{'reloads':>8} | {'asks':>6} | {'RSS MB':>7} | vs round {WARM_UP}")
            print(f"{0:>8} | {0:>6} | {rows[0][2]:>7.0f} |")
            for r in range(1, reloads + 1):
                path = files[r % len(files)]
                path.write_text(originals[path] + f"\nUpdate {r}: the council met again.\n",
                                encoding="utf-8")
                if not (await client.reloader.reload("soak")).changed:
                    failed += 1
                for q in range(per_round):
                    token = await fake.send_command(
                        "ask", {"question": asked[(r * per_round + q) % len(asked)]}, timeout=30)
                    await fake.wait_for_response(token, timeout=60)
                    answered += 1
                fake.forget()  # the fake's records are not the bot's memory
                if r == WARM_UP or r % every == 0 or r == reloads:
                    rows.append((r, answered, rss_mb()))
                    base = next((m for n, _, m in rows if n == WARM_UP), None)
                    ratio = f"{rows[-1][2] / base:.2f}x" if base else ""
                    print(f"{r:>8} | {answered:>6} | {rows[-1][2]:>7.0f} | {ratio}", flush=True)
            await close_client(client, task)
    settled = [m for n, _, m in rows if n >= WARM_UP]
    print(f"{reloads} reloads ({failed} that changed nothing) and {answered} /ask in "
          f"{time.perf_counter() - started:.0f} s; RSS after warm-up: min {min(settled):.0f} MB, "
          f"max {max(settled):.0f} MB ({max(settled) / min(settled) - 1:+.1%})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=24_000)
    parser.add_argument("--reloads", type=int, default=1000)
    parser.add_argument("--asks", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=100, help="print RSS every N reloads")
    args = parser.parse_args(argv)
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    asyncio.run(run(args.passages, args.reloads, args.asks, args.every))
    return 0


if __name__ == "__main__":
    sys.exit(main())
